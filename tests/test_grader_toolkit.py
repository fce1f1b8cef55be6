"""The grader's toolkit (issue 15) through the real `course grade` on a made-up class:
late work (Gradescope times, timestamps.csv, file times, extensions, grace, cap, last accepted
time, per-assignment override), the roster (canvas.csv per student, unmatched and missing
listed) and --regrade (changes.csv). Expected numbers are worked out by hand below."""

from __future__ import annotations

import datetime as dt
import os
import textwrap

import pytest

from conftest import run_course, write_mini_course
from test_batch_support import check_outputs, engine_args, read_csv

PARTIAL = '''
def add(a, b):
    return a + b


def scale(x, k):
    raise NotImplementedError
'''

COURSE_YML = """\
name: Mini course
term: Test term
seed: 1
timezone: America/Los_Angeles
late:
  grace_minutes: 15
  penalty_percent: 10
  per: day
  cap_percent: 50
  last_accepted: 7 days
assignments:
  - slug: mini
    title: Mini assignment
    due: 2027-01-10T17:00
    released: true
"""

# (folder, submitter, sid, email, created_at, body): due 2027-01-10 17:00 in Los Angeles (-08:00).
EXPORT = [
    ("submission_1", "Ada Lovelace", "1815", "ada@example.edu", "2027-01-10 16:00:00.000000000 -08:00", "solution"),
    ("submission_2", "Alan Turing", "1912", "alan@example.edu", "2027-01-11 19:00:00.000000000 -08:00", "solution"),
    ("submission_3", "Grace Hopper", "1906", "grace@example.edu", "2027-01-10 17:10:00.000000000 -08:00", "solution"),
    ("submission_4", "Bob Kahn", "1938", "bob@example.edu", "2027-01-12 01:00:00.000000000 -08:00", "solution"),
    ("submission_5", "Carol Shaw", "1955", "carol@example.edu", "2027-01-18 12:00:00.000000000 -05:00", "solution"),
    ("submission_6", "Dan Bricklin", "1951", "dan@example.edu", None, "solution"),
    ("submission_7", "Hank Partial", "1960", "hank@example.edu", "2027-01-16 12:00:00.000000000 -08:00", "partial"),
    ("submission_8", "Zed Stranger", "0000", "zed@example.edu", "2027-01-09 10:00:00.000000000 Z", "solution"),
]

# Canvas gradebook export: "Last, First" names, its Points Possible line and test student.
ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section,Mini assignment (7)
    Points Possible,,,,,5
