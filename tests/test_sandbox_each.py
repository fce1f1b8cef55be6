"""call_each: a test's loop of calls to one submission function in one request (issue 16).

The promise is that it behaves exactly as the loop would: same values in the same order, the
first raise raises at its place and nothing after it runs, faults and exits as in a call; and
that a test which stops early (or looks into an answer's handle mid-loop) leaves the session
usable, with a slow function's remaining calls cut short instead of waited for.
"""

from __future__ import annotations

import sys
import time

import pytest

from autograder.grading.engine import RunnerFault, SubmissionExit
from conftest import open_tiny_session
from autograder.sandbox.limits import EACH_MAX
from autograder.sandbox.proxies import call_each


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")

SOURCE = '''
import sys, time
LOG = []

def square(x):
    LOG.append(x)
    if x == "boom":
        raise ValueError(f"cannot square {x!r}")
    if x == "exit":
        sys.exit(4)
    if x == "spin":
        while True:
            pass
    return x * x

def slow(x):
    LOG.append(x)
    time.sleep(0.3)
    return x

def counter(n):
    LOG.append(n)
    return iter(range(n))       # not data: the judge gets a handle

def log():
    return list(LOG)

class ShapeError(ValueError):
    pass

def check(x):
    LOG.append(x)
    if x == "fine":
        return "no complaint"
    if x == "type":
        raise TypeError("not even a number")
    if x == "sub":
        raise ShapeError("a ValueError of the student's own")
    if x == "exit":
        sys.exit(5)
    raise ValueError(f"bad {x!r}")
'''


@pytest.fixture
def session(numpy_engine):
    with open_tiny_session(numpy_engine, SOURCE) as s:
        yield s


def test_values_come_back_in_order_and_the_calls_ran_in_order(session):
    square = session.env["square"]
    args = [(i,) for i in range(50)] + [(2.5,), (-3,)]
    got = list(call_each(square, args))
    assert got == [a[0] * a[0] for a in args]
    assert session.env["log"]() == [a[0] for a in args]  # each call once, in order
    assert list(call_each(square, [])) == []


def test_the_first_raise_raises_in_its_place_and_nothing_after_it_runs(session):
    square = session.env["square"]
    seen = []
    with pytest.raises(ValueError, match="cannot square 'boom'"):
        for value in call_each(square, [(1,), (2,), ("boom",), (3,), (4,)]):
            seen.append(value)
    assert seen == [1, 4]
    assert session.env["log"]() == [1, 2, "boom"]  # 3 and 4 never ran, as in a loop
    assert square(5) == 25  # the same runner goes on


def test_a_loop_left_early_leaves_the_session_usable(session):
    square = session.env["square"]
    gen = session.gen
    for i, value in enumerate(call_each(square, [(i,) for i in range(40)])):
        if i == 2:
            break  # an assertion failed
    time.sleep(0.5)  # the runner has answered the rest by now (a fast function)
    assert square(7) == 49
    assert session.gen == gen  # the answers left were read: no restart
    assert session.env["log"]()[-1] == 7 and len(session.env["log"]()) == 41


def test_a_slow_function_left_early_is_not_waited_for(session):
    gen = session.gen
    started = time.monotonic()
    for value in call_each(session.env["slow"], [(i,) for i in range(20)]):
        assert value == 0
        break
    assert session.env["square"](3) == 9  # the next request: the runner is killed and restarted
    assert session.gen == gen + 1
    assert session.env["log"]() == [3]  # a fresh runner; the 19 slow calls left never finished
    assert time.monotonic() - started < 20 * 0.3  # not the rest of the loop (6 s); a bound, not a target


def test_functions_a_test_holds_reach_the_new_runner_after_a_loop_left_early(session):
    """A test holds its functions across the restart of a slow loop it left (the kill comes with
    its next request): each later call reaches the new runner's function of the same name. Before,
    the second call failed as "this object belonged to a runner that has since been restarted"
    (the first had sent the old id to the new runner), failing an unrelated case; an object the
    old runner made, not a module global, is still gone."""
    square, slow, counter = session.env["square"], session.env["slow"], session.env["counter"]
    it = counter(3)
    gen = session.gen
    for value in call_each(slow, [(i,) for i in range(20)]):
        break
    assert square(3) == 9
    assert session.gen == gen + 1
    assert square(4) == 16
    assert list(call_each(square, [(5,), (6,)])) == [25, 36]
    assert session.env["log"]() == [3, 4, 5, 6]  # all in the new runner
    with pytest.raises(RuntimeError, match="restarted"):
        next(it)


