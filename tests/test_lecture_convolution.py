"""The lecture's own code, submitted to convolution, graded through the real `course grade`.

The lecture writes one function of this assignment: the edge map, with scipy's convolve2d
imported at the top of the file. That import must not be shadowed by an exercise (issue 14: it
was, and the lecture's code broke with a TypeError); its edges are right, and the one thing the
course asks beyond it (float64 out for a uint8 image) is named in the message.
"""
from __future__ import annotations

import pytest

import _lecture

SLUG = "convolution"
FIXTURE = _lecture.LECTURE / f"{SLUG}.py"

EXPECTED = {"q1_output_shape": 0, "q2_correlation": 0, "q3_conv_layer": 0, "q4_parameters": 0,
            "q5_edges": 2.5, "q6_conv_demo": 0}


def test_fixture_has_the_stub_api(tmp_path):
    built = _lecture.assert_stub_api(SLUG, tmp_path)
    assert "from scipy.signal import convolve2d" in FIXTURE.read_text()
    assert "from scipy.signal import convolve2d" in built.read_text()


graded = _lecture.graded_fixture(SLUG)


def test_score_per_question(graded):
    row, _ = graded
    assert row["status"] == "graded", row
    got = {q: float(row[q]) for q in EXPECTED}
    assert got == EXPECTED, f"lecture submission scored {got}, a fair grader gives {EXPECTED}"


def test_edges_earn_their_points_and_the_difference_is_named(graded):
    _, results = graded
    outputs = {t["name"]: t.get("output") or "" for t in results["tests"]}
    edges = outputs["q5_edges"]
    assert "TypeError" not in edges, "scipy's convolve2d is shadowed by an exercise again:\n" + edges
    assert "NotImplementedError" not in edges, edges
    assert "the course asks for float64 whatever the input dtype" in edges, edges
    assert "convolve2d keeps integers" in edges, edges


def test_a_fixture_that_does_not_fit_the_stub_is_refused_by_name():
    stub = ("import numpy as np\n\n\ndef f(x, k=1):\n    '''Doc.'''\n    raise NotImplementedError('f')\n"
            "\n\ndef g(x):\n    return x\n")
    filled = _lecture.fill_stub(stub, "import math\n\n\ndef f(x, k=1):\n    # lecture\n    return math.floor(x) * k\n")
    assert filled.splitlines()[:2] == ["import numpy as np", "import math"]
    assert "    # lecture\n    return math.floor(x) * k\n" in filled and "NotImplementedError" not in filled
    for lecture, problem in (("def h(x):\n    return x\n", "h is not a function of the stub"),
                             ("def f(x):\n    return x\n", "f(x) differs from the stub's f(x, k=1)"),
                             ("def g(x):\n    return x\n", "the stub's g has no single `raise NotImplementedError`")):
        with pytest.raises(_lecture.LectureFixtureError, match=r"^lecture/x\.py: " + problem.replace("(", r"\(")
                           .replace(")", r"\)")):
            _lecture.fill_stub(stub, lecture, "lecture/x.py")
