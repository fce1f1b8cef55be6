"""The lecture's own code, submitted to convolution, graded through the real `course grade`.

The lecture writes one function of this assignment: the edge map, with scipy's convolve2d
imported at the top of the file. That import must not be shadowed by an exercise (issue 14: it
was, and the lecture's code broke with a TypeError); its edges are right, and the one thing the
course asks beyond it (float64 out for a uint8 image) is named in the message.
"""
from __future__ import annotations

import ast
import csv
import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_course

SLUG = "convolution"
FIXTURE = ROOT / "tests" / "fixtures" / "lecture" / f"{SLUG}.py"

EXPECTED = {"q1_output_shape": 0, "q2_correlation": 0, "q3_conv_layer": 0, "q4_parameters": 0,
            "q5_edges": 2.5, "q6_conv_demo": 0}


def _signatures(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    return {n.name: ast.unparse(n.args) for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_fixture_has_the_stub_api():
    assert _signatures(FIXTURE) == _signatures(ROOT / "assignments" / SLUG / f"{SLUG}.py")
    assert "from scipy.signal import convolve2d" in FIXTURE.read_text()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lecture")
    folder = tmp / "submissions"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / f"{SLUG}.py")
    run_course("grade", SLUG, folder / f"{SLUG}.py", "--out", tmp / "out", "--jobs", "1")
    with open(tmp / "out" / "grades.csv") as f:
        row = next(csv.DictReader(f))
    results = json.loads((tmp / "out" / "results" / f"{SLUG}.json").read_text())
    return row, results


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
