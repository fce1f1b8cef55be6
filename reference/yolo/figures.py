"""Reference figures for the yolo walkthrough, drawn with the reference solution at build time
(docs/AUTHORING.md, "Reference figures"). Each is what the walkthrough draws with the student's
own functions, on the same inputs: the letterboxed photos (q6), plant.cfg's detections on the
painted cat and awkward boxes on the camera picture (q8), the annotated video frames (q9) and
k-means anchors over a set of box sizes (q10). The detectors are plant.cfg's hand-set
("synthetic") weights: no trained network is needed, and no number a public test checks appears.

Questions 1 to 5 are drawn from DEMO_CFG, a made-up config that no test reads (the walkthrough
writes the same text to demo.cfg): the section counts, parameter counts and output shapes the tests
check (yolov3.cfg, yolov3-tiny.cfg, small.cfg, plant.cfg, parse_demo.cfg) appear in none of them.
q7 and q11 use plant.cfg's outputs on the painted photo, which no test checks either."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

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


# A made-up darknet config: 64 x 64 input, a stride-2 conv, a residual block, a max pool, two
# [yolo] heads (1 class, so 3 * (5 + 1) = 18 filters) reached through a route and an upsample.
# Its anchors differ from every cfg and test. The walkthrough writes the same text to demo.cfg.
DEMO_CFG = """[net]
width=64
height=64
channels=3

