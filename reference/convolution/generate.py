"""The conv-demo activity: puzzles made from the release seed.

Each puzzle is a convolution whose hyperparameters are hidden: the student sees the input
volume, the output volume and a picture of the sliding window at a few positions, and names
the kernel size, the stride, the depth (number of filters) and the padding.

``generate(public, hidden, seed)`` writes

- ``public/conv_demo.json``     the puzzles without their answers (what the picture shows, as data)
- ``public/conv_demo_<n>.png``  one picture per puzzle
- ``hidden/answers.json``       ``{"puzzle_<n>": {"kernel", "stride", "depth", "padding"}}``

Padding follows Keras (and TensorFlow): ``valid`` adds nothing; ``same`` makes the output
``ceil(n / stride)`` long and pads ``pad_total = max((ceil(n / s) - 1) * s + k - n, 0)`` zeros,
``pad_total // 2`` before and the rest after.

Every puzzle is uniquely solvable from the public JSON alone: among all kernels in
``kernel_range``, strides in ``stride_range`` and both paddings, exactly one setting gives the
published output volume and puts the drawn windows where the picture draws them. The output is
byte-identical for a given seed (no dates in the PNGs, fixed size and fonts).

Run by hand: ``python reference/convolution/generate.py OUT_DIR [SEED]``.
"""

from __future__ import annotations

import io
import json
import math
import pathlib
import re
import sys

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

N_PUZZLES = 4
KERNEL_RANGE = (1, 7)  # the search space the puzzles promise to be unique in
STRIDE_RANGE = (1, 4)
PADDINGS = ("same", "valid")
COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd")


def _pads(n: int, k: int, s: int, padding: str) -> tuple[int, int] | None:
    """(before, after) zero padding along one axis, or None when the setting is impossible."""
    if padding == "valid":
        return (0, 0) if k <= n else None
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _out_len(n: int, k: int, s: int, padding: str) -> int:
    return math.ceil(n / s) if padding == "same" else (n - k) // s + 1


def _windows(h: int, w: int, k: int, s: int, padding: str) -> list[dict]:
    """The output cells drawn and the input position (top-left, padding negative) of each window."""
    top, _ = _pads(h, k, s, padding)
    left, _ = _pads(w, k, s, padding)
    ho, wo = _out_len(h, k, s, padding), _out_len(w, k, s, padding)
    cells = [(0, 0), (0, 1), (1, 0), (ho - 1, wo - 1)]
    return [{"output": [i, j], "top_left": [i * s - top, j * s - left]} for i, j in cells]


def _consistent(puzzle: dict, k: int, s: int, padding: str) -> bool:
    h, w, _ = puzzle["input"]
    if _pads(h, k, s, padding) is None or _pads(w, k, s, padding) is None:
        return False
    if [_out_len(h, k, s, padding), _out_len(w, k, s, padding)] != puzzle["output"][:2]:
        return False
    return _windows(h, w, k, s, padding) == puzzle["windows"]


def solutions(puzzle: dict) -> list[tuple[int, int, str]]:
    """Every (kernel, stride, padding) in the promised search space that fits the public facts."""
    return [
        (k, s, p)
        for k in range(KERNEL_RANGE[0], KERNEL_RANGE[1] + 1)
        for s in range(STRIDE_RANGE[0], STRIDE_RANGE[1] + 1)
        for p in PADDINGS
        if _consistent(puzzle, k, s, p)
    ]


