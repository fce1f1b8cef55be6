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


@pytest.mark.parametrize("bad", ["'next friday'", "2027/01/01", "2027-1-5"])
def test_malformed_date(mini_course, bad):
    edit(mini_course / "course.yml", "due: 2027-01-01", f"due: {bad}")
    expect_error(mini_course, "course.yml", "assignments[0].due", "malformed date")


@pytest.mark.parametrize("bad, words", [
    ("2027-04-31", r"impossible date '2027-04-31': April 2027 has 30 days"),
    ("2027-02-29", r"impossible date '2027-02-29': February 2027 has 28 days"),
    ("2027-13-01", r"impossible date '2027-13-01': there is no month 13"),
    ("2027-01-01T24:00", r"impossible time '2027-01-01T24:00'"),
])
def test_impossible_date_is_called_impossible(mini_course, bad, words):
    edit(mini_course / "course.yml", "due: 2027-01-01", f"due: {bad}")
    err = expect_error(mini_course, "course.yml", "assignments[0].due", words)
    assert "malformed" not in str(err)


def test_leap_day_and_time_are_fine(mini_course):
    edit(mini_course / "course.yml", "due: 2027-01-01", "due: 2028-02-29T17:30")
    assert load_course(mini_course).get("mini").due.isoformat() == "2028-02-29T17:30:00"


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


@pytest.mark.parametrize("kb, ok", [(128, True), (129, False)])
def test_output_kb_bounded_by_the_reply_header(mini_course, kb, ok):
    p = mini_course / "assignments/mini/assignment.yml"
    p.write_text(p.read_text() + f"limits:\n  output_kb: {kb}\n")
    if ok:
        assert load_course(mini_course).assignments[0].limits.output_kb == 128
    else:
        expect_error(mini_course, "assignment.yml", "limits.output_kb", r"at most 128 .*got 129")


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
    assert "course.yml: assignments[0].due: impossible date '2027-02-30'" in " ".join(proc.stderr.split())


def test_real_course_loads():
    from conftest import ROOT
    course = load_course(ROOT)
    slugs = [a.slug for a in course.assignments]
    order = ["image_tensors", "convolution", "activations", "pooling", "classifier_swap", "yolo"]
    assert slugs == [s for s in order if s in slugs], f"course.yml out of course order: {slugs}"
    for a in course.assignments:
        assert a.stub.is_file() and a.solution.is_file()


# --- points: assignment.yml, the test file's `points` and the cases' points=, resolved once ---

Q2 = "assignments/mini/tests/q2_scale.py"


def test_cases_summing_to_less_than_assignment_yml(mini_course):
    """Without a file-level total, the cases' points must add up to assignment.yml (before, a
    question could silently be worth less than the course said)."""
    edit(mini_course / Q2, "points = 2\n", "")
    edit(mini_course / "assignments/mini/assignment.yml", "points: 2", "points: 3")
    expect_error(mini_course, "q2_scale.py", "points",
                 r"the cases' points= add up to 2 but assignment.yml gives 'q2_scale' 3")


def test_cases_summing_to_more_than_the_file_points(mini_course):
    edit(mini_course / Q2, "@test_case(points=1)\ndef test_scale(", "@test_case(points=2)\ndef test_scale(")
    expect_error(mini_course, "q2_scale.py", "points", r"add up to 3, more than the file's points = 2")


def test_cases_summing_to_less_than_the_file_points(mini_course):
    edit(mini_course / Q2, "@test_case(points=1)\ndef test_scale(", "@test_case(points=0.5)\ndef test_scale(")
    expect_error(mini_course, "q2_scale.py", "points", r"add up to 1.5 but the file declares 2")


def test_case_without_points_and_no_file_total(mini_course):
    edit(mini_course / Q2, "points = 2\n", "")
    edit(mini_course / Q2, "@test_case(points=1)\ndef test_scale_asset(", "@test_case()\ndef test_scale_asset(")
    expect_error(mini_course, "q2_scale.py", "test_scale_asset: points", r"otter would give it 0 points")


