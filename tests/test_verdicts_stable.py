"""Verdicts do not move when grading gets faster (issue 16).

A fixed class per assignment (the solution, partial submissions made from it with deliberate
slips, broken ones) is graded through the real `course grade` (default engine: the sandbox), and
grades.csv (status, reason, total and every question's score) must equal the golden file in
tests/fixtures/verdicts/<slug>_grades.csv. The golden files were written BEFORE the tests learnt
to reuse student results and cache oracles, so this proves the caching changed no verdict.

Regenerate (only when a verdict is meant to change, and say why in the commit):
    VERDICTS_REGENERATE=1 .venv/bin/python -m pytest -q tests/test_verdicts_stable.py
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_course
from test_batch_support import engine_args

GOLDEN = ROOT / "tests" / "fixtures" / "verdicts"
# The batch-only columns (late work) are not verdicts.
KEEP_FIXED = ("submission", "status", "reason", "score", "max_score")
LATE = ("submitted_at", "late_by", "penalty", "final_score")


def _slip(source: str, old: str, new: str, count: int = 1) -> str:
    """Replace `old` by `new` exactly `count` times; a solution edit that moves the text fails
    here loudly instead of silently grading the honest solution under a partial's name."""
    found = source.count(old)
    assert found == count, f"slip {old!r}: found {found} times in the solution, expected {count}"
    return source.replace(old, new)


def _missing(source: str, function: str) -> str:
    return _slip(source, f"\ndef {function}(", f"\ndef {function}_unfinished(")


def image_tensors_class(solution: str, stub: str) -> dict[str, str]:
    return {
        "honest": solution,
        "honest_commented": "# my submission\n" + solution.replace("\n\ndef ", "\n\n# --\ndef "),
        # q8: an average instead of the luma weights.
        "partial_grey_average": _slip(solution, "np.array([0.299, 0.587, 0.114]", "np.array([1 / 3, 1 / 3, 1 / 3]"),
        # q7: a fixed figure size (only the default size is right).
        "partial_plot_fixed_size": _slip(solution, "Figure(figsize=(width / DPI, height / DPI)", "Figure(figsize=(6.4, 4.8)"),
        # q7: the values drawn right to left (hidden case).
        "partial_plot_mirrored": _slip(solution, "ax.plot(np.arange(256), counts", "ax.plot(np.arange(256)[::-1], counts"),
        # q6: histograms shorter than 256 bins for images without a 255.
        "partial_hist_minlength": _slip(solution, "np.bincount(image[:, :, c].ravel(), minlength=256)",
                                        "np.bincount(image[:, :, c].ravel())"),
        # q1: no conversion to RGB (grey and RGBA files keep their mode).
        "partial_load_no_convert": _slip(solution, 'rgb = image.convert("RGB")', "rgb = image.copy()"),
        "partial_missing": _missing(solution, "resize_and_crop"),
        "broken_syntax": solution + "\ndef oops(:\n    pass\n",
        "broken_import": "raise RuntimeError('not finished')\n" + solution,
        "stub": stub,
    }


def convolution_class(solution: str, stub: str) -> dict[str, str]:
    return {
        "honest": solution,
        "honest_commented": "# my submission\n" + solution.replace("\n\ndef ", "\n\n# --\ndef "),
        # q2: convolution without flipping the kernel.
        "partial_no_flip": _slip(solution, "kernel[::-1, ::-1], stride, padding", "kernel, stride, padding"),
        # q1/q2/q3: 'same' padding put after only.
        "partial_same_after": _slip(solution, "return total // 2, total - total // 2", "return 0, total"),
        # q3: bias ignored.
        "partial_no_bias": _slip(solution, "weights.reshape(kh * kw * c, f) + bias", "weights.reshape(kh * kw * c, f)"),
        # q4: the bias forgotten in the parameter count.
        "partial_params": _slip(solution, "return (kernel * kernel * in_channels + 1) * filters",
                                "return kernel * kernel * in_channels * filters"),
        # q5: the Laplacian with the wrong sign at the centre.
        "partial_edges": _slip(solution, "[-1, 8, -1]", "[-1, -8, -1]"),
        "partial_missing": _missing(solution, "conv_demo_answers"),
        "broken_syntax": solution + "\ndef oops(:\n    pass\n",
        "broken_import": "raise RuntimeError('not finished')\n" + solution,
        "stub": stub,
    }


CLASSES = {"image_tensors": image_tensors_class, "convolution": convolution_class}


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _verdicts(path: Path) -> list[dict]:
    """grades.csv reduced to the verdicts: fixed columns plus one per question, in file order."""
    fields, rows = _rows(path)
    keep = [c for c in fields if c not in LATE]
    assert all(c in keep for c in KEEP_FIXED), f"{path}: columns {fields} lack one of {KEEP_FIXED}"
    return [{c: r[c] for c in keep} for r in rows]


def _write(path: Path, verdicts: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(verdicts[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(verdicts)


def _normalise(reason: str) -> str:
    # Durations in reasons ("took 12.3 s") are not verdicts.
    return re.sub(r"\d+(\.\d+)? ?s\b", "N s", reason)


def _engine() -> list[str]:
    """The sandbox (the real path) when it works here; VERDICTS_ENGINE=inprocess forces the
    trusted in-process engine (the verdicts of this class do not depend on the engine)."""
    forced = os.environ.get("VERDICTS_ENGINE")
    return ["--engine", forced] if forced else engine_args()


@pytest.mark.parametrize("slug", sorted(CLASSES))
def test_verdicts_match_golden(slug, tmp_path):
    solution = (ROOT / "solutions" / slug / f"{slug}.py").read_text(encoding="utf-8")
    stub = (ROOT / "assignments" / slug / f"{slug}.py").read_text(encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    klass = CLASSES[slug](solution, stub)
    assert len({s for s in klass.values()}) == len(klass), "two submissions of the class are identical"
    for name, source in klass.items():
        (subs / f"{name}.py").write_text(source, encoding="utf-8")
    out = tmp_path / "out"
    run_course("--root", ROOT, "grade", slug, subs, "--out", out, "--jobs", "2", "--no-resume", "--no-similarity",
               *_engine(), cwd=tmp_path, timeout=1200)
    got = _verdicts(out / "grades.csv")
    golden = GOLDEN / f"{slug}_grades.csv"
    if os.environ.get("VERDICTS_REGENERATE") == "1":
        _write(golden, got)
    want = _verdicts(golden)
    assert [r["submission"] for r in got] == [r["submission"] for r in want]
    # The class must keep telling honest, partial and broken apart, or it proves little.
    by_name = {r["submission"]: r for r in got}
    assert float(by_name["honest"]["score"]) == float(by_name["honest"]["max_score"]) > 0
    assert all(0 < float(r["score"]) < float(r["max_score"]) for n, r in by_name.items() if n.startswith("partial"))
    assert all(float(r["score"]) == 0 for n, r in by_name.items() if n.startswith("broken") or n == "stub")
    problems = []
    for g, w in zip(got, want):
        for column in w:
            a, b = g.get(column, "<missing>"), w[column]
            if column == "reason":
                a, b = _normalise(a), _normalise(b)
            if a != b:
                problems.append(f"{g['submission']} {column}: got {a!r}, golden {b!r}")
    assert not problems, "verdicts changed:\n" + "\n".join(problems)
