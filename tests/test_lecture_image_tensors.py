"""The lecture's own code, submitted to image_tensors, graded through the real `course grade`.

tests/fixtures/lecture/image_tensors.py holds every function the lecture writes, from the lecture's
lines (adapted only in names and signatures); tests/_lecture.py fills the generated stub with them.
A fair grader gives those functions the points the lecture's code earns, and where the course asks
for more than the lecture (RGB whatever the mode, a centred patch, a (height, width) size,
validation), its message says so.
"""
from __future__ import annotations

import _lecture

SLUG = "image_tensors"

# Per question: points the lecture's code earns (of the question's total).
EXPECTED = {
    "q1_load_image": 1,       # RGB photo right; no RGB conversion, no ValueError for a bad file
    "q2_describe_image": 4,   # all but the hidden not-an-image error
    "q3_channels": 0,         # the lecture writes no channel move
    "q4_centre_patch": 0,     # its patch starts at the middle instead of being centred there
    "q5_resize": 2,           # thumbnail right; no (height, width) size, no ValueError for size 0
    "q6_histograms": 3,       # counts right; floats and rank 4 not refused
    "q7_histogram_plot": 3,   # three subplots accepted; no single-channel plot, no shape check
    "q8_greyscale": 3,        # convert('L') right; other shapes and dtypes not refused
    "q9_feature_counts": 0,   # the lecture computes no counts in code
}

# What the failure messages must say: the difference between the lecture and the course.
MESSAGES = {
    "q1_load_image": ["convert to RGB whatever the file's mode", "raise ValueError naming the path"],
    "q4_centre_patch": ["centred on the middle", "demo_arr[mid:mid + 5]"],
    "q5_resize": ["(height, width) tuple", "expected ValueError, got ZeroDivisionError"],
    "q6_histograms": ["anything but uint8"],
    "q7_histogram_plot": ["expected ValueError, got IndexError"],
    "q8_greyscale": ["expected ValueError, got TypeError"],
}


def test_fixture_has_the_stub_api(tmp_path):
    """The submission is built from the current stub (so it cannot drift from what students get)."""
    _lecture.assert_stub_api(SLUG, tmp_path)


graded = _lecture.graded_fixture(SLUG)


def test_score_per_question(graded):
    row, _ = graded
    assert row["status"] == "graded", row
    got = {q: float(row[q]) for q in EXPECTED}
    assert got == EXPECTED, f"lecture submission scored {got}, a fair grader gives {EXPECTED}"
    assert float(row["score"]) == sum(EXPECTED.values())


def test_messages_name_what_the_course_asks_beyond_the_lecture(graded):
    _, results = graded
    outputs = {t["name"]: t.get("output") or "" for t in results["tests"]}
    for question, phrases in MESSAGES.items():
        for phrase in phrases:
            assert phrase in outputs[question], f"{question}: the message should say {phrase!r}:\n{outputs[question]}"


def test_no_question_fails_for_another_questions_sake(graded):
    """A question whose functions the lecture writes never fails on an unwritten function."""
    _, results = graded
    for test in results["tests"]:
        question = test["name"].split(" ")[0]
        if question not in ("q3_channels", "q9_feature_counts"):
            assert "NotImplementedError" not in (test.get("output") or ""), test