def _draw(number: int, puzzle: dict, k: int, s: int, padding: str) -> bytes:
    h, w, c = puzzle["input"]
    ho, wo, _ = puzzle["output"]
    top, bottom = _pads(h, k, s, padding)
    left, right = _pads(w, k, s, padding)
    fig = Figure(figsize=(9, 4.2), dpi=80)
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [w + left + right, max(wo, 3)]})
    # The depth stays off the picture (issue 14: the title gave that answer away); the student
    # reads it from the output volume in conv_demo.json, knowing depth = number of filters.
    fig.suptitle(f"Puzzle {number}: input {h}×{w}×{c}  →  output {ho}×{wo}×?", fontsize=13)

    # Input: padded grid (zero padding grey), rows downwards, column c at x = c.
    for r in range(-top, h + bottom):
        for col in range(-left, w + right):
            inside = 0 <= r < h and 0 <= col < w
            ax_in.add_patch(Rectangle((col, r), 1, 1, facecolor="white" if inside else "#d9d9d9",
                                      edgecolor="#999999", linewidth=0.6))
    ax_in.add_patch(Rectangle((0, 0), w, h, fill=False, edgecolor="black", linewidth=1.8))
    for colour, win in zip(COLOURS, puzzle["windows"]):
        r, col = win["top_left"]
        i, j = win["output"]
        ax_in.add_patch(Rectangle((col, r), k, k, facecolor=colour, alpha=0.18, edgecolor="none"))
        ax_in.add_patch(Rectangle((col, r), k, k, fill=False, edgecolor=colour, linewidth=2.2))
        ax_in.text(col + 0.1, r + 0.1, f"({i},{j})", ha="left", va="top", fontsize=8, color=colour,
                   fontweight="bold", bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax_in.set_xlim(-left - 0.2, w + right + 0.2)
    ax_in.set_ylim(h + bottom + 0.2, -top - 0.2)
    ax_in.set_title(f"input, one of {c} channel(s); grey = zero padding", fontsize=10, pad=16)
    # Row and column numbers of the input (negative in the padding) to read window positions from.
    ax_in.set_xticks([col + 0.5 for col in range(-left, w + right)], range(-left, w + right), fontsize=7)
    ax_in.set_yticks([r + 0.5 for r in range(-top, h + bottom)], range(-top, h + bottom), fontsize=7)
    ax_in.tick_params(length=0, labeltop=True, labelbottom=False)

    # Output: the cells the drawn windows produce, in the same colours.
    drawn = {tuple(win["output"]): colour for colour, win in zip(COLOURS, puzzle["windows"])}
    for i in range(ho):
        for j in range(wo):
            colour = drawn.get((i, j))
            ax_out.add_patch(Rectangle((j, i), 1, 1, facecolor=colour or "white",
                                       alpha=0.5 if colour else 1.0, edgecolor="#999999", linewidth=0.6))
            if colour:
                ax_out.text(j + 0.5, i + 0.5, f"({i},{j})", ha="center", va="center", fontsize=7)
    ax_out.add_patch(Rectangle((0, 0), wo, ho, fill=False, edgecolor="black", linewidth=1.8))
    ax_out.set_xlim(-0.2, max(wo, 3) + 0.2)
    ax_out.set_ylim(max(ho, 3) + 0.2, -0.2)
    ax_out.set_title("output, one of its channels", fontsize=10)
    ax_out.set_xticks([])
    ax_out.set_yticks([])
    for ax in (ax_in, ax_out):
        ax.set_aspect("equal")
        for spine in ax.spines.values():
            spine.set_visible(False)

    buf = io.BytesIO()
    # No Software/date chunks: the same seed gives byte-identical PNGs.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _dumps(doc: dict) -> str:
    """Indented JSON with short lists of numbers kept on one line, for people to read."""
    text = json.dumps(doc, indent=2)
    return re.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]",
                  lambda m: "[" + ", ".join(re.split(r",\s*", m.group(1))) + "]", text) + "\n"


def puzzles(seed: int) -> tuple[dict, dict]:
    """(public puzzles, answers) for a seed; both paddings always appear."""
    rng = np.random.default_rng(seed)
    public, answers = {}, {}
    paddings = list(rng.permutation(["same", "valid"] * (N_PUZZLES // 2) + ["same"] * (N_PUZZLES % 2)))
    n = 0
    while n < N_PUZZLES:
        padding = str(paddings[n])
        h, w = (int(v) for v in rng.integers(5, 12, size=2))
        c, f = int(rng.integers(1, 5)), int(rng.choice([2, 4, 6, 8, 12, 16]))
        k, s = int(rng.integers(2, 6)), int(rng.integers(1, 4))
        if _pads(h, k, s, padding) is None or _pads(w, k, s, padding) is None:
            continue
        ho, wo = _out_len(h, k, s, padding), _out_len(w, k, s, padding)
        if ho < 2 or wo < 2:  # the picture needs a second window in each direction
            continue
        puzzle = {"input": [h, w, c], "output": [ho, wo, f], "windows": _windows(h, w, k, s, padding)}
        if solutions(puzzle) != [(k, s, padding)]:
            continue  # ambiguous from the public facts: draw another
        n += 1
        puzzle["image"] = f"conv_demo_{n}.png"
        public[f"puzzle_{n}"] = puzzle
        answers[f"puzzle_{n}"] = {"kernel": k, "stride": s, "depth": f, "padding": padding}
    return public, answers


def document(seed: int) -> tuple[dict, dict]:
    """(the public conv_demo.json content, the hidden answers) for a seed."""
    shown, answers = puzzles(seed)
    doc = {
        "about": (
            "Conv-demo puzzles. Each has an input volume [H, W, C], an output volume [H', W', F] "
            "and the sliding windows drawn in its picture: 'output' is the output cell [i, j] a window "
            "produces, 'top_left' the input row and column of the window's top-left cell (negative "
            "values lie in the zero padding). Kernels are square, strides equal along both axes, "
            "padding 'same' or 'valid' with Keras semantics. Name kernel, stride, depth and padding."
        ),
        "kernel_range": list(KERNEL_RANGE),
        "stride_range": list(STRIDE_RANGE),
        "paddings": list(PADDINGS),
        "puzzles": shown,
    }
    return doc, answers


def generate(public: pathlib.Path, hidden: pathlib.Path, seed: int) -> None:
    public, hidden = pathlib.Path(public), pathlib.Path(hidden)
    public.mkdir(parents=True, exist_ok=True)
    hidden.mkdir(parents=True, exist_ok=True)
    doc, answers = document(seed)
    (public / "conv_demo.json").write_text(_dumps(doc), encoding="utf-8")
    for name, puzzle in doc["puzzles"].items():
        a = answers[name]
        (public / puzzle["image"]).write_bytes(
            _draw(int(name.split("_")[1]), puzzle, a["kernel"], a["stride"], a["padding"]))
    (hidden / "answers.json").write_text(_dumps(answers), encoding="utf-8")


if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1])
    generate(out / "public", out / "hidden", int(sys.argv[2]) if len(sys.argv) > 2 else 2027)
