"""Attack d01 (tests/attacks/d01_forged_loop_answers.py): a submission that forges answer frames
and lies about how many follow while the grader reads a loop of calls sent in one request
(call_each, issue 16), graded by the real `course grade` beside an honest submission (the
`loops` assignment of tests/fixtures/attack_course: a hidden loop, a public loop, a loop of calls
that must raise ValueError, and q2's squares checked through map()). Attack j01
(tests/attacks/j01_stop_the_map.py) raises StopIteration from square() in the same batch."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import pytest

from conftest import run_course

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "attack_course"
ATTACK = HERE / "attacks" / "d01_forged_loop_answers.py"
STOP = HERE / "attacks" / "j01_stop_the_map.py"
HIDDEN = [str(7919 + 13 * i) for i in range(12)]  # the hidden case's inputs (q1_loops.py)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attack-loops")
    shutil.copytree(FIXTURE, tmp / "course")
    subs, out = tmp / "subs", tmp / "out"
    subs.mkdir()
    shutil.copy(ATTACK, subs / "d01_forged.py")
    shutil.copy(STOP, subs / "j01_stop.py")
    (subs / "j01_zhonest.py").write_text((FIXTURE / "solutions" / "loops" / "loops.py").read_text())
    honest = (FIXTURE / "solutions" / "loops" / "loops.py").read_text()
    (subs / "d01_zhonest.py").write_text(honest)  # graded after it, by the same worker
    (subs / "a_honest.py").write_text(honest)      # and one before it
    proc = run_course("--root", tmp / "course", "grade", "loops", subs, "--out", out, "--jobs", "1",
                      "--no-resume", "--submission-timeout", "30", check=False, timeout=600)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    return proc, out, rows


def test_the_batch_ends_without_a_grader_failure(graded):
    proc, _out, rows = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(rows) == ["a_honest", "d01_forged", "d01_zhonest", "j01_stop", "j01_zhonest"]
    assert not [r for r in rows.values() if r["status"] == "failed"], rows


def test_the_honest_submissions_keep_full_marks(graded):
    _proc, _out, rows = graded
    for name in ("a_honest", "d01_zhonest", "j01_zhonest"):
        assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]


def test_forged_answers_earn_nothing_for_the_wrong_squares(graded):
    _proc, out, rows = graded
    r = rows["d01_forged"]
    assert r["status"] in ("graded", "error"), r
    record = json.loads((out / "state" / "records" / "d01_forged.json").read_text())
    cases = {c["name"]: c for q in record["result"]["questions"] for c in q["cases"]}
    hidden_squares, squares = cases["q1_loops - 1"], cases["q1_loops - 2"]
    assert not hidden_squares["passed"] and not squares["passed"], cases
    assert "square(1): expected 1, got 4" in squares["message"]  # its forged frame, taken as its own answer
    assert float(r["score"]) <= 1.0  # at most the ValueError loop, which its positive() gets right


def test_the_hidden_inputs_stay_hidden(graded):
    _proc, out, rows = graded
    seen = (out / "results" / "d01_forged.json").read_text() + (out / "logs" / "d01_forged.log").read_text() \
        + rows["d01_forged"]["reason"]
    assert not [x for x in HIDDEN if x in seen]


def test_a_stop_iteration_does_not_end_the_judges_map(graded):
    """Before: square() raising StopIteration ended q2's map() at its first call and all() of
    nothing passed: 2 of 4 (q2 and the ValueError loop) with no square right. Now the runner's
    StopIteration reaches a test as a RuntimeError naming it (a generator's, PEP 479): q2 fails,
    1 of 4, and the message says what the submission raised."""
    _proc, out, rows = graded
    r = rows["j01_stop"]
    assert (r["status"], float(r["score"])) == ("graded", 1.0), r
    record = json.loads((out / "state" / "records" / "j01_stop.json").read_text())
    cases = {c["name"]: c for q in record["result"]["questions"] for c in q["cases"]}
    assert not cases["q2_mapped - 1"]["passed"], cases
    assert "raised StopIteration" in cases["q2_mapped - 1"]["message"], cases["q2_mapped - 1"]
    assert cases["q1_loops - 3"]["passed"], cases  # positive() is right: its point stands
