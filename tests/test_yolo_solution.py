"""The yolo reference solution against independent oracles on inputs the otter tests do not use:
a generic numpy darknet forward pass (any cfg: small, plant, and YOLOv3-tiny at 64x64 with random
weights), Keras's own parameter counts, tf.image.non_max_suppression, keras-yolo3's print format,
and an .mp4 output video."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "reference" / "yolo"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load(REF / "generate.py", "yolo_generate_for_solution")
import darknet_weights as dw  # noqa: E402  (generate.py put reference/yolo on sys.path)

yolo = _load(ROOT / "solutions" / "yolo" / "yolo.py", "yolo_solution")


@pytest.fixture(scope="module")
def assets(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("yolo_solution_assets")
    gen.generate(out / "public", out / "hidden", 2027)
    return out / "public"


def numpy_darknet(sections, layers, x):
    """A plain darknet forward pass of one (H, W, C) image in float64: the oracle."""
    outs, results, params = [], [], iter(layers)
    for i, (kind, opts) in enumerate(sections[1:]):
        prev = outs[-1] if outs else x
        if kind == "convolutional":
            p = next(params)
            k, stride = opts["size"], opts.get("stride", 1)
            pad = k // 2 if opts.get("pad") else 0
            xp = np.pad(prev, ((pad, pad), (pad, pad), (0, 0)))
            win = sliding_window_view(xp, (k, k), axis=(0, 1))[::stride, ::stride]
            y = np.einsum("hwcij,fcij->hwf", win, p["weights"].astype(np.float64))
            if "scales" in p:
                # darknet's normalisation (its epsilon, not Keras's default 1e-3)
                y = (y - p["rolling_mean"]) / np.sqrt(p["rolling_variance"] + 1e-6) * p["scales"] + p["biases"]
            else:
                y = y + p["biases"]
            if opts["activation"] == "leaky":
                y = np.where(y > 0, y, 0.1 * y)
        elif kind == "shortcut":
            y = prev + outs[i + opts["from"]]
        elif kind == "route":
            named = opts["layers"] if isinstance(opts["layers"], list) else [opts["layers"]]
            y = np.concatenate([outs[j if j >= 0 else i + j] for j in named], axis=-1)
        elif kind == "upsample":
            y = prev.repeat(opts["stride"], axis=0).repeat(opts["stride"], axis=1)
        elif kind == "maxpool":
            size, stride = opts["size"], opts["stride"]
            h, w, c = prev.shape
            oh, ow = -(-h // stride), -(-w // stride)
            padded = np.full(((oh - 1) * stride + size, (ow - 1) * stride + size, c), -np.inf)
            padded[:h, :w] = prev             # Keras 'same' / darknet: the extra rows go bottom-right
            y = sliding_window_view(padded, (size, size), axis=(0, 1))[::stride, ::stride].max(axis=(-2, -1))
        elif kind == "yolo":
            results.append(prev)
            y = prev
        outs.append(y)
    return results


def _tiny_at(size: int, assets: Path, tmp_path: Path) -> Path:
    text = (assets / "yolov3-tiny.cfg").read_text().replace("width=416", f"width={size}").replace("height=416", f"height={size}")
    path = tmp_path / f"tiny{size}.cfg"
    path.write_text(text)
    return path


# An odd-sized input through stride-2 convs: darknet's grid is (in + 2 * (size // 2) - size) // 2 + 1,
# 33 x 35 -> 17 x 18 -> 9 x 9 (top-left-only padding would give 16 x 17 -> 8 x 8). The variances are
# small (about 1e-3), where Keras's default epsilon 1e-3 would differ from darknet's by ~30%.
ODD_CFG = """[net]
width=35
height=33
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
activation=leaky

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
activation=leaky

[convolutional]
filters=21
size=1
stride=1
pad=1
activation=linear

