"""The lecture's own activation code, graded through the real `course grade`.

tests/fixtures/lecture/activations.py holds what a student writes from the lecture's walkthrough
(sigmoid, relu, leaky_relu as the lecture writes them, np.tanh). A fair grader gives each function
the points of the cases where the lecture's code does what the course asks, and fails the others
with a message naming what the course asks beyond the lecture (issue 14)."""
from __future__ import annotations

import pytest

import _lecture



@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    # Submitted alone, not filled into the stub: the functions the lecture never shows are
    # missing from the submission, and the reason must say so.
    row, _, outputs = _lecture.grade("activations", tmp_path_factory.mktemp("lecture_activations"),
                                     into_stub=False)
    return {"row": row, "outputs": outputs}


_case = _lecture.case


def test_score_per_question(graded):
    row = graded["row"]
    assert row["status"] == "graded", row
    # sigmoid: values and the Keras comparison (2 of 4); tanh, relu on floats, leaky_relu's values and
    # the Keras comparison (4 of 6); no PReLU, ELU, derivatives or edge map in the lecture.
    assert {q: float(row[q]) for q in ("q1_sigmoid", "q2_tanh_relu", "q3_prelu_elu", "q4_derivatives",
                                       "q5_edge_map")} == {
        "q1_sigmoid": 2, "q2_tanh_relu": 4, "q3_prelu_elu": 0, "q4_derivatives": 0, "q5_edge_map": 0}
    assert float(row["score"]) == 6 and float(row["max_score"]) == 23
    assert "missing from the submission" in row["reason"] and "edge_activations" in row["reason"]


def test_what_the_lecture_code_passes(graded):
    out = graded["outputs"]
    for question, case in (("q1_sigmoid", 1), ("q1_sigmoid", 4), ("q2_tanh_relu", 1), ("q2_tanh_relu", 2),
                           ("q2_tanh_relu", 4), ("q2_tanh_relu", 6)):
        assert "passed" in _case(out, question, case), _case(out, question, case)


def test_failures_name_what_the_course_asks_beyond_the_lecture(graded):
    out = graded["outputs"]
    overflow = _case(out, "q1_sigmoid", 3)
    assert "failed" in overflow and "overflow" in overflow and "lecture's formula" in overflow, overflow
    lists = _case(out, "q1_sigmoid", 2)
    assert "failed" in lists and "array-like" in lists and "as_float" in lists, lists
    ints = _case(out, "q2_tanh_relu", 3)
    assert "failed" in ints and "expected dtype float64, got int64" in ints and "lecture's" in ints, ints
    alpha = _case(out, "q2_tanh_relu", 5)
    assert "failed" in alpha and "expected ValueError" in alpha and "no argument check" in alpha, alpha


def test_messages_give_no_expected_value_away(graded):
    """The failures above say what differs, never the oracle's numbers."""
    text = "\n".join(graded["outputs"].values())
    assert "0.2689" not in text and "0.7310" not in text   # sigmoid(-1), sigmoid(1)
