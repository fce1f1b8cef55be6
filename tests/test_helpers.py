"""Test helper modules (assignments/<slug>/tests/_*.py): accepted by the config, importable by
the test files in the judge (real sandbox) and under a student's real `otter check`, shipped
with both bundles, and kept free of hidden material by the leak guard. The fixture is
tests/fixtures/helper_course (one assignment whose two test files share tests/_checks.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from autograder import testfiles
from autograder.config import load_course
from conftest import VENV_BIN, run_course

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "helper_course"


@pytest.fixture
def course(tmp_path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture
def built(course, tmp_path) -> Path:
    run_course("--root", course, "build", "--out", tmp_path / "dist")
    return tmp_path / "dist"


def names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.namelist()


def test_config_accepts_helpers_and_the_fixture_stub_is_generated(course):
    a = load_course(course).get("helper")
    assert [p.name for p in a.helpers] == ["_checks.py"]
    assert [q.name for q in a.questions] == ["q1_mean_std", "q2_normalise"]
    run_course("--root", course, "stub", "--check")


def test_question_names_cannot_look_like_helpers(course):
    from autograder.config import ConfigError

    (course / "assignments/helper/tests/q2_normalise.py").rename(course / "assignments/helper/tests/_q2.py")
    p = course / "assignments/helper/assignment.yml"
    p.write_text(p.read_text().replace("q2_normalise", "_q2"))
    with pytest.raises(ConfigError, match=r"'_q2' must be a Python identifier not starting with _"):
        load_course(course)


def test_validate_in_the_real_sandbox_imports_the_helper(course):
    proc = run_course("--root", course, "validate", "--engine", "sandbox", "--skip-walkthrough")
    row = next(l for l in proc.stdout.splitlines() if " helper " in l)
    assert "5/5" in row and "0/5" in row and "ok" in row, proc.stdout


def test_bundles_carry_the_helper(built):
    student = names(built / "student/helper.zip")
    assert "helper/_checks.py" in student, student
    assert "helper/tests/_checks.py" not in student, "otter check would load it as a question"
    assert "bundle/tests/_checks.py" in names(built / "autograder/helper.zip")


def _otter_check(folder: Path) -> str:
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    proc = subprocess.run([str(VENV_BIN / "otter"), "check", "helper.py"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    return proc.stdout + proc.stderr


def test_students_otter_check_imports_the_helper(built, course, tmp_path):
    with zipfile.ZipFile(built / "student/helper.zip") as zf:
        zf.extractall(tmp_path / "solved")
        zf.extractall(tmp_path / "stub")
    shutil.copy(course / "solutions/helper/helper.py", tmp_path / "solved/helper/helper.py")
    solved = _otter_check(tmp_path / "solved/helper")
    assert "All tests passed!" in solved, solved[-3000:]
    stub = _otter_check(tmp_path / "stub/helper")
    assert "All tests passed!" not in stub and "q1_mean_std" in stub, stub[-3000:]
    assert "ModuleNotFoundError" not in stub and "does not define" not in stub, stub[-3000:]


@pytest.mark.parametrize("extra, words", [
    ("\nfrom otter.test_files import test_case\n\n@test_case(points=1, hidden=True)\n"
     "def test_secret(mean_std):\n    assert mean_std([1.0]) == (1.0, 0.0)\n",
     "test helper holds a test case marked hidden=True"),
    ("\n\ndef answers():\n    return np.load('hidden/answers.npy')\n",
     "test helper refers to hidden/ files"),
])
def test_leak_guard_checks_helpers(course, tmp_path, extra, words):
    p = course / "assignments/helper/tests/_checks.py"
    p.write_text(p.read_text() + extra)
    proc = run_course("--root", course, "build", "--out", tmp_path / "dist", check=False)
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr
    assert "helper/_checks.py" in proc.stderr


def test_same_helper_name_in_two_assignments_is_not_shared(tmp_path):
    """Loading assignment A's tests, then B's, gives B its own _checks (not A's cached module)."""
    for label in ("a", "b"):
        tests = tmp_path / label / "tests"
        tests.mkdir(parents=True)
        (tests / "_checks.py").write_text(f"WHO = {label!r}\n")
        (tests / "q1.py").write_text(
            "from otter.test_files import test_case\nfrom _checks import WHO\nname = 'q1'\npoints = 1\n"
            "@test_case(points=1)\ndef test_who(f):\n    assert f() == WHO\n")
    a = testfiles.load(tmp_path / "a/tests/q1.py")
    b = testfiles.load(tmp_path / "b/tests/q1.py")
    who = lambda tf: tf.test_cases[0].body.test_func.__globals__["WHO"]
    assert (who(a), who(b)) == ("a", "b")
    import sys
    assert "_checks" not in sys.modules and str(tmp_path / "a/tests") not in sys.path


def test_course_wide_helpers_join_every_assignment_and_an_own_one_wins(course, tmp_path):
    """assignments/_shared/_*.py: shipped with each assignment's own helpers (to the judge and to
    students), importable by them; an assignment's own helper of the same name is the one used."""
    shared = course / "assignments" / "_shared"
    shared.mkdir()
    (shared / "_common.py").write_text("TOTAL = 5\n")
    (shared / "_checks.py").write_text("raise ImportError('the shared _checks must not be used')\n")
    own = course / "assignments/helper/tests/_checks.py"
    own.write_text("from _common import TOTAL  # a helper importing a course-wide one\n" + own.read_text())
    a = load_course(course).get("helper")
    assert [(p.name, p.parent.name) for p in a.helpers] == [("_checks.py", "tests"), ("_common.py", "_shared")]
    run_course("--root", course, "build", "--out", tmp_path / "dist")
    student, grader = names(tmp_path / "dist/student/helper.zip"), names(tmp_path / "dist/autograder/helper.zip")
    assert {"helper/_common.py", "helper/_checks.py"} <= set(student), student
    assert {"bundle/tests/_common.py", "bundle/tests/_checks.py"} <= set(grader), grader
    with zipfile.ZipFile(tmp_path / "dist/autograder/helper.zip") as zf:
        assert zf.read("bundle/tests/_checks.py").decode() == own.read_text()
    proc = run_course("--root", course, "validate", "--engine", "sandbox", "--skip-walkthrough")
    row = next(l for l in proc.stdout.splitlines() if " helper " in l)
    assert "5/5" in row and "0/5" in row and "ok" in row, proc.stdout
