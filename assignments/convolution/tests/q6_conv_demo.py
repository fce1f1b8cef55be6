"""Question 6: the conv-demo activity, naming each convolution's hidden hyperparameters."""
import json
import math

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False

name = "q6_conv_demo"
points = 4

PUZZLES = "assets/conv_demo.json"


def _puzzles():
    with open(PUZZLES, encoding="utf-8") as f:
        return json.load(f)["puzzles"]


def _output_shape(input_shape, kernel, stride, filters, padding):
    """The oracle for the output volume (Keras's rule), so that this question never depends on
    question 1 being finished; None where the setting is impossible."""
    h, w, _ = input_shape
    if padding == "same":
        return math.ceil(h / stride), math.ceil(w / stride), filters
    if kernel > h or kernel > w:
        return None
    return (h - kernel) // stride + 1, (w - kernel) // stride + 1, filters


def _check_puzzle(conv_demo_answers, puzzle):
    with open("hidden/answers.json", encoding="utf-8") as f:
        expected = json.load(f)[puzzle]
    got = conv_demo_answers(PUZZLES)
    assert isinstance(got, dict) and puzzle in got, f"expected an answer for {puzzle}, got keys {sorted(got) if isinstance(got, dict) else got!r}"
    assert isinstance(got[puzzle], dict), f"{puzzle}: expected a dict of kernel, stride, depth, padding, got {got[puzzle]!r}"
    wrong = {key: got[puzzle].get(key) for key in expected if got[puzzle].get(key) != expected[key]}
    assert not wrong, f"{puzzle}: wrong {', '.join(sorted(wrong))}: got {wrong}"


@test_case(points=1)
def test_format_and_consistency(conv_demo_answers):
    puzzles = _puzzles()
    got = conv_demo_answers(PUZZLES)
    assert isinstance(got, dict) and set(got) == set(puzzles), (
        f"expected a dict with one answer per puzzle {sorted(puzzles)}, got {sorted(got) if isinstance(got, dict) else got!r}")
    for name_, answer in got.items():
        assert isinstance(answer, dict) and set(answer) == {"kernel", "stride", "depth", "padding"}, (
            f"{name_}: expected a dict with keys kernel, stride, depth, padding, got {answer!r}")
        for key in ("kernel", "stride", "depth"):
            value = answer[key]
            assert isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1, f"{name_}: {key} should be a positive int, got {value!r}"
        assert answer["padding"] in ("same", "valid"), f"{name_}: padding should be 'same' or 'valid', got {answer['padding']!r}"
        puzzle = puzzles[name_]
        shape = _output_shape(tuple(puzzle["input"]), answer["kernel"], answer["stride"], answer["depth"], answer["padding"])
        assert shape is not None and list(shape) == puzzle["output"], (
            f"{name_}: your answer {answer} gives an output volume of {shape} (Keras's rule), "
            f"but the puzzle's output volume is {tuple(puzzle['output'])}")


@test_case(points=0.75, hidden=True)
def test_puzzle_1(conv_demo_answers):
    _check_puzzle(conv_demo_answers, "puzzle_1")


@test_case(points=0.75, hidden=True)
def test_puzzle_2(conv_demo_answers):
    _check_puzzle(conv_demo_answers, "puzzle_2")


@test_case(points=0.75, hidden=True)
def test_puzzle_3(conv_demo_answers):
    _check_puzzle(conv_demo_answers, "puzzle_3")


@test_case(points=0.75, hidden=True)
def test_puzzle_4(conv_demo_answers):
    _check_puzzle(conv_demo_answers, "puzzle_4")
