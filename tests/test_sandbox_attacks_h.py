"""The h round of white-box attacks (tests/attacks/h*.py, 2026-12-04), graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed on
the same worker by an honest submission (one batch for the round, as conftest.grade_duo_attacks
does). This round's theme is what a test does with an answer in the judge after the wire has
decoded it: its failure message (`got {got!r}`) prints the answer there, where no deadline
reaches. h01 answered an array of ten axes each 6 long (60 MB), which numpy prints whole: 137 s
of the judge for a submission allowed 20, and 2.4 GB; h02 answered 400 MB of bytes, printed four
characters a byte and copied twice more: the judge at 5.4 GB (an honest batch: 52 MB); h03
answered an object whose len() is 500 million, and the test's tuple(got) wrote a tuple of that
many empty slots in the judge before iterating: 4 GB, 23 s."""

from __future__ import annotations

import sys

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

ATTACK_FILES = ["h01_array_that_prints_whole", "h02_bytes_that_print_four_times", "h03_a_length_to_allocate"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-h"), ATTACK_FILES)


def test_no_grader_failure_and_every_honest_neighbour_keeps_full_marks(graded):
    check_honest_neighbours(graded, ATTACK_FILES)


def test_an_array_numpy_would_print_whole_is_refused_before_a_test_prints_it(graded):
    """Before: the test's message printed 60 million values in the judge: the row `timeout` after
    137 s of a 20 s budget, the judge at 2.4 GB, the batch held. Now an answer whose arrays would
    print more than MAX_PRINTED values cannot be read (a fault of that case): graded, 3/4."""
    _proc, _out, rows, records = graded
    name = "h01_array_that_prints_whole"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]
    assert "would print more than" in rows[name]["reason"], rows[name]
    assert records[name]["result"]["elapsed"] < 10, records[name]["result"]["timing"]
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 200_000, records[name]


def test_bytes_a_test_would_print_four_times_over_are_refused(graded):
    """Before: 400 MB of bytes took the judge from 52 MB to 5.4 GB (the buffer, the bytes, their
    repr and two copies of it in the message). Now more than MAX_BYTES of bytes values in one
    answer cannot be read: graded, 3/4, the judge near an honest batch's peak."""
    _proc, _out, rows, records = graded
    name = "h02_bytes_that_print_four_times"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]
    assert "MiB of bytes values" in rows[name]["reason"], rows[name]
    # The 400 MB still cross the socket into a receive buffer (grown by doubling): max_message's
    # allowance for any answer, an array's too (measured +0.5 GB, where it was +5.3 GB before).
    assert records[name]["judge_peak_kb"] < records["a_honest"]["judge_peak_kb"] + 800_000, records[name]


def _cases(record):
    return {c["name"]: c for q in record["result"]["questions"] for c in q["cases"]}


def test_a_handles_length_is_bounded_before_a_test_sizes_a_tuple_by_it(graded):
    """Before: tuple(got) on a handle whose len() said 500 million took the judge from 52 MB to
    3.96 GB and 23 s, the row `timeout` (2/4). Now a handle's len() over MAX_NODES raises
    OverflowError in the judge: that case fails, graded 3/4, the judge's peak unchanged."""
    _proc, _out, rows, records = graded
    name = "h03_a_length_to_allocate"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]
    messages = [c["message"] for c in _cases(records[name]).values() if not c["passed"]]
    assert len(messages) == 1 and "more than the grader takes" in messages[0], messages
    # The peak is the worker's high-water mark so far: h02's receive buffer came before this one.
    before = records["h02_bytes_that_print_four_times_zhonest"]["judge_peak_kb"]
    assert records[name]["judge_peak_kb"] < before + 200_000, (records[name]["judge_peak_kb"], before)


def test_only_answers_are_held_to_what_a_message_may_print():
    """MAX_PRINTED and MAX_BYTES bound a runner's answer in the judge; the judge's own arguments
    decoded in the runner (a call_each of many small arrays) and the recorded oracle results are
    not answers a test prints, and keep only the wire's own limits."""
    import numpy as np

    from autograder.sandbox import wire
    from autograder.sandbox.limits import MAX_BYTES, MAX_PRINTED

    value = [np.zeros(1000)] * (MAX_PRINTED // 1000 + 1) + [bytes(MAX_BYTES + 1)]
    tree, bufs = wire.encode(value)
    assert len(wire.Decoder([bytearray(b) for b in bufs]).decode(tree)) == len(value)
    with pytest.raises(wire.WireError, match="would print more than"):
        wire.Decoder([bytearray(b) for b in bufs], answer=True).decode(tree)
    tree, bufs = wire.encode([bytes(MAX_BYTES // 2), bytes(MAX_BYTES // 2 + 1)])
    with pytest.raises(wire.WireError, match="MiB of bytes values"):
        wire.Decoder([bytearray(b) for b in bufs], answer=True).decode(tree)


def test_an_answer_a_real_test_would_list_whole_is_refused_by_its_shape(tmp_path):
    """h04, in a real assignment's tests: activations q4 compared sigmoid_grad's answer with
    np.allclose, which broadcast a (20,000,000, 3) answer against three expected values, and its
    message listed the answer with tolist(): 88.6 s and 4.57 GB in the judge. Now the shape is
    checked first: that case fails at once, and the honest neighbour keeps full marks."""
    import csv
    import json

    from conftest import ROOT, run_course

    subs = tmp_path / "subs"
    subs.mkdir()
    solution = (ROOT / "solutions" / "activations" / "activations.py").read_text(encoding="utf-8")
    attack = (ROOT / "tests" / "attacks" / "h04_an_answer_listed_whole.py").read_text(encoding="utf-8")
    (subs / "a_attack.py").write_text(solution + "\n\n" + attack, encoding="utf-8")
    (subs / "b_honest.py").write_text(solution, encoding="utf-8")
    run_course("grade", "activations", subs, "--out", tmp_path / "out", "--jobs", "1", "--no-similarity")
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert (rows["b_honest"]["status"], rows["b_honest"]["score"]) == ("graded", "23"), rows["b_honest"]
    assert (rows["a_attack"]["status"], rows["a_attack"]["score"]) == ("graded", "22"), rows["a_attack"]
    result = json.loads((tmp_path / "out" / "state" / "records" / "a_attack.json").read_text())["result"]
    failed = [c["message"] for q in result["questions"] for c in q["cases"] if not c["passed"]]
    assert len(failed) == 1 and "expected shape (3,), got (20000000, 3)" in failed[0], failed
    assert result["elapsed"] < 30, result["timing"]  # 88.6 s before (the listing in the judge)
