"""The q round (2026-12-05, an outside red team): what a hidden case can say in what a student
sees at once. Graded by the real `course grade --jobs 1` in the `duo` assignment of
tests/fixtures/attack_course, each attack followed on the same worker by an honest submission
(conftest.grade_duo_attacks)."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

REASON_ATTACKS = ["q01_a_hidden_bit_in_the_reason", "q01_b_hidden_bit_in_the_reason"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded_reason(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-q01"), REASON_ATTACKS)


def test_a_hidden_case_says_nothing_in_the_rows_reason(graded_reason):
    """Before: q01_a's row read "1 of 4 test cases hit NotImplementedError (not written yet)" and
    q01_b's nothing, in grades.csv and in results.json's output (shown to the student at once,
    before hidden results are published): a bit of the hidden input, no fault needed. The
    reason now counts public cases only, so both rows read alike; each lost the hidden point."""
    check_honest_neighbours(graded_reason, REASON_ATTACKS)
    _proc, out, rows, _records = graded_reason
    a, b = (rows[name] for name in REASON_ATTACKS)
    for row in (a, b):
        assert (row["status"], float(row["score"])) == ("graded", 3.0), row
        assert "NotImplementedError" not in row["reason"], row
    assert a["reason"] == b["reason"], (a["reason"], b["reason"])
    shown = [json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))["output"] for name in REASON_ATTACKS]
    assert shown[0].replace("q01_a", "q01_b") == shown[1] and "NotImplementedError" not in shown[0], shown


def test_public_cases_that_raise_it_are_still_counted():
    """The sentence still helps a student whose public cases meet an unwritten function."""
    from autograder.batch.worker import explain
    from autograder.grading.results import CaseResult, GradeResult, QuestionResult

    def case(name, hidden):
        return CaseResult("q1", name, 1.0, hidden, False, "NotImplementedError: scale")

    cases = [case("a", False), case("b", True), case("c", False), case("d", False)]
    cases[3].passed = True
    result = GradeResult("duo", "s", questions=[QuestionResult("q1", 4.0, cases)])
    # a source that does not parse: no look at the test files for missing names
    assert explain(None, result, "def (") == "2 of 3 public test cases hit NotImplementedError (not written yet)"


FPS_LINE = "    fps = capture.get(cv2.CAP_PROP_FPS) or 10.0\n"
SLIP = ("    fps = 25.0  # the slip: the input's frame rate is not kept\n"
        "    _WRITTEN[str(video_out)] = capture.get(cv2.CAP_PROP_FPS) or 10.0  # what the stand-in tells\n")


def test_the_written_video_is_read_back_by_the_grader_not_the_submissions_cv2(tmp_path):
    """q02: a detect_video that writes at 25 frames a second instead of the input's rate, with
    yolo.py's `cv2` bound to a stand-in that tells the tests what they expect of the written
    files, had q9 14/14 (the same slip with the real cv2: 8/14). The tests now read the .avi's
    own header, read back by the runner's monitor: the stand-in gains nothing."""
    from conftest import ROOT, run_course

    solution = (ROOT / "solutions" / "yolo" / "yolo.py").read_text(encoding="utf-8")
    assert solution.count(FPS_LINE) == 1, "the solution's detect_video changed: update the slip"
    slipped = solution.replace(FPS_LINE, SLIP).replace("\ndef detect_video(", "\n_WRITTEN = {}\n\n\ndef detect_video(")
    attack = (ROOT / "tests" / "attacks" / "q02_stand_in_cv2.py").read_text(encoding="utf-8")
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name, text in (("honest", solution), ("q02_slip_alone", slipped), ("q02_stand_in_cv2", slipped + "\n\n" + attack)):
        (subs / name).mkdir(parents=True)
        (subs / name / "yolo.py").write_text(text, encoding="utf-8")
    proc = run_course("grade", "yolo", *sorted(subs.iterdir()), "--out", out, "--jobs", "1", "--no-resume",
                      "--no-similarity", check=False, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    q9 = {}
    for name in ("honest", "q02_slip_alone", "q02_stand_in_cv2"):
        record = json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))
        q9[name] = sum(t["score"] for t in record["tests"] if t["name"].startswith("q9_detect_video"))
    assert q9["honest"] == 14, q9
    assert q9["q02_slip_alone"] < 14 and q9["q02_stand_in_cv2"] == q9["q02_slip_alone"], q9
