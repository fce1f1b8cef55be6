"""The lecture's own pooling code, graded through the real `course grade`.

tests/fixtures/lecture/pooling.py holds what a student writes from the lecture's walkthrough:
max_pool and average_pool as block_reduce(x, pool_size, np.max / np.mean), with the course's
signatures. The lecture pools a 2-D edge map with zero padding and stride = pool size; that case
earns its points in both questions. Everything the course asks beyond it (channels never pooled,
"valid" and "same", strides, argument checks) fails with a message naming the difference."""
from __future__ import annotations

import pytest

import _lecture

QUESTIONS = ("q1_output_shape", "q2_max_pool", "q3_avg_pool", "q4_dropout", "q5_batch_norm", "q6_conv_block",
             "q7_translation_invariance")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    pytest.importorskip("keras")
    # Submitted alone, as the student who pasted only the lecture's two functions.
    row, _, outputs = _lecture.grade("pooling", tmp_path_factory.mktemp("lecture_pooling"), into_stub=False)
    return {"row": row, "outputs": outputs}


_case = _lecture.case


def test_score_per_question(graded):
    row = graded["row"]
    assert row["status"] == "graded", row
    assert {q: float(row[q]) for q in QUESTIONS} == {
        "q1_output_shape": 0, "q2_max_pool": 1, "q3_avg_pool": 1, "q4_dropout": 0, "q5_batch_norm": 0,
        "q6_conv_block": 0, "q7_translation_invariance": 0}
    assert float(row["score"]) == 2 and float(row["max_score"]) == 33


def test_the_lecture_case_passes_under_the_lecture_name(graded):
    out = graded["outputs"]
    assert "passed" in _case(out, "q2_max_pool", 1), _case(out, "q2_max_pool", 1)
    assert "passed" in _case(out, "q3_avg_pool", 1), _case(out, "q3_avg_pool", 1)   # graded as average_pool
    assert "average_pool" not in graded["row"]["reason"]


def test_pooling_the_channels_is_named(graded):
    out = graded["outputs"]
    for question in ("q2_max_pool", "q3_avg_pool"):
        for case in (2, 3, 4):
            text = _case(out, question, case)
            assert "failed" in text and "you pooled the channel axis too" in text and "block size of 1" in text, text


def test_messages_give_no_expected_value_away(graded):
    text = "\n".join(graded["outputs"].values())
    for question in ("q2_max_pool", "q3_avg_pool"):
        assert "at index" not in _case(graded["outputs"], question, 2)   # a shape message, no values
    assert "Traceback" not in text