"Lovelace, Ada",101,1815,ada@example.edu,A1,
"Turing, Alan",102,1912,alan,A1,
"Hopper, Grace",103,1906,grace@example.edu,A2,
"Kahn, Bob",104,1938,bob@example.edu,A2,
"Shaw, Carol",105,1955,carol@example.edu,A1,
"Bricklin, Dan",106,1951,dan@example.edu,A2,
"Partial, Hank",107,1960,hank@example.edu,A1,
"Missing, Eve",108,1999,eve@example.edu,A2,
"Student, Test",109,,test,A1,
"""


def _export(tmp_path, root):
    bodies = {"solution": (root / "solutions/mini/mini.py").read_text(), "partial": PARTIAL}
    export = tmp_path / "export"
    meta = []
    for folder, name, sid, email, created, body in EXPORT:
        (export / folder).mkdir(parents=True)
        (export / folder / "mini.py").write_text(bodies[body])
        meta.append(f"{folder}:\n  :submitters:\n  - :name: {name}\n    :sid: '{sid}'\n    :email: {email}\n"
                    + (f"  :created_at: {created}\n" if created else "") + "  :status: processed\n")
    (export / "submission_metadata.yml").write_text("".join(meta))
    return export


def test_late_work_and_roster_through_course_grade(tmp_path):
    root = write_mini_course(tmp_path / "course")
    (root / "course.yml").write_text(COURSE_YML)
    export = _export(tmp_path, root)
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    (class_dir / "roster.csv").write_text(ROSTER)
    (class_dir / "extensions.csv").write_text("student,assignment,days\nbob@example.edu,mini,2\n"
                                              "alan,other_assignment,9\n")
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", export, "--out", out, "--jobs", "2", *engine_args(),
                      "--roster", class_dir / "roster.csv", "--canvas-id", "7", cwd=tmp_path, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    assert list(read_csv(out / "grades.csv")[0])[-4:] == ["submitted_at", "late_by", "penalty", "final_score"]
    expected = {  # score, late_by hours, penalty points, final score
        "ada@example.edu": ("5", "0", "0", "5"),          # an hour early
        "alan@example.edu": ("5", "26", "1", "4"),        # 26 h: 2 started days, -20%
        "grace@example.edu": ("5", "0", "0", "5"),        # 10 minutes: inside the 15 minutes' grace
        "bob@example.edu": ("5", "0", "0", "5"),          # 32 h late, but a 2-day extension
        "carol@example.edu": ("5", "184", "5", "0"),      # 7 days 16 h: after the last accepted time
        "hank@example.edu": ("3", "139", "1.5", "1.5"),   # 5 days 19 h: 6 days, -60% capped at -50%
        "zed@example.edu": ("5", "0", "0", "5"),
    }
    for name, (score, late_by, penalty, final) in expected.items():
        r = rows[name]
        assert (r["score"], r["late_by"], r["penalty"], r["final_score"]) == (score, late_by, penalty, final), r
    assert rows["alan@example.edu"]["submitted_at"] == "2027-01-11T19:00:00-08:00"
    assert rows["carol@example.edu"]["submitted_at"] == "2027-01-18T12:00:00-05:00"
    assert "after the last accepted time" in rows["carol@example.edu"]["reason"]
    assert "extension to 2027-01-12T17:00" in rows["bob@example.edu"]["reason"]
    # No known time: graded, flagged, not penalised.
    dan = rows["dan@example.edu"]
    assert (dan["status"], dan["submitted_at"], dan["penalty"], dan["final_score"]) == ("graded", "", "0", "5")
    assert "no submission time known" in dan["reason"]

    # canvas.csv: Canvas' full header, one line per roster student in roster order, final scores.
    canvas = (out / "canvas.csv").read_text().splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Mini assignment (7)"
    assert canvas[1] == "Points Possible,,,,,5"
    lines = read_csv(out / "canvas.csv")[1:]
    assert [(r["Student"], r["SIS User ID"], r["Mini assignment (7)"]) for r in lines] == [
        ("Lovelace, Ada", "1815", "5"), ("Turing, Alan", "1912", "4"), ("Hopper, Grace", "1906", "5"),
        ("Kahn, Bob", "1938", "5"), ("Shaw, Carol", "1955", "0"), ("Bricklin, Dan", "1951", "5"),
        ("Partial, Hank", "1960", "1.5"), ("Missing, Eve", "1999", "")]
    assert "roster: 8 students, 1 submission(s) matching nobody, 1 student(s) with no submission" in proc.stdout
    assert "matching nobody: zed@example.edu" in proc.stdout and "no submission: Missing, Eve" in proc.stdout
    assert "late work (due 2027-01-10T17:00-08:00, America/Los_Angeles;" in proc.stdout
    report = (out / "report.html").read_text()
    for needle in ('id="late"', 'id="roster"', "zed@example.edu", "Missing, Eve", "America/Los_Angeles"):
        assert needle in report, needle
    check_outputs(out)

    # A missing student as 0 on request; the policy is applied at report time, so no regrading.
    again = run_course("--root", root, "grade", "mini", export, "--out", out, "--engine", "inprocess",
                       "--roster", class_dir / "roster.csv", "--missing-score", "zero", "--canvas-id", "7",
                       cwd=tmp_path, check=False, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert read_csv(out / "canvas.csv")[-1]["Mini assignment (7)"] == "0"


def test_timestamps_mtime_override_and_regrade(tmp_path):
    root = write_mini_course(tmp_path / "course")
    # Per-assignment override: per hour, 5% an hour; the course's cap (50%) still holds.
    (root / "course.yml").write_text(COURSE_YML.replace("released: true", "released: true\n    late:\n"
                                                         "      per: hour\n      penalty_percent: 5"))
    solution = (root / "solutions/mini/mini.py").read_text()
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b", "c"):
        (subs / f"{name}.py").write_text(solution)
    stamps = tmp_path / "timestamps.csv"
    stamps.write_text("submission,time\na,2027-01-10T16:59:00\nb,2027-01-11T07:00:00+03:00\n")  # b: 20:00 in LA, 3 h late
    late_c = dt.datetime(2027, 1, 10, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8)))  # 1.5 h: 2 hours
    os.utime(subs / "c.py", (late_c.timestamp(), late_c.timestamp()))
    out = tmp_path / "out"
    base = ["--root", root, "grade", "mini", subs, "--out", out, "--jobs", "1", "--engine", "inprocess",
            "--timestamps", stamps]
    first = run_course(*base, cwd=tmp_path, check=False, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    assert (rows["a"]["late_by"], rows["a"]["final_score"]) == ("0", "5")
    assert (rows["b"]["submitted_at"], rows["b"]["late_by"], rows["b"]["final_score"]) == \
        ("2027-01-11T07:00:00+03:00", "3", "4.25")  # 3 hours: -15%
    assert rows["c"]["submitted_at"] == "" and "no submission time known" in rows["c"]["reason"]
    assert rows["c"]["final_score"] == "5"
    assert "1 with no known submission time" in first.stdout

    mtime = run_course(*base, "--times-from-mtime", cwd=tmp_path, check=False, timeout=900)
    assert mtime.returncode == 0 and "0 to grade, 3 already graded" in mtime.stdout, mtime.stdout
    c = {r["submission"]: r for r in read_csv(out / "grades.csv")}["c"]
    assert (c["late_by"], c["penalty"], c["final_score"]) == ("1.5", "0.5", "4.5")  # 2 started hours: -10%

    # --regrade after the tests changed: everything graded again, changes.csv says what moved.
    q1 = root / "assignments/mini/tests/q1_add.py"
    q1.write_text(q1.read_text().replace("assert got == -38", "assert got == -39"))  # the 2-point hidden case
    regrade = run_course(*base, "--regrade", cwd=tmp_path, check=False, timeout=900)
    assert regrade.returncode == 0, regrade.stdout + regrade.stderr
    assert "3 to grade, 0 already graded" in regrade.stdout
    changes = read_csv(out / "changes.csv")
    assert [(r["submission"], r["old_score"], r["new_score"], r["questions_changed"]) for r in changes] == \
        [(n, "5", "3", "q1_add") for n in ("a", "b", "c")]
    assert 'id="changes"' in (out / "report.html").read_text()
    assert "regrade: 3 submission(s) changed score" in regrade.stdout
    check_outputs(out)


@pytest.mark.parametrize("setup, needle", [
    (lambda d: (d / "roster.csv").write_text("Name,ID\nAda,1\n"),
     "roster.csv: not a Canvas gradebook export: missing the column(s) Student, SIS User ID, SIS Login ID, Section"),
    (lambda d: ((d / "roster.csv").write_text(ROSTER),
                (d / "extensions.csv").write_text("student,days\nada@example.edu,two\n")),
     "extensions.csv: line 2: days must be a number >= 0, got 'two'"),
])
def test_bad_roster_or_extensions_is_a_usage_error(tmp_path, setup, needle):
    root = write_mini_course(tmp_path / "course")
    d = tmp_path / "class"
    d.mkdir()
    setup(d)
    (tmp_path / "a.py").write_text("x = 1\n")
    proc = run_course("--root", root, "grade", "mini", tmp_path / "a.py", "--out", tmp_path / "out",
                      "--engine", "inprocess", "--roster", d / "roster.csv", cwd=tmp_path, check=False)
    assert proc.returncode == 2 and needle in " ".join(proc.stderr.split()), proc.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.parametrize("snippet, key, message", [
    ("timezone: Mars/Olympus\n", "timezone", "unknown time zone 'Mars/Olympus'"),
    ("late:\n  per: week\n", "late.per", "expected day or hour, got 'week'"),
    ("late:\n  penalty_percent: 150\n", "late.penalty_percent", "a percentage is at most 100"),
    ("late:\n  last_accepted: soon\n", "late.last_accepted", "malformed date 'soon'"),
    ("late:\n  grace: 5\n", "late.grace", "unknown key"),
])
def test_late_policy_config_errors_name_file_and_key(tmp_path, snippet, key, message):
    from autograder.config import ConfigError, load_course

    root = write_mini_course(tmp_path / "course")
    text = (root / "course.yml").read_text()
    (root / "course.yml").write_text(text.replace("seed: 1\n", "seed: 1\n" + textwrap.dedent(snippet)))
    with pytest.raises(ConfigError) as err:
        load_course(root)
    e = err.value
    assert e.path == root / "course.yml" and e.key == key and message in e.message, (e.path, e.key, e.message)


def test_feedback_pages_and_item_analysis(tmp_path):
    """feedback/<submission>.html follows results.json's rules (hidden cases pass/fail only, no
    message); report.html groups the class's failures per question."""
    import html
    import json

    root = write_mini_course(tmp_path / "course")
    solution = (root / "solutions/mini/mini.py").read_text()
    subs = tmp_path / "subs"
    subs.mkdir()
    minus = solution.replace("total = a + b", "total = a - b")
    (subs / "honest.py").write_text(solution)
    (subs / "wrong1.py").write_text(minus)
    (subs / "wrong2.py").write_text(minus)
    (subs / "printer.py").write_text(solution.replace("total = a + b", "print('<script>alert(1)</script>')\n"
                                                                        "    total = a + b")
                                     .replace("* float(k)", "* 1.0"))
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", subs, "--out", out, "--jobs", "2", *engine_args(),
                      cwd=tmp_path, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [f"{n}.html" for n in
                                                                    ("honest", "printer", "wrong1", "wrong2")]
    for name in ("honest", "printer", "wrong1", "wrong2"):
        page = (out / "feedback" / f"{name}.html").read_text()
        results = json.loads((out / "results" / f"{name}.json").read_text())
        for test in results["tests"]:  # the oracle: what results.json shows, escaped, and nothing hidden more
            assert html.escape(test["output"]) in page, (name, test["name"])
        assert "<script" not in page and "http" not in page and "expected -38" not in page
    wrong = (out / "feedback" / "wrong1.html").read_text()
    assert "expected add(2, 3) == 5, got -1" in wrong and "Score: <b>2</b> / 5" in wrong
    assert "q1_add - 2: failed (0/2)" in wrong and "got -42" not in wrong  # the hidden case
    printer = (out / "feedback" / "printer.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in printer  # its own output, shown escaped

    report = (out / "report.html").read_text()
    items = report[report.index('id="items"'):report.index('id="similarity"')]
    # Case 1 (public) and 2 (hidden) failed by wrong1 and wrong2; the scale cases by printer.
    assert "<td>q1_add</td><td>q1_add - 1</td><td>2</td><td>50%</td>" in items
    assert "<td>q1_add</td><td>q1_add - 2 <small>(hidden)</small></td><td>2</td><td>50%</td>" in items
    assert "<td>q2_scale</td><td>q2_scale - 1</td><td>1</td><td>25%</td>" in items
    assert ("<code>AssertionError: expected add(2, 3) == 5, got -1</code></td><td>2</td><td>wrong1, wrong2</td>"
            in items)
    assert "q2_scale: most common failures" in items and "printer" in items
    assert "honest" not in items


def test_assess_absolute_last_accepted_moves_with_an_extension():
    """late.assess on its own (hand-worked numbers): an absolute last_accepted in course.yml is in
    the course's zone, and an extension moves it by as much as the due date."""
    from zoneinfo import ZoneInfo

    from autograder.batch.late import Extension, assess, parse_time
    from autograder.config import LatePolicy

    tz = ZoneInfo("America/New_York")
    due = dt.datetime(2027, 1, 10, 23, 59, tzinfo=tz)
    policy = LatePolicy(penalty_percent=10, per="day", cap_percent=50, last_accepted=dt.datetime(2027, 1, 12, 23, 59))
    late = parse_time("2027-01-13T01:00", tz)  # 25 h 1 min after the due date, after last_accepted
    assert assess(policy, due, late).penalty_percent == 100
    moved = assess(policy, due, late, extension=Extension("x", due=parse_time("2027-01-12T23:59-05:00", tz)))
    assert moved.penalty_percent == 10 and moved.late_by == dt.timedelta(hours=1, minutes=1)
    assert parse_time("2027-01-20 10:00:00.000000000 -08:00", tz).isoformat() == "2027-01-20T10:00:00-08:00"
    with pytest.raises(ValueError, match="not a date-time"):
        parse_time("yesterday", tz)
