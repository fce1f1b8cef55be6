"""The report writers on synthetic results: grades.csv, canvas.csv, the grader's log and
report.html (self-contained, pictures embedded, slowest listed, student text escaped)."""

from __future__ import annotations

import base64
import csv
import io
import re
from types import SimpleNamespace

from autograder.grading.results import CaseResult, GradeResult, QuestionResult
from autograder.report import Row, write_reports
from autograder.report.canvas import canvas_csv
from autograder.report.html import report_html
from autograder.report.logs import submission_log
from autograder.report.tables import grades_csv

ASSIGNMENT = SimpleNamespace(slug="mini", title="Mini assignment", total_points=5,
                             questions=[SimpleNamespace(name="q1_add", points=3),
                                        SimpleNamespace(name="q2_scale", points=2)])


def _result(name, q1, q2, status="graded", reason="", elapsed=1.0, output=""):
    return GradeResult("mini", name, status, reason, [
        QuestionResult("q1_add", 3, [CaseResult("q1_add", "q1_add - 1", 1, False, q1 >= 1, "" if q1 >= 1 else "boom"),
                                     CaseResult("q1_add", "q1_add - 2", 2, True, q1 >= 3,
                                                "" if q1 >= 3 else "hidden expected -38")]),
        QuestionResult("q2_scale", 2, [CaseResult("q2_scale", "q2_scale - 1", 2, False, q2 >= 2,
                                                  "" if q2 >= 2 else "wrong")]),
    ], output, elapsed)


def _rows():
    evil = '<script>alert("x")</script>'
    return [
        Row("zed", _result("zed", 3, 2, elapsed=0.5), graded_at="2027-01-01T10:00:00+00:00"),
        Row("amy", _result("amy", 1, 0, elapsed=9.0, output="printed by amy"), worker="host:1"),
        Row("evil", _result("evil", 0, 0, "error", f"=HYPERLINK() {evil}", elapsed=4.0), reason=f"=1+1 {evil}"),
        Row("grp", _result("grp", 3, 0, elapsed=2.0), student={"submitters": [
            {"name": "Alan Turing", "email": "alan@x.edu", "sid": "1912"},
            {"name": "Grace Hopper", "email": "grace@x.edu", "sid": "1906"}]}),
        Row("oops", GradeResult("mini", "oops", "failed", "the grader failed"), reason="the grader failed"),
    ]


def test_grades_csv_sorted_with_question_columns_and_no_formulas():
    text = grades_csv(_rows(), ["q1_add", "q2_scale"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["submission", "score", "max_score", "status", "reason", "q1_add", "q2_scale",
                       "submitted_at", "late_by", "penalty", "final_score"]
    assert [r[0] for r in rows[1:]] == ["amy", "evil", "grp", "oops", "zed"]
    assert rows[1][:4] == ["amy", "1", "5", "graded"] and rows[1][5:7] == ["1", "0"]
    assert rows[1][7:] == ["", "", "", "1"]       # no late policy: the final score is the score
    assert rows[2][4].startswith("'=")            # a reason is never a spreadsheet formula
    assert rows[4][1:4] == ["", "", "failed"] and rows[4][5:] == ["", ""] * 3   # no fake zeros


def test_canvas_csv_columns():
    rows = list(csv.reader(io.StringIO(canvas_csv(_rows(), ASSIGNMENT, "4242"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "Section", "Mini assignment (4242)"]
    assert rows[1] == ["Points Possible", "", "", "", "5"]
    by_student = {r[0]: r for r in rows[2:]}
    assert by_student["Alan Turing"][2:] == ["1912", "", "3"] and by_student["Grace Hopper"][2:] == ["1906", "", "3"]
    assert by_student["amy"] == ["amy", "", "amy", "", "1"]
    assert by_student["oops"][4] == ""               # a grader failure is not a zero in Canvas
    assert canvas_csv(_rows(), ASSIGNMENT).splitlines()[0].endswith("Mini assignment (mini)")


def test_log_has_hidden_messages_and_output():
    log = submission_log(_rows()[1])
    assert "status:     graded" in log and "score:      1/5" in log
    assert "FAIL  q1_add - 2 [hidden] (0/2)" in log and "hidden expected -38" in log
    assert log.rstrip().endswith("printed by amy")


def test_report_html_self_contained(tmp_path):
    page = report_html(_rows(), ASSIGNMENT)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2
    for b64 in images:
        assert base64.b64decode(b64).startswith(b"\x89PNG\r\n\x1a\n")
    assert "<script>" not in page and "&lt;script&gt;" in page   # student text is escaped
    assert not re.search(r'(src|href)="https?:', page)           # nothing fetched from the network
    slow = page[page.index("Slowest submissions"):page.index("All submissions")]
    assert slow.index(">amy<") < slow.index(">evil<") < slow.index(">grp<") < slow.index(">zed<")
    assert "9.00 s" in slow
    assert "Score distribution" in page and "Per-question pass rates" in page
    # full marks on q1_add: zed and grp (2 of the 4 counted rows); the failed row is not counted
    assert "<td>q1_add</td><td>3</td><td>50%</td>" in page

    paths = write_reports(tmp_path, ASSIGNMENT, _rows())
    assert all(p.exists() for p in paths.values())
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == sorted(f"{r.name}.json" for r in _rows())
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    write_reports(tmp_path, ASSIGNMENT, _rows())                  # same content: nothing rewritten
    assert mtimes == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