def test_points_must_be_literal(mini_course):
    edit(mini_course / Q2, "@test_case(points=1)\ndef test_scale(", "@test_case(points=ONE)\ndef test_scale(")
    expect_error(mini_course, "q2_scale.py", "test_scale: points", r"must be a literal number")


def test_file_without_cases(mini_course):
    (mini_course / Q2).write_text('name = "q2_scale"\npoints = 2\n')
    expect_error(mini_course, "q2_scale.py", None, r"defines no @test_case function")


def test_file_total_spread_over_cases_agrees_with_otter(mini_course):
    """A file total with cases that state no points is fine: resolved here exactly as otter does."""
    from autograder import testfiles
    from autograder.config import resolve_points

    path = mini_course / Q2
    edit(path, "@test_case(points=1)\ndef test_scale(", "@test_case()\ndef test_scale(")
    edit(path, "@test_case(points=1)\ndef test_scale_asset(", "@test_case\ndef test_scale_asset(")
    ours = resolve_points(path, "q2_scale", 2)
    otters = tuple(c.points for c in testfiles.cases(testfiles.load(path)))
    assert ours == otters == (1.0, 1.0)
    load_course(mini_course)


def test_too_many_case_points_is_a_config_error_not_an_otter_traceback(mini_course):
    edit(mini_course / Q2, "@test_case(points=1)\ndef test_scale(", "@test_case(points=5)\ndef test_scale(")
    proc = run_course("--root", mini_course, "validate", "--engine", "inprocess", check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "q2_scale.py: points:" in proc.stderr, proc.stderr


# --- all errors of a run together ----------------------------------------------------------

def test_every_config_error_is_reported_at_once(mini_course):
    edit(mini_course / "course.yml", "term: Test term", "term: Test term\nteacher: Ada")
    edit(mini_course / "course.yml", "due: 2027-01-01", "due: 2027-04-31")
    (mini_course / "reference/mini/numbers.txt").unlink()
    edit(mini_course / "assignments/mini/assignment.yml", "points: 2", "points: 4")
    edit(mini_course / "assignments/mini/assignment.yml", "questions:", "extra_credit: 5\nquestions:")
    with pytest.raises(ConfigError) as info:
        load_course(mini_course)
    found = [(e.path.name, e.key) for e in info.value.errors]
    assert found == [("course.yml", "teacher"), ("course.yml", "assignments[0].due"),
                     ("assignment.yml", "extra_credit"), ("q2_scale.py", "points"),
                     ("assignment.yml", "assets[0]")], found

    proc = run_course("--root", mini_course, "build", "--out", mini_course / "dist", check=False)
    assert proc.returncode == 2
    assert "5 configuration errors" in proc.stderr, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.startswith("configuration error: ")]
    assert len(lines) == 5 and "impossible date '2027-04-31'" in proc.stderr, proc.stderr


# --- released: false -----------------------------------------------------------------------

def _add_unreleased_copy(root: Path) -> None:
    """A second assignment, mini2 (a copy of mini), marked released: false."""
    import shutil

    shutil.copytree(root / "assignments/mini", root / "assignments/mini2")
    (root / "assignments/mini2/mini.py").rename(root / "assignments/mini2/mini2.py")
    (root / "solutions/mini2").mkdir()
    shutil.copy(root / "solutions/mini/mini.py", root / "solutions/mini2/mini2.py")
    p = root / "course.yml"
    p.write_text(p.read_text() + "  - slug: mini2\n    title: Not yet\n    due: 2027-03-01\n    released: false\n")


