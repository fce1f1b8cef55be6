"""Reference figures for the convolution walkthrough, drawn with the reference solution at build
time (docs/AUTHORING.md, "Reference figures"). Each picture is drawn exactly as the walkthrough
draws the student's own result, so the two can be compared side by side. One per exercise; none
gives a public test's answer (the conv-demo figure is a worked example, not one of the puzzles).
"""
from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image


def _save(fig, path):
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _output_volume(sol, out_dir):
    """q1: one 'same' setting drawn on its padded input: the zeros and where each window starts."""
    n, k, s = 7, 4, 2
    (top, bottom), (left, right) = sol.padding_amounts(n, k, s, "same"), sol.padding_amounts(n, k, s, "same")
    h_out, w_out, _ = sol.output_shape((n, n, 1), k, s, 1, "same")
    fig = Figure(figsize=(5, 5), dpi=80)
    ax = fig.subplots()
    for r in range(-top, n + bottom):
        for c in range(-left, n + right):
            inside = 0 <= r < n and 0 <= c < n
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor="white" if inside else "#d9d9d9", edgecolor="#999999"))
    for i in range(h_out):
        for j in range(w_out):
            ax.plot(j * s - left + 0.5, i * s - top + 0.5, "o", color="tab:red")
    ax.add_patch(Rectangle((-left, -top), k, k, fill=False, edgecolor="tab:red", linewidth=2))
    ax.set_xlim(-left - 0.2, n + right + 0.2)
    ax.set_ylim(n + bottom + 0.2, -top - 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"n={n}, k={k}, s={s}, 'same': pads ({top}, {bottom}); "
                 f"dots = window starts, {h_out}x{w_out} output", fontsize=9)
    return _save(fig, out_dir / "q1_same_padding.png")


def correlation_panels(cross_correlate, true_convolve):
    """q2: a single bright pixel under a corner kernel, correlated and convolved (4 panels)."""
    dot = np.zeros((7, 7))
    dot[3, 3] = 1.0
    corner = np.zeros((3, 3))
    corner[0, 0] = 1.0
    return [("image", dot), ("kernel", corner),
            ("cross_correlate, same", cross_correlate(dot, corner, 1, "same")),
            ("true_convolve, same", true_convolve(dot, corner, 1, "same"))]


def _correlation(sol, out_dir):
    fig = Figure(figsize=(13, 3), dpi=80)
    for ax, (label, image) in zip(fig.subplots(1, 4), correlation_panels(sol.cross_correlate, sol.true_convolve)):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{label} {image.shape}")
        ax.set_xticks([])
        ax.set_yticks([])
    return _save(fig, out_dir / "q2_correlation.png")


def cat_filters():
    """q3's three hand-made 3x3x3 filters (vertical and horizontal Sobel, red minus blue)."""
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
    weights = np.zeros((3, 3, 3, 3), np.float32)
    weights[:, :, :, 0] = sobel[:, :, None] / 3
    weights[:, :, :, 1] = sobel.T[:, :, None] / 3
    weights[1, 1, :, 2] = [1, 0, -1]
    return weights, np.zeros(3, np.float32)


def _conv_layer(sol, out_dir, assets_dir):
    cat = np.asarray(Image.open(assets_dir / "cat.png").convert("RGB"), dtype=np.float32) / 255
    weights, bias = cat_filters()
    maps = sol.conv_forward(cat, weights, bias, stride=1, padding="same")
    fig = Figure(figsize=(16, 3), dpi=60)
    axes = fig.subplots(1, 4)
    axes[0].imshow(cat)
    axes[0].set_title("cat")
    for ax, f, label in zip(axes[1:], range(3), ["vertical edges", "horizontal edges", "red - blue"]):
        ax.imshow(maps[:, :, f], cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(f"filter {f}: {label}")
    for ax in axes:
        ax.axis("off")
    return _save(fig, out_dir / "q3_conv_layer.png")


def _parameters(sol, out_dir):
    """q4: how the two counts grow with the image side (log scale, no numbers printed)."""
    sides = [32, 64, 128, 224, 448]
    dense = [sol.dense_vs_conv((n, n, 3), 64, 3, 64)["dense"] for n in sides]
    conv = [sol.dense_vs_conv((n, n, 3), 64, 3, 64)["conv"] for n in sides]
    fig = Figure(figsize=(6, 3.5), dpi=80)
    ax = fig.subplots()
    ax.semilogy(sides, dense, "o-", label="Dense(64) on the flattened image")
    ax.semilogy(sides, conv, "s-", label="Conv2D(64, 3x3)")
    ax.set_xlabel("image side n (n x n x 3)")
    ax.set_ylabel("parameters (log scale)")
    ax.legend()
    fig.tight_layout()
    return _save(fig, out_dir / "q4_parameters.png")


def _edges(sol, out_dir, assets_dir):
    grey = sol.load_grey(str(assets_dir / "cat.png"))
    edges = sol.laplacian_edges(grey)
    fig = Figure(figsize=(12, 4), dpi=60)
    axes = fig.subplots(1, 2)
    axes[0].imshow(grey, cmap="gray")
    axes[0].set_title(f"grey cat {grey.shape}")
    axes[1].imshow(np.abs(edges), cmap="gray_r", vmax=0.5)
    axes[1].set_title(f"|Laplacian| {edges.shape}")
    for ax in axes:
        ax.axis("off")
    return _save(fig, out_dir / "q5_edges.png")


def _conv_demo_example(out_dir):
    """q6: a worked example drawn like the puzzles, with its answer (not one of the puzzles)."""
    spec = importlib.util.spec_from_file_location("_conv_demo_generate", Path(__file__).with_name("generate.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    h, w, c, k, s, padding, depth = 6, 7, 3, 3, 2, "same", 8
    puzzle = {"input": [h, w, c], "output": [gen._out_len(h, k, s, padding), gen._out_len(w, k, s, padding), depth],
              "windows": gen._windows(h, w, k, s, padding)}
    picture = Image.open(io.BytesIO(gen._draw(0, puzzle, k, s, padding)))
    fig = Figure(figsize=(9, 4.8), dpi=80)
    ax = fig.subplots()
    ax.imshow(picture)
    ax.axis("off")
    fig.text(0.5, 0.06, f"worked example: kernel {k}, stride {s}, depth {depth} (filters), padding {padding!r}",
             ha="center", fontsize=12)
    return _save(fig, out_dir / "q6_example_puzzle.png")


def render(solution, out_dir, assets_dir):
    out_dir, assets_dir = Path(out_dir), Path(assets_dir)
    return [
        _output_volume(solution, out_dir),
        _correlation(solution, out_dir),
        _conv_layer(solution, out_dir, assets_dir),
        _parameters(solution, out_dir),
        _edges(solution, out_dir, assets_dir),
        _conv_demo_example(out_dir),
    ]
