"""Reference figures for the image_tensors walkthrough, drawn with the reference solution at build
time (docs/AUTHORING.md, "Reference figures"). Each is drawn the way the walkthrough draws the
student's own result, so the two can be compared; one or more per exercise. None prints a value a
public test asks for (the describe_image figure shows pixels, not the dict).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def _save(fig, path):
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _row(images, titles, figsize, **imshow):
    fig = Figure(figsize=figsize, dpi=60)
    axes = fig.subplots(1, len(images))
    for ax, image, title in zip(np.atleast_1d(axes), images, titles):
        ax.imshow(image, **imshow)
        ax.set_title(title)
        ax.axis("off")
    return fig


def render(solution, out_dir, assets_dir):
    sol, out, assets = solution, Path(out_dir), Path(assets_dir)
    paths = []
    photos = {name: sol.load_image(str(assets / name)) for name in ["cat.jpg", "camera.png", "cat_rgba.png"]}
    paths.append(_save(_row(list(photos.values()), list(photos), (12, 3)), out / "q1_load_image.png"))

    # q2: what a palette file stores (indices, shown in grey) next to what it means (its RGB).
    from PIL import Image
    with Image.open(assets / "cat_palette.png") as palette:
        indices = np.asarray(palette)
    paths.append(_save(_row([indices, sol.load_image(str(assets / "cat_palette.png"))],
                            ["stored: palette indices (mode 'P')", "converted: RGB"], (9, 3), cmap="gray"),
                       out / "q2_palette.png"))

    cat = sol.load_image(str(assets / "cat.png"))
    planes = sol.to_channels_first(cat)
    fig = Figure(figsize=(12, 3), dpi=60)
    for ax, plane, cmap in zip(fig.subplots(1, 3), planes, ["Reds", "Greens", "Blues"]):
        ax.imshow(plane, cmap=cmap)
        ax.set_title(f"{cmap[:-1].lower()} plane {plane.shape}")
        ax.axis("off")
    paths.append(_save(fig, out / "q3_planes.png"))

    patch = sol.centre_patch(cat, 224)
    paths.append(_save(_row([cat, patch], [f"cat {cat.shape[:2]}", f"centre patch {patch.shape[:2]}"], (9, 3)),
                       out / "q4_centre_patch.png"))

    rocket = sol.load_image(str(assets / "rocket.jpg"))
    small, square = sol.thumbnail(rocket, 224), sol.resize_and_crop(rocket, 224)
    paths.append(_save(_row([rocket, small, square], [f"original {rocket.shape[:2]}", f"thumbnail {small.shape[:2]}",
                                                      f"resize_and_crop {square.shape[:2]}"], (12, 3.5)),
                       out / "q5_resize.png"))

    # q6: the counts as an image: one row per channel, value 0..255 left to right, log counts.
    hists = sol.channel_histograms(cat)
    fig = Figure(figsize=(8, 2.5), dpi=60)
    ax = fig.subplots()
    ax.imshow(np.log1p(hists), aspect="auto", cmap="magma", extent=(-0.5, 255.5, 2.5, -0.5))
    ax.set_yticks([0, 1, 2], ["R", "G", "B"])
    ax.set_xlabel("pixel value")
    ax.set_title("channel_histograms(cat): log(1 + count)")
    fig.tight_layout()
    paths.append(_save(fig, out / "q6_histograms.png"))

    picture = sol.plot_histograms(hists, width=640, height=360)
    paths.append(_save(_row([picture], ["plot_histograms(hists, 640, 360)"], (8, 4.5)), out / "q7_histogram_plot.png"))

    grey = sol.to_greyscale(cat)
    paths.append(_save(_row([grey], ["to_greyscale(cat)"], (6, 4), cmap="gray", vmin=0, vmax=255),
                       out / "q8_greyscale.png"))

    # q9: how the count grows with the image side (log scale, no numbers printed). The sides are
    # powers of two, so no point sits on a shape the tests ask about (224, 28, 7 x 7 x 512).
    sides = [32, 64, 128, 256, 512]
    fig = Figure(figsize=(6, 3.5), dpi=60)
    ax = fig.subplots()
    ax.semilogy(sides, [sol.feature_count((n, n, 3)) for n in sides], "o-", label="features of an n x n x 3 image")
    ax.semilogy(sides, [sol.dense_params((n, n, 3), 1000) for n in sides], "s-", label="Dense(1000) parameters")
    ax.set_xlabel("image side n")
    ax.legend()
    fig.tight_layout()
    paths.append(_save(fig, out / "q9_counts.png"))
    return paths
