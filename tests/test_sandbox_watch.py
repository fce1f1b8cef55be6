"""call_watched: what a call did to its numpy array arguments, seen where the call ran.

Through the sandbox a submission's function gets copies of the test's arrays, so a test that
looks at its own arrays after the call can never see an in-place change, nor that the value is
the argument itself: the promises "the inputs are not modified" and "returns a copy" could not
fail. The oracle here is the plain local call on the arrays themselves (the in-process engine,
and a student's own run of the tests): both must report the same thing for the same code.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from conftest import open_tiny_session
from autograder.sandbox.proxies import call_watched


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")

SOURCE = '''
import gc
import numpy as np

def scale_in_place(x, k=2.0, out=None):
    x *= k
    return x

def halve_stats(x, mean, var):
    mean /= 2                      # the moving statistics, updated in place
    var[...] = var / 2
    return x.copy(), mean.copy(), var.copy()

def fresh(x, other=None):
    return x + 0, other            # a new array; `other` handed back as it came

def view(x):
    return x[1:, ::2]

def reshaped(x):
    x.shape = (x.size,)            # the same bytes, another shape: a change all the same
    return None

def retyped(x):
    x.dtype = np.uint8             # reinterpreted in place
    return 0

def nothing(x, n=3):
    return int(x.sum()) + n

def fails_after_changing(x):
    x[0] = 99
    raise ValueError("gave up")

def lie_next_time():
    """Make the runner answer the next watched call with junk of every kind."""
    for o in gc.get_objects():
        if type(o).__name__ == "Runner" and hasattr(o, "call_watched"):
            def forged(target, args, kwargs, o=o):
                value = target(*args, **kwargs)
                o.watched = {"changed": [0, 0, 7, -1, "nope", "k", [1], {"a": 1}, 1.5, True], "returned": "junk"}
                return value
            o.call_watched = forged
            return True
    return False
'''


@pytest.fixture
def session(numpy_engine):
    with open_tiny_session(numpy_engine, SOURCE) as s:
        yield s


@pytest.fixture
def local():
    module = types.ModuleType("local_tiny")
    exec(compile(SOURCE, "local_tiny.py", "exec"), module.__dict__)
    return module


def _cases():
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    return [
        ("scale_in_place", (x,), {"k": 3.0}, [0], [0]),
        ("halve_stats", (x, np.ones(4), np.full(4, 8.0)), {}, [1, 2], []),
        ("fresh", (x,), {"other": np.zeros(2)}, [], ["other"]),
        ("view", (x,), {}, [], [0]),
        ("reshaped", (x,), {}, [0], []),
        ("retyped", (np.zeros(4, np.int32),), {}, [0], []),
        ("nothing", (x,), {"n": 1}, [], []),
    ]


@pytest.mark.parametrize("name, args, kwargs, changed, returned", _cases(), ids=[c[0] for c in _cases()])
def test_the_sandbox_reports_what_the_local_call_shows(session, local, name, args, kwargs, changed, returned):
    copies = ([a.copy() if isinstance(a, np.ndarray) else a for a in args],
              {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
    value, got_changed, got_returned = call_watched(getattr(local, name), copies[0], copies[1])
    assert (sorted(got_changed, key=str), sorted(got_returned, key=str)) == (changed, returned)  # the oracle
    sent = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    remote, r_changed, r_returned = call_watched(session.env[name], sent, dict(kwargs))
    assert (r_changed, r_returned) == (changed, returned)
    for a, b in zip(sent, args):  # the judge's own arrays are never written by the runner
        assert not isinstance(a, np.ndarray) or (a.dtype == b.dtype and np.array_equal(a, b))
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(remote, value)


def test_a_read_only_argument_changed_in_the_runner_is_reported(session):
    x = np.arange(6.0)
    x.setflags(write=False)  # like an asset the tests decode once (np.asarray of a PIL image)
    _, changed, _ = call_watched(session.env["scale_in_place"], (x,), {})
    assert changed == [0] and np.array_equal(x, np.arange(6.0))


def test_a_call_that_raises_raises_and_the_session_goes_on(session):
    with pytest.raises(ValueError, match="gave up"):
        call_watched(session.env["fails_after_changing"], (np.zeros(3),), {})
    assert call_watched(session.env["nothing"], (np.ones(2),), {})[1:] == ([], [])
    assert session.env["nothing"](np.ones(2)) == 5  # a plain call after a watched one carries no report


def test_a_forged_report_is_read_for_form_only(session):
    assert session.env["lie_next_time"]() is True
    value, changed, returned = call_watched(session.env["nothing"], (np.ones(2),), {"n": 0})
    # Only real positions and keyword names survive, once each; the rest is dropped without a fault.
    assert value == 2 and changed == [0] and returned == []
    assert session.env["nothing"](np.ones(2)) == 5
