"""call_printing: what a call printed, for a test that checks a promised print (pooling's
conv_block prints one line per stage). Through the sandbox the function prints in the runner, so
the test's own stdout never sees it; the oracle is the plain local call with stdout captured
(the in-process engine, and a student's own run of the tests): both must give the same text,
and the text must still reach the case's output as any print does.
"""

from __future__ import annotations

import contextlib
import io
import sys
import types

import pytest

from conftest import open_tiny_session
from autograder.sandbox.proxies import call_printing

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")

SOURCE = '''
import sys

def stages(n):
    for i in range(n):
        print("stage", i, (i, i + 1))
    return n * 2

def quiet(x):
    return x + 1

def to_stderr(x):
    print("to stderr", x, file=sys.stderr)
    return x

def prints_then_fails(x):
    print("before the error", x)
    raise ValueError("gave up")
'''


@pytest.fixture
def session(numpy_engine):
    with open_tiny_session(numpy_engine, SOURCE) as s:
        yield s


@pytest.fixture
def local():
    module = types.ModuleType("tiny")
    exec(compile(SOURCE, "tiny.py", "exec"), module.__dict__)
    return module


def test_the_sandbox_gives_the_text_the_local_call_prints(session, local):
    for name, arg in (("stages", 3), ("quiet", 4), ("stages", 0)):
        outer = io.StringIO()
        with contextlib.redirect_stdout(outer):
            want = call_printing(getattr(local, name), (arg,))
        assert outer.getvalue() == want[1], "the local call's text must still be printed"
        got = call_printing(session.env[name], (arg,))
        assert got == want, (name, got, want)
    assert call_printing(session.env["stages"], (2,)) == (4, "stage 0 (0, 1)\nstage 1 (1, 2)\n")
    # the text reached the session's output too, once per call
    assert session.output().count("stage 2 (2, 3)\n") == 1, session.output()


def test_only_that_calls_text_and_stderr_counts_in_the_runner(session):
    assert session.env["stages"](1) == 2  # printed before: not the next call's
    assert call_printing(session.env["quiet"], (1,)) == (2, "")
    assert call_printing(session.env["to_stderr"], (5,)) == (5, "to stderr 5\n")


def test_a_call_that_raises_raises_and_the_next_call_is_tapped_afresh(session, local):
    for function in (session.env["prints_then_fails"], local.prints_then_fails):
        with contextlib.redirect_stdout(io.StringIO()):
            with pytest.raises(ValueError, match="gave up"):
                call_printing(function, (7,))
    assert call_printing(session.env["stages"], (1,)) == (2, "stage 0 (0, 1)\n")
    assert "before the error 7" in session.output()
    assert session.log.tap is None