def test_unreleased_assignment_stays_out_unless_named(mini_course, tmp_path):
    _add_unreleased_copy(mini_course)
    course = load_course(mini_course)
    assert [a.slug for a in course.select([])] == ["mini"]
    assert [a.slug for a in course.select(["mini2"])] == ["mini2"]

    proc = run_course("--root", mini_course, "build", "--out", tmp_path / "all")
    assert sorted(p.name for p in (tmp_path / "all/student").iterdir()) == ["mini.zip"]
    assert "skipped unless named: mini2" in proc.stdout
    run_course("--root", mini_course, "build", "mini2", "--out", tmp_path / "named")
    assert sorted(p.name for p in (tmp_path / "named/student").iterdir()) == ["mini2.zip"]

    proc = run_course("--root", mini_course, "validate", "--engine", "inprocess", "--skip-walkthrough")
    assert "mini2" not in proc.stdout.replace("skipped unless named: mini2", ""), proc.stdout


def test_released_must_be_a_boolean(mini_course):
    edit(mini_course / "course.yml", "released: true", "released: soon")
    expect_error(mini_course, "course.yml", "assignments[0].released", "expected true or false")


def test_makefile_release_relies_on_the_default_selection():
    """`make release` runs `course validate` and `course build` without slugs, so released: false
    keeps an assignment out of a release."""
    from conftest import ROOT

    recipe = (ROOT / "Makefile").read_text().split("\nrelease:", 1)[1].split("\n\n", 1)[0]
    commands = [l.strip() for l in recipe.splitlines() if l.startswith("\t")]
    assert any(c.split()[1:2] == ["validate"] for c in commands if "/course" in c.split()[0]), commands
    for c in commands:
        words = c.split()
        if words[0].endswith("/course") and words[1] in ("validate", "build"):
            assert not [w for w in words[2:] if not w.startswith("-") and w != "dist"], c


# --- the walkthrough runs in validate; a broken one fails validate and build -------------------

WALK = "assignments/mini/templates/walkthrough.py.j2"


def test_broken_walkthrough_fails_validate_naming_file_and_cell(mini_course):
    p = mini_course / WALK
    p.write_text(p.read_text() + "\n# %%\nprint(add(1, 2, 3))\n")
    proc = run_course("--root", mini_course, "validate", "--engine", "inprocess", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("assignments/mini/templates/walkthrough.py.j2: walkthrough cell 5 (`print(add(1, 2, 3))`) failed: "
            "TypeError: add() takes 2 positional arguments but 3 were given") in proc.stderr, proc.stderr
    # The flag skips it: everything else about mini is fine.
    run_course("--root", mini_course, "validate", "--engine", "inprocess", "--skip-walkthrough")


def test_walkthrough_check_failing_with_the_solution_fails_validate(mini_course):
    """A grader.check that fails with the solution in place: the notebook and the tests disagree."""
    edit(mini_course / WALK, 'grader.check("q1_add")', 'add = lambda a, b: 0\ngrader.check("q1_add")')
    proc = run_course("--root", mini_course, "validate", "mini", "--engine", "inprocess", check=False)
    assert proc.returncode == 1
    assert "walkthrough cell 4" in proc.stderr and "an otter check fails with the solution in place" in proc.stderr


def test_walkthrough_syntax_error_fails_build_naming_file_and_cell(mini_course, tmp_path):
    p = mini_course / WALK
    p.write_text(p.read_text() + "\n# %%\n%matplotlib inline\nprint(add(1, 2)\n")
    proc = run_course("--root", mini_course, "build", "--out", tmp_path, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "walkthrough.py.j2: walkthrough cell 5 (`%matplotlib inline`): syntax error" in \
        " ".join(proc.stderr.split()), proc.stderr


def test_malformed_boxes_of_every_assignment_reported_together(mini_course):
    _add_unreleased_copy(mini_course)
    for slug in ("mini", "mini2"):
        sol = mini_course / f"solutions/{slug}/{slug}.py"
        sol.write_text(sol.read_text().replace("    #                             END OF YOUR CODE", "    # END", 1))
    proc = run_course("--root", mini_course, "validate", "mini", "mini2", "--engine", "inprocess", check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "2 configuration errors" in proc.stderr
    for slug in ("mini", "mini2"):
        assert f"solutions/{slug}/{slug}.py: line 15: YOUR CODE box opened here has no END OF YOUR CODE" in proc.stderr