[yolo]
mask = 0,1,2
anchors = 4,6, 8,8, 12,10
classes=2
num=3
"""


@pytest.mark.parametrize("name", ["small", "plant", "tiny64", "odd"])
def test_build_and_load_match_numpy_darknet(name, assets, tmp_path):
    if name == "odd":
        cfg = tmp_path / "odd.cfg"
        cfg.write_text(ODD_CFG)
        layers = dw.random_layers(gen.conv_specs(gen.read_cfg(ODD_CFG)), np.random.default_rng(3))
        for layer in layers:
            if "rolling_variance" in layer:
                layer["rolling_variance"] = np.full_like(layer["rolling_variance"], 1e-3)
        weights = tmp_path / "odd.weights"
        dw.write_weights(weights, layers)
    elif name == "tiny64":
        cfg = _tiny_at(64, assets, tmp_path)
        specs = gen.conv_specs(gen.read_cfg(cfg.read_text()))
        weights = tmp_path / "tiny64.weights"
        dw.write_random_weights(weights, specs, seed=1)
    else:
        cfg, weights = assets / f"{name}.cfg", assets / f"{name}.weights"
    sections = gen.read_cfg(cfg.read_text())
    _, layers = dw.read_weights(weights, gen.conv_specs(sections))

    model = yolo.build_model(str(cfg))
    assert yolo.load_weights(model, str(weights)).startswith("Read ")
    assert model.count_params() == yolo.count_parameters(yolo.parse_cfg(str(cfg)))["total"]
    net = sections[0][1]
    rng = np.random.default_rng(0)
    x = rng.random((net["height"], net["width"], 3))
    if name == "plant":
        x = gen.plant_frame(3, 5)[:, 32:96] / 255.0            # a red square somewhere on 64x64
    got = model.predict(x[None].astype(np.float32), verbose=0)
    got = got if isinstance(got, list) else [got]
    if name == "odd":
        assert [g.shape[1:3] for g in got] == [(9, 9)], "darknet's grid on odd sizes"
    for g, want in zip(got, numpy_darknet(sections, layers, x)):
        assert g[0].shape == want.shape
        assert np.max(np.abs(g[0] - want)) <= 1e-3 * max(1.0, np.max(np.abs(want))), name


def test_parse_matches_reference_parser(assets):
    for name in ("yolov3.cfg", "yolov3-tiny.cfg", "small.cfg", "plant.cfg", "parse_demo.cfg"):
        assert [tuple(s) for s in yolo.parse_cfg(str(assets / name))] == gen.read_cfg((assets / name).read_text())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nms_matches_tensorflow(seed):
    import tensorflow as tf

    rng = np.random.default_rng(100 + seed)
    m, c = 600, 5
    corners = rng.uniform(0, 400, (m, 2))
    boxes = np.hstack([corners, corners + rng.uniform(10, 120, (m, 2))]).astype(np.float32)
    scores = (rng.uniform(0, 1, (m, c)) ** 2).astype(np.float32)
    got_boxes, got_scores, got_classes = yolo.filter_boxes(boxes, scores, 0.3, 0.45, 20)
    want = []
    for k in range(c):
        idx = np.flatnonzero(scores[:, k] >= 0.3)
        for s in tf.image.non_max_suppression(boxes[idx], scores[idx, k], 20, 0.45).numpy():
            want.append((scores[idx[s], k], k, idx[s]))
    want.sort(key=lambda t: -t[0])
    assert got_classes.tolist() == [k for _, k, _ in want]
    assert np.array_equal(got_boxes, boxes[[i for _, _, i in want]])
    assert np.array_equal(got_scores, np.array([s for s, _, _ in want], np.float32))


def test_detection_lines_match_keras_yolo3_print():
    """keras-yolo3 prints `label, (left, top), (right, bottom)` with print(); compare with that."""
    rng = np.random.default_rng(4)
    boxes = rng.uniform(-50, 350, (30, 4)).astype(np.float32)
    boxes[:, 2:] += boxes[:, :2].clip(0)
    scores = rng.uniform(0.3, 1, 30).astype(np.float32)
    classes = rng.integers(0, 80, 30)
    names = [f"class{i}" for i in range(80)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print("Found {} boxes for {}".format(len(boxes), "img"))
        for i, c in enumerate(classes):
            top, left, bottom, right = boxes[i]
            top = max(0, int(np.floor(top + 0.5).astype("int32")))
            left = max(0, int(np.floor(left + 0.5).astype("int32")))
            bottom = min(240, int(np.floor(bottom + 0.5).astype("int32")))
            right = min(320, int(np.floor(right + 0.5).astype("int32")))
            print("{} {:.2f}".format(names[c], scores[i]), (left, top), (right, bottom))
    assert yolo.detection_lines(boxes, scores, classes, names, (240, 320)) == out.getvalue().splitlines()


def test_video_to_mp4(assets, tmp_path):
    model = yolo.build_model(str(assets / "plant.cfg"))
    yolo.load_weights(model, str(assets / "plant.weights"))
    names = yolo.read_classes(str(assets / "coco_classes.txt"))
    anchors = np.array(gen.PLANT_ANCHORS, np.float32)
    per_frame = yolo.detect_video(model, str(assets / "plant_video.avi"), str(tmp_path / "out.mp4"), anchors, names)
    frames = yolo.read_frames(str(tmp_path / "out.mp4"))
    assert len(frames) == len(per_frame) == len(gen.PLANT_VIDEO_CELLS)
    for lines, (row, col) in zip(per_frame, gen.PLANT_VIDEO_CELLS):
        if row < 0:
            assert lines == ["Found 0 boxes for img"]
            continue
        top, left, bottom, right = gen.plant_box(row, col)
        assert lines[1].endswith(f"({max(0, left)}, {max(0, top)}) ({min(128, right)}, {min(64, bottom)})"), lines
