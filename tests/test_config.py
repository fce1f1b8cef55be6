"""Config errors are clear: each names the file and the key. One test per kind of error,
through the real `course validate` command and through the loader."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from autograder.config import ConfigError, load_course
from conftest import run_course


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def expect_error(root: Path, file_suffix: str, key: str | None, words: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_course(root)
    err = info.value
    assert str(err.path).endswith(file_suffix), f"error should name {file_suffix}, named {err.path}"
    if key is not None:
        assert err.key == key, f"error should name key {key!r}, named {err.key!r}: {err}"
    assert re.search(words, str(err)), f"message {str(err)!r} should mention {words!r}"
    return err


def test_mini_course_loads(mini_course):
    course = load_course(mini_course)
    a = course.get("mini")
    assert [q.name for q in a.questions] == ["q1_add", "q2_scale"]
    assert a.total_points == 5
    assert a.due.year == 2027 and a.released
    assert [p.name for p in a.assets] == ["numbers.txt"]


def test_unknown_slug_folder(mini_course):
    edit(mini_course / "course.yml", "slug: mini", "slug: maxi")
    expect_error(mini_course, "course.yml", "assignments[0].slug", r"unknown slug 'maxi'")


def test_unknown_slug_on_command_line(mini_course):
    proc = run_course("--root", mini_course, "validate", "nope", "--engine", "inprocess", check=False)
    assert proc.returncode == 2
    assert "course.yml" in proc.stderr and "unknown assignment slug 'nope'" in proc.stderr


def test_duplicate_slug(mini_course):
    p = mini_course / "course.yml"
    p.write_text(p.read_text() + textwrap.indent(textwrap.dedent("""\
        - slug: mini
          title: Again
          due: 2027-02-01
        """), "  "))
    expect_error(mini_course, "course.yml", "assignments[1].slug", "duplicate slug 'mini'")


def test_missing_stub(mini_course):
    (mini_course / "assignments/mini/mini.py").unlink()
    expect_error(mini_course, "assignment.yml", "submission", r"missing stub assignments/mini/mini.py")


def test_missing_solution(mini_course):
    (mini_course / "solutions/mini/mini.py").unlink()
    expect_error(mini_course, "assignment.yml", "submission", r"missing solution solutions/mini/mini.py")


def test_question_without_test_file(mini_course):
    (mini_course / "assignments/mini/tests/q2_scale.py").unlink()
    expect_error(mini_course, "assignment.yml", "questions[1].name", r"no test file tests/q2_scale.py")


def test_test_file_without_question(mini_course):
    (mini_course / "assignments/mini/tests/q3_extra.py").write_text("name = 'q3_extra'\n")
    expect_error(mini_course, "assignment.yml", "questions", r"tests/q3_extra.py has no question")


@pytest.mark.parametrize("bad", ["0", "-2", "two", "true"])
def test_points_not_positive(mini_course, bad):
    edit(mini_course / "assignments/mini/assignment.yml", "points: 2", f"points: {bad}")
    expect_error(mini_course, "assignment.yml", "questions[1].points", "expected a positive number")


def test_points_disagree_with_test_file(mini_course):
    edit(mini_course / "assignments/mini/assignment.yml", "points: 2", "points: 4")
    expect_error(mini_course, "q2_scale.py", "points", r"declares 2 points but assignment.yml gives 'q2_scale' 4")


@pytest.mark.parametrize("bad", ["2027-13-01", "'next friday'", "2027/01/01"])
def test_malformed_date(mini_course, bad):
    edit(mini_course / "course.yml", "due: 2027-01-01", f"due: {bad}")
    expect_error(mini_course, "course.yml", "assignments[0].due", "malformed date")


def test_unknown_key_in_course(mini_course):
    edit(mini_course / "course.yml", "term: Test term", "term: Test term\nteacher: Ada")
    expect_error(mini_course, "course.yml", "teacher", r"unknown key")


def test_unknown_key_in_assignment_entry(mini_course):
    edit(mini_course / "course.yml", "released: true", "released: true\n    weight: 2")
    expect_error(mini_course, "course.yml", "assignments[0].weight", r"unknown key")


def test_unknown_key_in_assignment_yml(mini_course):
    edit(mini_course / "assignments/mini/assignment.yml", "questions:", "extra_credit: 5\nquestions:")
    expect_error(mini_course, "assignment.yml", "extra_credit", r"unknown key")


def test_unknown_key_in_limits(mini_course):
    p = mini_course / "assignments/mini/assignment.yml"
    p.write_text(p.read_text() + "limits:\n  gpus: 1\n")
    expect_error(mini_course, "assignment.yml", "limits.gpus", r"unknown key")


def test_missing_asset(mini_course):
    (mini_course / "reference/mini/numbers.txt").unlink()
    expect_error(mini_course, "assignment.yml", "assets[0]", r"reference/mini/numbers.txt not found")


def test_not_yaml(mini_course):
    (mini_course / "course.yml").write_text("name: [unclosed\n")
    expect_error(mini_course, "course.yml", None, "not valid YAML")


def test_cli_reports_file_and_key(mini_course):
    edit(mini_course / "course.yml", "due: 2027-01-01", "due: 2027-02-30")
    proc = run_course("--root", mini_course, "validate", "--engine", "inprocess", check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "configuration error" in proc.stderr
    assert "course.yml: assignments[0].due: malformed date '2027-02-30'" in " ".join(proc.stderr.split())


def test_real_course_loads():
    from conftest import ROOT
    course = load_course(ROOT)
    slugs = [a.slug for a in course.assignments]
    order = ["image_tensors", "convolution", "activations", "pooling", "classifier_swap", "yolo"]
    assert slugs == [s for s in order if s in slugs], f"course.yml out of course order: {slugs}"
    for a in course.assignments:
        assert a.stub.is_file() and a.solution.is_file()
