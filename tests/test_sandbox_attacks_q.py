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
