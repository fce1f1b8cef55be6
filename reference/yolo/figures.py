"""Reference figures for the yolo walkthrough, drawn with the reference solution at build time
(docs/AUTHORING.md, "Reference figures"). Each is what the walkthrough draws with the student's
own functions, on the same inputs: the letterboxed photos (q6), plant.cfg's detections on the
painted cat and awkward boxes on the camera picture (q8), the annotated video frames (q9) and
k-means anchors over a set of box sizes (q10). The detectors are plant.cfg's hand-set
("synthetic") weights: no trained network is needed, and no number a public test checks appears."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PLANT_ANCHORS = np.array([[8, 8], [16, 16], [24, 24], [32, 32], [48, 48], [64, 64]], np.float32)


def _save(fig, path):
    fig.suptitle("reference", fontsize=9)
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def painted_cat(sol, assets_dir):
    """The walkthrough's photo with a red square, which plant.cfg reports as a cat."""
    image = np.asarray(sol.load_rgb(str(assets_dir / "cat.png"))).copy()
    image[40:160, 260:380] = (255, 0, 0)
    return image


def box_sizes(anchors, n=900, seed=0):
    """A set of box sizes around the given anchors (each jittered by about 15%), as the walkthrough
    makes it for k-means."""
    rng = np.random.default_rng(seed)
    return anchors[rng.integers(0, len(anchors), n)] * np.exp(rng.normal(0, 0.15, (n, 2)))


AWKWARD_BOXES = np.array([[-40, 20, 60, 140],       # half above the picture
                          [150, 200, 151, 330],     # one pixel high
                          [250, 300, 200, 400],     # inverted: skipped
                          [-80, 50, -10, 150]],     # in a band above the picture: skipped
                         np.float32)


def _letterbox(sol, out_dir, assets_dir):
    fig = Figure(figsize=(12, 4), dpi=60)
    for ax, name in zip(fig.subplots(1, 3), ("cat.png", "camera.png", None)):
        if name is None:
            ax.imshow(sol.letterbox(str(assets_dir / "cat.png"), (160, 416)))
            ax.set_title("cat.png into 160 x 416", fontsize=9)
        else:
            ax.imshow(sol.letterbox(str(assets_dir / name)))
            ax.set_title(f"{name} letterboxed, 416 x 416", fontsize=9)
        ax.axis("off")
    return _save(fig, out_dir / "q6_letterbox.png")


def _plant(sol, assets_dir):
    model = sol.build_model(str(assets_dir / "plant.cfg"))
    sol.load_weights(model, str(assets_dir / "plant.weights"))
    return model


def _detections(sol, out_dir, assets_dir, model, names):
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):          # detect_image prints its lines
        annotated, _ = sol.detect_image(model, painted_cat(sol, assets_dir), PLANT_ANCHORS, names)
    camera = np.asarray(sol.load_rgb(str(assets_dir / "camera.png")))
    awkward = sol.draw_detections(camera, AWKWARD_BOXES, np.full(4, 0.9), np.array([2, 15, 0, 7]), names)
    fig = Figure(figsize=(12, 4.5), dpi=60)
    axes = fig.subplots(1, 2)
    axes[0].imshow(annotated)
    axes[0].set_title("plant.cfg finds 'cats' on red", fontsize=9)
    axes[1].imshow(awkward)
    axes[1].set_title("clipped, thin, inverted and outside boxes", fontsize=9)
    for ax in axes:
        ax.axis("off")
    return _save(fig, out_dir / "q8_detections.png")


def _video(sol, out_dir, assets_dir, model, names):
    import contextlib
    import io

    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        out = str(Path(tmp) / "plant_annotated.avi")
        per_frame = sol.detect_video(model, str(assets_dir / "plant_video.avi"), out, PLANT_ANCHORS, names)
        frames = sol.read_frames(out)
    fig = Figure(figsize=(3 * len(frames), 2.2), dpi=60)
    for ax, frame, lines in zip(fig.subplots(1, len(frames)), frames, per_frame):
        ax.imshow(frame)
        ax.set_title(lines[0], fontsize=8)
        ax.axis("off")
    return _save(fig, out_dir / "q9_video.png")


def _anchors(sol, out_dir, assets_dir):
    given = sol.read_anchors(str(assets_dir / "yolo_anchors.txt"))
    wh = box_sizes(given)
    found = sol.kmeans_anchors(wh, 9, 0)
    fig = Figure(figsize=(6, 5), dpi=60)
    ax = fig.subplots()
    ax.scatter(wh[:, 0], wh[:, 1], s=4, alpha=0.3, label="box sizes")
    ax.scatter(found[:, 0], found[:, 1], marker="x", s=80, color="tab:red", label="k-means anchors (k=9)")
    ax.scatter(given[:, 0], given[:, 1], marker="+", s=80, color="black", label="yolo_anchors.txt")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width (pixels)")
    ax.set_ylabel("height (pixels)")
    ax.legend(fontsize=8)
    ax.set_title("anchors by k-means with 1 - IoU", fontsize=9)
    return _save(fig, out_dir / "q10_anchors.png")


def render(solution, out_dir, assets_dir):
    sol, out_dir, assets_dir = solution, Path(out_dir), Path(assets_dir)
    names = sol.read_classes(str(assets_dir / "coco_classes.txt"))
    model = _plant(sol, assets_dir)
    return [_letterbox(sol, out_dir, assets_dir), _detections(sol, out_dir, assets_dir, model, names),
            _video(sol, out_dir, assets_dir, model, names), _anchors(sol, out_dir, assets_dir)]
