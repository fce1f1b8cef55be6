"""Reference figures: reference/<slug>/figures.py draws PNGs with the reference solution at
build time; the student bundle ships them as figures/<name>.png, byte-identical build to build,
and never the solution's code."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from autograder.build import figures
from autograder.build.errors import BuildError
from autograder.config import load_course
from conftest import run_course

FIGURES = '''\
import matplotlib.pyplot as plt
import numpy as np


def render(solution, out_dir, assets_dir):
    data = np.loadtxt(assets_dir / "numbers.txt")
    fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
    ax.plot(solution.scale(data, 2.0), color="red")
    ax.set_axis_off()
    line = out_dir / "scaled.png"
    fig.savefig(line)
    plt.close(fig)
    # A plain array picture too: exact pixels the test can check against the solution.
    square = out_dir / "square.png"
    plt.imsave(square, np.full((4, 6), solution.add(1, 2), dtype=np.uint8), cmap="gray", vmin=0, vmax=3)
    return [line, square]
'''


def _zip(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_figures_ship_deterministically_without_solution_code(mini_course, tmp_path):
    (mini_course / "reference/mini/figures.py").write_text(FIGURES)
    run_course("--root", mini_course, "build", "mini", "--out", tmp_path / "a")
    run_course("--root", mini_course, "build", "mini", "--out", tmp_path / "b")
    a = (tmp_path / "a/student/mini.zip").read_bytes()
    assert a == (tmp_path / "b/student/mini.zip").read_bytes(), "two builds with figures differ"
    files = _zip(tmp_path / "a/student/mini.zip")
    assert {"mini/figures/scaled.png", "mini/figures/square.png"} <= set(files)
    assert not any("figures.py" in n for n in files), sorted(files)
    square = np.asarray(Image.open(io.BytesIO(files["mini/figures/square.png"])).convert("L"))
    assert square.shape == (4, 6) and (square == 255).all(), "add(1, 2) = 3 = vmax should be white"
    for name in ("scaled.png", "square.png"):
        chunks = files[f"mini/figures/{name}"]
        assert b"tEXt" not in chunks and b"Software" not in chunks, f"{name} keeps its metadata"
    assert not any(b"float(k)" in d for d in files.values())
    # The autograder zip has no use for them.
    assert not any("figures/" in n for n in _zip(tmp_path / "a/autograder/mini.zip"))


@pytest.mark.parametrize("body, words", [
    ("def render(solution, out_dir, assets_dir):\n    return [out_dir / 'missing.png']\n",
     "render returned missing.png, which it did not write"),
    ("def render(solution, out_dir, assets_dir):\n    (out_dir / 'a.jpg').write_bytes(b'x')\n"
     "    return [out_dir / 'a.jpg']\n", r"expected out_dir / '<name>.png'"),
    ("def render(solution, out_dir, assets_dir):\n    solution.add(1)\n", r"render failed: TypeError"),
    ("def draw(solution, out_dir, assets_dir):\n    return []\n", r"must define render"),
    ("def render(solution, out_dir, assets_dir):\n    (out_dir / 'a.png').write_bytes(b'no png')\n"
     "    return [out_dir / 'a.png']\n", "not a readable PNG"),
])
def test_broken_figures_fail_the_build_naming_the_file(mini_course, body, words):
    (mini_course / "reference/mini/figures.py").write_text(body)
    a = load_course(mini_course).get("mini")
    with pytest.raises(BuildError, match=words) as info:
        figures.render(a, 1)
    assert "reference/mini/figures.py" in str(info.value)


def test_no_figures_script_no_figures(mini_course):
    assert figures.render(load_course(mini_course).get("mini"), 1) == {}


def test_walkthrough_can_open_its_figures(mini_course):
    """A walkthrough cell reading figures/<name>.png runs under `course validate` (which runs the
    notebook in the unzipped student bundle)."""
    (mini_course / "reference/mini/figures.py").write_text(FIGURES)
    p = mini_course / "assignments/mini/templates/walkthrough.py.j2"
    p.write_text(p.read_text() + "\n# %% [markdown]\n# ![the reference](figures/square.png)\n\n# %%\n"
                 "from PIL import Image\nassert Image.open('figures/square.png').size == (6, 4)\n")
    proc = run_course("--root", mini_course, "validate", "mini", "--engine", "inprocess")
    assert "ok" in proc.stdout
    p.write_text(p.read_text().replace("figures/square.png').size", "figures/missing.png').size"))
    proc = run_course("--root", mini_course, "validate", "mini", "--engine", "inprocess", check=False)
    assert proc.returncode == 1 and "FileNotFoundError" in proc.stderr and "walkthrough cell" in proc.stderr
