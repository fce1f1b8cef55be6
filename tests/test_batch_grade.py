"""`course grade` on one batch holding the solution, the stub and every kind of broken
submission the issue lists (and a few more), through the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import re

import pytest

from conftest import ROOT, run_course, write_mini_course
from test_batch_support import check_outputs, engine_args, graded_events, read_csv, sandbox_works, write_zoo


def _real_assignment_ok() -> bool:
    proc = run_course("validate", "image_tensors", "--engine", "inprocess", check=False, timeout=600)
    return proc.returncode == 0


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(course root, slug, expected file, solution, stub, a function the tests call)."""
    if _real_assignment_ok():
        root = ROOT
        return (root, "image_tensors", "image_tensors.py",
                (root / "solutions/image_tensors/image_tensors.py").read_text(),
                (root / "assignments/image_tensors/image_tensors.py").read_text(), "centre_patch")
    root = write_mini_course(tmp_path_factory.mktemp("mini") / "course")
    return (root, "mini", "mini.py", (root / "solutions/mini/mini.py").read_text(),
            (root / "assignments/mini/mini.py").read_text(), "scale")


def test_one_batch_of_broken_submissions(setup, tmp_path):
    root, slug, expected, solution, stub, function = setup
    subs, extra, out = tmp_path / "subs", tmp_path / "upload2", tmp_path / "out"
    exp = write_zoo(subs, solution, stub, expected, function, extra)
    timeout_case = sandbox_works()
    if timeout_case:  # only a sandboxed runner can stop a submission that never returns
        (subs / "walt.py").write_text("while True:\n    pass\n")
        exp["walt"] = dict(status="timeout", score="zero", reason="timed out")
    escaped = tmp_path / expected
    temp = tmp_path / "temp"  # the batch's own temporary files, to see that none is left
    temp.mkdir()
    proc = run_course("--root", root, "grade", slug, subs, extra, "--out", out, "--jobs", "2",
                      "--timeout", "20", *engine_args(), cwd=tmp_path, check=False, timeout=900,
                      env={"TMPDIR": str(temp)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    rows = read_csv(out / "grades.csv")
    names = [r["submission"] for r in rows]
    assert names == sorted(exp), (names, sorted(exp))          # exactly one row each, sorted
    assert len(exp) >= 17
    by_name = {r["submission"]: r for r in rows}
    questions = [q for q in rows[0] if q not in ("submission", "score", "max_score", "status", "reason",
                                                 "submitted_at", "late_by", "penalty", "final_score")]
    problems = []
    for name, want in exp.items():
        row = by_name[name]
        score, max_score = float(row["score"]), float(row["max_score"])
        if row["status"] != want["status"]:
            problems.append(f"{name}: status {row['status']!r}, expected {want['status']!r} ({row['reason']})")
        if want["reason"].lower() not in row["reason"].lower():
            problems.append(f"{name}: reason {row['reason']!r} lacks {want['reason']!r}")
        if want["status"] != "graded" and not row["reason"]:
            problems.append(f"{name}: no reason")
        if want["score"] == "full" and score != max_score:
            problems.append(f"{name}: {score}/{max_score}, expected full marks")
        if want["score"] == "zero" and score != 0:
            problems.append(f"{name}: {score}, expected zero")
        if want["score"] == "partial" and not 0 < score < max_score:
            problems.append(f"{name}: {score}, expected a partial score")
        assert abs(sum(float(row[q]) for q in questions) - score) < 1e-6, row
    assert not problems, "\n".join(problems)

    # Reasons are sentences, not tracebacks.
    for row in rows:
        assert "Traceback" not in row["reason"] and "\n" not in row["reason"], row
    # Nothing escaped the zip slip.
    assert not escaped.exists() and not (out / expected).exists()
    # Per-submission files: Gradescope JSON and the grader's log, one each.
    assert sorted(p.stem for p in (out / "results").glob("*.json")) == sorted(exp)
    assert sorted(p.stem for p in (out / "logs").glob("*.log")) == sorted(exp)
    alice = json.loads((out / "results" / "alice.json").read_text())
    assert alice["score"] == float(by_name["alice"]["max_score"]) and alice["tests"]
    assert {"score", "tests", "output", "execution_time"} <= set(alice)
    assert {t["status"] for t in alice["tests"]} == {"passed"}  # the same status Gradescope's file carries
    bob = json.loads((out / "results" / "bob.json").read_text())
    assert all(t["status"] == ("passed" if t["score"] >= t["max_score"] else "failed") for t in bob["tests"])
    assert "failed" in {t["status"] for t in bob["tests"]}, bob["tests"]
    log = (out / "logs" / "carol.log").read_text()
    assert "status:     error" in log and "syntax error" in log
    bob_log = (out / "logs" / "bob.log").read_text()
    assert "[hidden]" in bob_log and "NotImplementedError" in bob_log  # hidden cases with messages
    # The student's output; and two workers on this machine's cores: each with its share for
    # the BLAS threads, in its sandbox too (none of them spinning on another's core).
    share = max(1, len(os.sched_getaffinity(0)) // 2)
    assert f"hello from uma {share}" in (out / "logs" / "uma.log").read_text()
    leftovers = [p.name for p in temp.iterdir() if p.name.startswith("course-batch-bundle-")]
    assert not leftovers, leftovers  # the bundle handed to the workers as a file is gone
    check_outputs(out)
    assert all(n == 1 for n in graded_events(out).values())

    # report.html: self-contained, pictures embedded, the slowest listed.
    page = (out / "report.html").read_text()
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page)) >= 2
    assert "Slowest submissions" in page and "http" not in page.split("<body>")[0]
    for name in exp:
        assert f">{name}<" in page
    canvas = (out / "canvas.csv").read_text().splitlines()
    assert canvas[0].startswith("Student,ID,SIS User ID,Section,") and canvas[1].startswith("Points Possible")
    assert len(canvas) == len(exp) + 2

    # Summary table at the end; plain progress lines (not a terminal here).
    assert f"[{len(exp)}/{len(exp)}]" in proc.stdout and "submissions" in proc.stdout


def test_gradescope_export_and_usage_errors(tmp_path):
    root = write_mini_course(tmp_path / "course")
    solution = (root / "solutions/mini/mini.py").read_text()
    export = tmp_path / "export"
    (export / "submission_101").mkdir(parents=True)
    (export / "submission_101" / "mini.py").write_text(solution)
    (export / "submission_102").mkdir()
    (export / "submission_102" / "mini.py").write_text("def add(a, b):\n    return a + b\n")
    (export / "submission_metadata.yml").write_text("""\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2027-01-20 10:00:00.000000000 -08:00
  :score: 5.0
  :status: processed
  :results: !ruby/hash:ActiveSupport::HashWithIndifferentAccess
    score: 5.0
submission_102:
  :submitters:
  - :name: Alan Turing
    :sid: '1912'
    :email: alan@example.edu
  - :name: Grace Hopper
    :sid: '1906'
    :email: grace@example.edu
  :created_at: 2027-01-21 11:00:00.000000000 -08:00
submission_103:
  :submitters:
  - :name: Missing Folder
    :sid: '9'
    :email: gone@example.edu
""")
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", export, "--out", out, "--jobs", "1", *engine_args(),
                      cwd=tmp_path, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    assert set(rows) == {"ada@example.edu", "alan@example.edu+grace@example.edu", "gone@example.edu"}
    assert rows["ada@example.edu"]["score"] == "5"
    assert rows["alan@example.edu+grace@example.edu"]["q1_add"] == "3"
    assert rows["gone@example.edu"]["status"] == "rejected" and "submission_103" in rows["gone@example.edu"]["reason"]
    canvas = read_csv(out / "canvas.csv")
    students = {r["Student"]: r for r in canvas}
    assert students["Ada Lovelace"]["SIS User ID"] == "1815"
    assert students["Grace Hopper"]["SIS User ID"] == "1906" and students["Alan Turing"]["SIS User ID"] == "1912"

    # Usage errors: exit 2, no rows.
    bad = run_course("--root", root, "grade", "mini", tmp_path / "nope.py", "--out", tmp_path / "o2",
                     cwd=tmp_path, check=False)
    assert bad.returncode == 2 and "no such file" in bad.stderr
    foreign = tmp_path / "foreign"
    (foreign / "state").mkdir(parents=True)
    (foreign / "state" / "batch.json").write_text('{"slug": "image_tensors"}')
    reuse = run_course("--root", root, "grade", "mini", export / "submission_101", "--out", foreign,
                       "--engine", "inprocess", cwd=tmp_path, check=False)
    assert reuse.returncode == 2 and "holds results for assignment 'image_tensors'" in reuse.stderr