# 0: 3x3 conv, 64 x 64 x 8
[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=leaky

# 1: stride 2 halves the grid: 32 x 32 x 16
[convolutional]
batch_normalize=1
filters=16
size=3
stride=2
pad=1
activation=leaky

# 2-4: a residual block
[convolutional]
batch_normalize=1
filters=8
size=1
stride=1
pad=1
activation=leaky

[convolutional]
batch_normalize=1
filters=16
size=3
stride=1
pad=1
activation=leaky

[shortcut]
from=-3
activation=linear

# 5: 16 x 16 x 16
[maxpool]
size=2
stride=2

# 6: 8 x 8 x 32
[convolutional]
batch_normalize=1
filters=32
size=3
stride=2
pad=1
activation=leaky

# 7-8: the coarse head
[convolutional]
filters=18
size=1
stride=1
pad=1
activation=linear

[yolo]
mask = 3,4,5
anchors = 6,9, 14,11, 20,26, 34,22, 41,50, 60,38
classes=1
num=6

# 9-11: back to layer 5, upsampled, joined with layer 1: 32 x 32 x 32
[route]
layers = -4

[upsample]
stride=2

[route]
layers = -1, 1

# 12-13: the fine head
[convolutional]
filters=18
size=1
stride=1
pad=1
activation=linear

[yolo]
mask = 0,1,2
anchors = 6,9, 14,11, 20,26, 34,22, 41,50, 60,38
classes=1
num=6
"""


def _demo_path(tmp):
    path = Path(tmp) / "demo.cfg"
    path.write_text(DEMO_CFG, encoding="utf-8")
    return str(path)


def _sections(sol, out_dir, demo):
    sections = sol.parse_cfg(demo)
    fig = Figure(figsize=(11, 5), dpi=60)
    ax = fig.subplots()
    ax.axis("off")
    rows = [["net" if i == 0 else str(i - 1), kind, ", ".join(f"{k}={v!r}" for k, v in dict(opts).items())]
            for i, (kind, opts) in enumerate(sections)]
    table = ax.table(cellText=rows, colLabels=["layer", "section", "options (typed)"], loc="center",
                     cellLoc="left", colWidths=[0.07, 0.14, 0.79])
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    ax.set_title("parse_cfg('demo.cfg'): (type, options) in file order", fontsize=9)
    return _save(fig, out_dir / "q1_sections.png")


def _blocks(sol, out_dir, demo):
    sections = sol.parse_cfg(demo)
    convs = sol.conv_summaries(sections)
    fig = Figure(figsize=(11, 4), dpi=60)
    left, right = fig.subplots(1, 2)
    labels = [f"{s['layer']}\n{s['kernel']}x{s['kernel']}/{s['stride']}" for s in convs]
    colours = ["tab:red" if s["stride"] == 2 else "tab:blue" if s["batch_norm"] else "tab:grey" for s in convs]
    left.bar(range(len(convs)), [s["depth"] for s in convs], color=colours)
    left.set_xticks(range(len(convs)), labels, fontsize=8)
    left.set_ylabel("depth (filters)")
    left.set_title("conv blocks: red stride 2, blue batch norm + leaky, grey linear", fontsize=9)
    heads = sol.yolo_heads(sections)
    anchors = np.asarray(heads[0]["anchors"], float)
    for i, (w, h) in enumerate(anchors):
        head = next((n for n, hd in enumerate(heads) if i in list(hd["mask"])), None)
        colour = "lightgrey" if head is None else ("tab:orange", "tab:green")[head % 2]
        right.add_patch(Rectangle((-w / 2, -h / 2), w, h, fill=False, edgecolor=colour, lw=2))
    right.set_xlim(-35, 35)
    right.set_ylim(-30, 30)
    right.set_aspect("equal")
    right.set_title("anchors by head: orange first [yolo], green second", fontsize=9)
    return _save(fig, out_dir / "q2_blocks.png")


def _params(sol, out_dir, demo):
    sections = sol.parse_cfg(demo)
    # count_parameters of each prefix that ends on a conv: the difference is that conv's share
    ends = [i for i, (kind, _) in enumerate(sections) if kind == "convolutional"]
    counts = [sol.count_parameters(sections[:i + 1]) for i in ends]
    trainable = np.diff([0] + [c["trainable"] for c in counts])
    frozen = np.diff([0] + [c["non_trainable"] for c in counts])
    fig = Figure(figsize=(7, 3.5), dpi=60)
    ax = fig.subplots()
    x = np.arange(len(ends))
    ax.bar(x - 0.2, trainable, width=0.4, label="trainable")
    ax.bar(x + 0.2, frozen, width=0.4, label="non-trainable (moving mean, variance)")
    ax.set_xticks(x, [f"layer {i - 1}" for i in ends], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("parameters")
    ax.legend(fontsize=8)
    ax.set_title("demo.cfg: parameters per conv layer", fontsize=9)
    return _save(fig, out_dir / "q3_params.png")


def _grids(sol, out_dir, demo, photo):
    model = sol.build_model(demo)
    shapes = [tuple(s) for s in model.output_shape]
    size = tuple(model.input_shape[1:3])
    boxed = sol.letterbox(photo, size)
    fig = Figure(figsize=(4 * len(shapes), 4.3), dpi=60)
    for ax, shape in zip(fig.subplots(1, len(shapes)), shapes):
        ax.imshow(boxed, extent=(0, size[1], size[0], 0))
        for x in np.linspace(0, size[1], shape[2] + 1):
            ax.axvline(x, color="white", lw=0.6)
        for y in np.linspace(0, size[0], shape[1] + 1):
            ax.axhline(y, color="white", lw=0.6)
        ax.set_title(f"output {shape[1:3]} cells, {shape[3]} values each", fontsize=9)
        ax.axis("off")
    return _save(fig, out_dir / "q4_grids.png")


def demo_weights(model, path, assets_dir):
    """Random darknet weights for a model built from demo.cfg, written by the public asset
    darknet_weights.py as the walkthrough writes them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_darknet_weights", assets_dir / "darknet_weights.py")
    darknet_weights = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(darknet_weights)
    darknet_weights.write_random_weights(path, darknet_weights.conv_specs_from_model(model), seed=1)


def loaded_values(model):
    """The values load_weights set, by kind: Keras keeps them per layer in a fixed order."""
    kinds = {"kernel": [], "bias": [], "gamma": [], "beta": [], "moving mean": [], "moving variance": []}
    for layer in model.layers:
        weights = layer.get_weights()
        if type(layer).__name__ == "BatchNormalization":
            for key, w in zip(["gamma", "beta", "moving mean", "moving variance"], weights):
                kinds[key].append(w.ravel())
        elif type(layer).__name__ == "Conv2D":
            for key, w in zip(["kernel", "bias"], weights):
                kinds[key].append(w.ravel())
    return {k: np.concatenate(v) for k, v in kinds.items() if v}


def _weights(sol, out_dir, assets_dir, demo, tmp):
    model = sol.build_model(demo)
    path = str(Path(tmp) / "demo.weights")
    demo_weights(model, path, assets_dir)
    sol.load_weights(model, path)
    values = loaded_values(model)
    fig = Figure(figsize=(15, 3), dpi=60)
    for ax, (kind, v) in zip(fig.subplots(1, len(values)), values.items()):
        ax.hist(v, bins=30)
        ax.set_title(kind, fontsize=9)
        ax.set_yticks([])
    return _save(fig, out_dir / "q5_weights.png")


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


def plant_input(sol, assets_dir):
    """The painted photo letterboxed for plant.cfg (64 x 64), scaled to [0, 1], with a batch axis."""
    return sol.letterbox(painted_cat(sol, assets_dir), (64, 64))[None].astype(np.float32) / 255.0


def _centres(sol, out_dir, assets_dir, model):
    image = painted_cat(sol, assets_dir)
    outputs = model.predict(plant_input(sol, assets_dir), verbose=0)
    masks = [h["mask"] for h in sol.yolo_heads(sol.parse_cfg(str(assets_dir / "plant.cfg")))]
    boxes, scores = sol.decode_outputs(outputs, PLANT_ANCHORS, 80, (64, 64), image.shape[:2], masks)
    fig = Figure(figsize=(7, 5), dpi=60)
    ax = fig.subplots()
    ax.imshow(image)
    y, x = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    best = scores.max(axis=1)
    order = np.argsort(best)                    # the highest scores drawn last, on top
    dots = ax.scatter(x[order], y[order], c=best[order], s=10, cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(dots, ax=ax, label="best class score")
    ax.set_title("decoded centres of plant.cfg's candidate boxes", fontsize=9)
    return _save(fig, out_dir / "q7_centres.png")


def _reload(sol, out_dir, assets_dir, model, tmp):
    back = sol.save_and_reload(model, str(Path(tmp) / "plant.keras"))
    x = plant_input(sol, assets_dir)
    before = np.concatenate([np.ravel(o) for o in model.predict(x, verbose=0)])
    after = np.concatenate([np.ravel(o) for o in back.predict(x, verbose=0)])
    fig = Figure(figsize=(5, 5), dpi=60)
    ax = fig.subplots()
    ax.scatter(before, after, s=6, alpha=0.5)
    ax.set_xlabel("plant model output")
    ax.set_ylabel("after save_and_reload")
    ax.set_title("every output value, before vs after", fontsize=9)
    ax.set_aspect("equal")
    return _save(fig, out_dir / "q11_reload.png")


def render(solution, out_dir, assets_dir):
    sol, out_dir, assets_dir = solution, Path(out_dir), Path(assets_dir)
    names = sol.read_classes(str(assets_dir / "coco_classes.txt"))
    model = _plant(sol, assets_dir)
    with tempfile.TemporaryDirectory() as tmp:
        demo = _demo_path(tmp)
        early = [_sections(sol, out_dir, demo), _blocks(sol, out_dir, demo), _params(sol, out_dir, demo),
                 _grids(sol, out_dir, demo, str(assets_dir / "cat.png")), _weights(sol, out_dir, assets_dir, demo, tmp)]
        reload = _reload(sol, out_dir, assets_dir, model, tmp)
    return early + [_letterbox(sol, out_dir, assets_dir), _centres(sol, out_dir, assets_dir, model),
                    _detections(sol, out_dir, assets_dir, model, names),
                    _video(sol, out_dir, assets_dir, model, names), _anchors(sol, out_dir, assets_dir), reload]