def test_an_answer_that_is_a_handle_can_be_looked_into_mid_loop(session):
    values = []
    for it in call_each(session.env["counter"], [(3,), (2,), (4,)]):
        values.append(list(it))  # requests of their own while the loop's answers are pending
    assert values == [[0, 1, 2], [0, 1], [0, 1, 2, 3]]
    assert session.env["log"]() == [3, 2, 4]


def test_a_slow_answer_looked_into_mid_loop_is_waited_for_not_cut(session):
    # Not a loop that was left: the answers still owed are read in full (as the loop would).
    got = []
    for value in call_each(session.env["slow"], [(1,), (2,), (3,)]):
        got.append(value)
        assert session.env["square"](value) == value * value  # another request mid-loop
    assert got == [1, 2, 3]
    assert session.env["log"]() == [1, 2, 3, 1, 2, 3]


def test_another_loop_started_before_the_first_is_read_loses_nothing(session):
    square = session.env["square"]
    first = call_each(square, [(1,), (2,), (3,)])
    assert next(first) == 1
    assert list(call_each(square, [(5,)])) == [25]
    # The first loop's answers were read and kept when the second began: nothing is lost or mixed.
    assert list(first) == [4, 9]


def test_faults_and_exits_end_the_loop_as_they_end_a_call(session):
    square = session.env["square"]
    with pytest.raises(SubmissionExit, match="sys.exit"):
        list(call_each(square, [(1,), ("exit",), (2,)]))
    assert session.env["log"]()[-2:] == [1, "exit"]
    with pytest.raises(RunnerFault) as fault:
        list(call_each(square, [(1,), ("spin",), (2,)]))
    assert fault.value.kind == "timeout"
    session.after_fault()
    assert session.env["square"](6) == 36  # a fresh runner: fresh handles


def _outcomes(replays):
    """What each replay gives: ("value", v) or ("raised", exception type name)."""
    out = []
    for replay in replays:
        try:
            out.append(("value", replay()))
        except Exception as e:  # noqa: BLE001
            out.append(("raised", type(e).__name__))
    return out


def test_a_loop_expecting_errors_runs_every_call_while_each_raises_it(session):
    check = session.env["check"]
    gen = session.gen
    got = _outcomes(call_each(check, [(1,), (2,), ("sub",), (3,)], expect="ValueError"))
    assert got == [("raised", "ValueError")] * 4  # the subclass arrives as the ValueError it is
    assert session.env["log"]() == [1, 2, "sub", 3]  # each once, in order; a subclass goes on too
    assert session.gen == gen


@pytest.mark.parametrize("stop, outcome", [("fine", ("value", "no complaint")), ("type", ("raised", "TypeError")),
                                           ("exit", ("raised", "SubmissionExit"))])
def test_a_loop_expecting_errors_ends_at_the_first_call_that_does_not_raise_it(session, stop, outcome):
    # The test's loop of expect_value_error stops there (an assertion fails): no later call runs,
    # in the runner either, and the session goes on without a kill when the runner ended the loop.
    check = session.env["check"]
    gen = session.gen
    replays = call_each(check, [(1,), (stop,), (2,), (3,)], expect="ValueError")
    got = _outcomes([next(replays), next(replays)])
    assert got == [("raised", "ValueError"), outcome]
    replays.close()  # the test left the loop
    assert session.env["log"]() == [1, stop]  # 2 and 3 never ran
    assert session.gen == gen  # the runner ended the loop itself: nothing to cut, no restart


def test_a_loop_expecting_errors_read_to_the_end_after_its_last_call(session):
    check = session.env["check"]
    replays = list(call_each(check, [("a",), ("fine",), ("b",)], expect="ValueError"))
    assert len(replays) == 2  # the loop ended at "fine": nothing more to read
    assert _outcomes(replays) == [("raised", "ValueError"), ("value", "no complaint")]
    with pytest.raises(ValueError, match="expect one of"):
        list(call_each(check, [(1,)], expect="KeyError"))
    assert session.env["check"]("fine") == "no complaint"  # the session is in step


def test_too_many_calls_in_one_request_are_refused(session):
    with pytest.raises(ValueError, match=f"at most {EACH_MAX:,}|at most {EACH_MAX}"):
        list(call_each(session.env["square"], [(1,)] * (EACH_MAX + 1)))
    assert session.env["log"]() == []  # nothing ran


def test_outside_the_sandbox_it_is_the_loop_itself():
    ran = []

    def square(x):
        ran.append(x)
        if x < 0:
            raise ValueError("negative")
        return x * x

    values = call_each(square, [(1,), (2,), (-1,), (3,)])
    assert ran == []  # lazy, as a loop is: nothing runs before it is asked for
    assert next(values) == 1 and ran == [1]
    with pytest.raises(ValueError):
        list(values)
    assert ran == [1, 2, -1]
