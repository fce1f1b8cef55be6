"""The judge's numpy error state and warning filters reach the student's code in the runner:
a test's `np.errstate(all="raise")` or `warnings.catch_warnings()` must see what the submission
computes, or a numerically unstable answer would pass a stability test through the sandbox."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from autograder.build.bundle import materialize
from autograder.config import load_course
from autograder.grading import grade_path, make_engine
from conftest import ROOT, write_mini_course

NAIVE = '''
import numpy as np

def add(a, b):
    return a + b + float(np.minimum(np.exp(np.float64(a)), 0.0))  # exp overflows (a warning) for a > 709

def scale(x, k):
    return np.asarray(x, dtype=np.float64) * k
'''

STABILITY_TEST = '''
import warnings
import numpy as np
from otter.test_files import test_case

name = "q1_add"
points = 3

@test_case(points=1)
def test_small(add):
    assert add(2, 3) == 5

@test_case(points=1)
def test_no_overflow_error_state(add):
    with np.errstate(all="raise"):
        add(1000, 1)

@test_case(points=1)
def test_no_warning(add):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        add(1000, 1)
    assert not caught, f"expected no warning, got {[str(w.message) for w in caught]}"
'''


@pytest.fixture(scope="module")
def engine():
    e = make_engine("sandbox")
    yield e
    e.close()


def test_error_state_and_warnings_cross(tmp_path, engine):
    root = write_mini_course(tmp_path / "course")
    (root / "assignments/mini/tests/q1_add.py").write_text(STABILITY_TEST)
    course = load_course(root)
    bundle = materialize(course.get("mini"), course.seed, tmp_path / "bundle")
    sub = tmp_path / "mini.py"
    sub.write_text(NAIVE)
    result = grade_path(bundle, sub, engine)
    cases = {c.name.split(" - ")[-1]: c for q in result.questions for c in q.cases if q.name == "q1_add"}
    assert cases["1"].passed, cases["1"].message
    assert not cases["2"].passed and "FloatingPointError: overflow" in cases["2"].message, cases["2"].message
    assert not cases["3"].passed and "overflow encountered" in cases["3"].message, cases["3"].message


def test_warning_reaches_judge_as_its_category(tmp_path, engine):
    root = write_mini_course(tmp_path / "course")
    course = load_course(root)
    bundle = materialize(course.get("mini"), course.seed, tmp_path / "bundle")
    session = engine.open(bundle, NAIVE, "mini.py")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert session.env["add"](1000, 1) == 1001
        assert [w.category for w in caught] == [RuntimeWarning], caught
        with np.errstate(over="ignore"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            session.env["add"](1000, 1)
        assert caught == [], "np.errstate(over='ignore') in the judge should silence the runner too"
    finally:
        session.close()


def test_naive_sigmoid_loses_the_stability_case(tmp_path, engine):
    """The real activations assignment, through the sandbox: 1/(1+exp(-x)) is not stable."""
    course = load_course(ROOT)
    if "activations" not in [a.slug for a in course.assignments]:
        pytest.skip("activations assignment not in course.yml")
    a = course.get("activations")
    bundle = materialize(a, course.seed, tmp_path / "bundle")
    sub = tmp_path / "activations.py"
    sub.write_text(a.solution.read_text() + "\n\ndef sigmoid(x):\n    x = np.asarray(x)\n"
                   "    return (1.0 / (1.0 + np.exp(-x))).astype(x.dtype)\n")
    result = grade_path(bundle, sub, engine)
    q1 = next(q for q in result.questions if q.name == "q1_sigmoid")
    failed = [c.message for c in q1.cases if not c.passed]
    assert any("overflow" in m for m in failed), failed
    assert result.score < result.max_score


def test_stale_release_does_not_drop_a_live_handle(tmp_path, engine):
    """Seen under Dask: the GC finalizes an old handle for `add` while a new lookup of `add`
    gets the same runner id back; the stale release must not make the runner forget it."""
    root = write_mini_course(tmp_path / "course")
    course = load_course(root)
    bundle = materialize(course.get("mini"), course.seed, tmp_path / "bundle")
    session = engine.open(bundle, NAIVE, "mini.py")
    try:
        add = session.env["add"]
        hid = object.__getattribute__(add, "_sb_id")
        session._release.append(hid)  # what the old handle's finalizer does, racing the lookup
        assert add(2, 3) == 5
        assert session.env["add"](-40, 2) == -38
    finally:
        session.close()
