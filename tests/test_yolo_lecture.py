"""The yolo reference solution on issue 14's items: drawing any box (thin, inverted, outside the
picture) against PIL drawing the clipped box, the [yolo] sections' masks and anchors (against the
upstream cfgs in ../shared when present), masks reaching decode_outputs, the vectorised NMS against
tf.image.non_max_suppression on many small classes, k-means anchors against an independent
implementation and planted clusters, and saving then loading a model with compile=False."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "reference-data" / "yolo"
needs_upstream = pytest.mark.skipif(not UPSTREAM.is_dir(), reason="../shared/reference-data/yolo is absent")


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load(ROOT / "reference" / "yolo" / "generate.py", "yolo_generate_for_lecture")
yolo = _load(ROOT / "solutions" / "yolo" / "yolo.py", "yolo_solution_lecture")


# ------------------------------------------------------------------------------ drawing


def _pil_oracle(image, boxes, classes, names, score):
    """PIL on each box clipped to the picture by hand, skipping what has no area, outline width
    capped at the box: the rule the docstring states, written independently."""
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    h, w = image.shape[:2]
    for (t, l, b, r), c in zip(boxes, classes):
        t, l, b, r = (int(np.floor(v + 0.5)) for v in (t, l, b, r))
        t, l, b, r = max(t, 0), max(l, 0), min(b, h), min(r, w)
        if r - l < 1 or b - t < 1:
            continue
        colour = yolo.class_colours(len(names))[c]
        width = min(max(1, (w + h) // 300), (min(r - l, b - t) + 2) // 2)
        for i in range(width):
            draw.rectangle([l + i, t + i, r - i, b - i], outline=colour)
        label = f"{names[c]} {score:.2f}"
        x0, y0, x1, y1 = draw.textbbox((0, 0), label, font=font)
        y = t - (y1 - y0) - 1 if t - (y1 - y0) - 1 >= 0 else t + 1
        draw.rectangle([(l, y), (l + x1 - x0, y + y1 - y0)], fill=colour)
        draw.text((l - x0, y - y0), label, fill=(0, 0, 0), font=font)
    return np.asarray(canvas)


AWKWARD = {
    "thin (1 px after rounding, outline 3)": [200.2, 100, 201.4, 300],
    "thin vertical": [100, 300.4, 300, 301.2],
    "inverted": [50, 300, 20, 100],
    "above and left of the picture": [-50, -80, -10, -5],
    "below the picture": [450, 100, 500, 200],
    "in the top letterbox band": [-40, 100, -1, 300],
    "half outside, top right": [-30, 550, 50, 700],
    "zero height": [10, 10, 10.2, 50],
    "ordinary": [120, 40, 260, 200],
}


@pytest.mark.parametrize("what", list(AWKWARD))
def test_draw_any_box_like_pil_on_the_clipped_box(what):
    image = np.random.default_rng(0).integers(0, 256, (400, 600, 3), dtype=np.uint8)
    boxes = np.array([AWKWARD[what]], np.float32)
    got = yolo.draw_detections(image, boxes, np.array([0.9]), np.array([1]), ["a", "b", "c"])
    want = _pil_oracle(image, boxes, [1], ["a", "b", "c"], 0.9)
    assert np.array_equal(got, want), f"{what}: {np.sum(np.any(got != want, axis=2))} pixels differ"


def test_draw_all_awkward_boxes_at_once_keeps_the_good_one():
    image = np.full((400, 600, 3), 90, np.uint8)
    boxes = np.array(list(AWKWARD.values()), np.float32)
    classes = np.arange(len(boxes)) % 3
    got = yolo.draw_detections(image, boxes, np.full(len(boxes), 0.5), classes, ["a", "b", "c"])
    want = _pil_oracle(image, boxes, classes, ["a", "b", "c"], 0.5)
    assert np.array_equal(got, want)
    empty = ["inverted", "above and left of the picture", "below the picture", "in the top letterbox band", "zero height"]
    only_empty = np.array([AWKWARD[k] for k in empty], np.float32)
    same = yolo.draw_detections(image, only_empty, np.full(len(empty), 0.5), np.zeros(len(empty), int), ["a"])
    assert np.array_equal(same, image), "boxes with no area on the picture draw nothing"


# ---------------------------------------------------------------------- masks and anchors


def test_yolo_heads_of_the_course_cfgs(tmp_path):
    gen.generate(tmp_path, tmp_path / "hidden", 2027)
    arch = gen.load_architecture()
    for name, model in (("yolov3.cfg", "yolov3"), ("yolov3-tiny.cfg", "yolov3_tiny")):
        heads = yolo.yolo_heads(yolo.parse_cfg(str(tmp_path / name)))
        assert [h["mask"] for h in heads] == [h["mask"] for h in arch[model]["heads"]]
        for h in heads:
            assert np.array_equal(h["anchors"], np.array(arch[model]["anchors"], np.float32)) and h["classes"] == 80
    small = yolo.yolo_heads(yolo.parse_cfg(str(tmp_path / "small.cfg")))
    assert [(h["layer"], h["mask"], h["classes"]) for h in small] == [(8, [3, 4, 5], 2), (15, [1, 2, 3], 2)]


@needs_upstream
@pytest.mark.parametrize("name, masks", [("yolov3.cfg", [[6, 7, 8], [3, 4, 5], [0, 1, 2]]),
                                         ("yolov3-tiny.cfg", [[3, 4, 5], [1, 2, 3]]),
                                         ("darknet/yolov3.cfg", [[6, 7, 8], [3, 4, 5], [0, 1, 2]]),
                                         ("darknet/yolov3-tiny.cfg", [[3, 4, 5], [0, 1, 2]])])
def test_yolo_heads_of_the_upstream_cfgs(name, masks):
    """keras-yolo3's tiny cfg (and code) use anchors 1,2,3 on the fine scale, darknet's 0,1,2."""
    heads = yolo.yolo_heads(yolo.parse_cfg(str(UPSTREAM / name)))
    assert [h["mask"] for h in heads] == masks
    anchors_file = "tiny_yolo_anchors.txt" if "tiny" in name else "yolo_anchors.txt"
    listed = yolo.read_anchors(str(UPSTREAM / anchors_file))
    assert all(np.array_equal(h["anchors"], listed) for h in heads)


def test_yolo_heads_defaults_and_errors():
    heads = yolo.yolo_heads([("net", {}), ("yolo", {"anchors": [1, 2, 3, 4], "mask": 1})])
    assert heads[0]["mask"] == [1] and heads[0]["classes"] == 20 and heads[0]["anchors"].shape == (2, 2)
    assert yolo.yolo_heads([("net", {}), ("yolo", {"anchors": [1, 2, 3, 4]})])[0]["mask"] == [0, 1]
    with pytest.raises(ValueError, match="layer 0"):
        yolo.yolo_heads([("net", {}), ("yolo", {"anchors": [1, 2, 3]})])
    with pytest.raises(ValueError, match="layer 1"):
        yolo.yolo_heads([("net", {}), ("maxpool", {}), ("yolo", {"anchors": [1, 2, 3, 4], "mask": [0, 2]})])


def test_decode_follows_the_masks_given():
    """darknet's tiny masks move the fine scale's boxes onto anchors 0,1,2: a box's width is
    exp(t_w) * its anchor's width, so zero logits give exactly the anchors of the mask."""
    anchors = np.array([[10, 14], [23, 27], [37, 58], [81, 82], [135, 169], [344, 319]], np.float32)
    outputs = [np.zeros((1, 2, 2, 3 * 7), np.float32), np.zeros((1, 4, 4, 3 * 7), np.float32)]
    for masks, fine in ((None, [1, 2, 3]), ([[3, 4, 5], [1, 2, 3]], [1, 2, 3]), ([[3, 4, 5], [0, 1, 2]], [0, 1, 2])):
        boxes, _ = yolo.decode_outputs(outputs, anchors, 2, (64, 64), (64, 64), masks)
        widths = (boxes[12:, 3] - boxes[12:, 1]).reshape(16, 3)
        assert np.allclose(widths, anchors[fine, 0][None, :]), (masks, widths[0])
    one = yolo.decode_outputs(outputs[:1], anchors, 2, (64, 64), (64, 64), [[0, 1, 2]])
    assert one[0].shape == (12, 4)
    for bad in ([[3, 4, 5]], [[3, 4, 5], [0, 1, 9]]):
        with pytest.raises(ValueError):
            yolo.decode_outputs(outputs, anchors, 2, (64, 64), (64, 64), bad)


# ----------------------------------------------------------------------------- fast NMS


@pytest.mark.parametrize("seed, max_boxes", [(0, 20), (1, 2), (2, 1)])
def test_nms_on_many_small_classes_matches_tensorflow(seed, max_boxes):
    """Many classes with a few overlapping boxes each (the padded path) and one crowded class
    (the per-class path), against tf.image.non_max_suppression class by class."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    m, c = 500, 60
    corners = rng.uniform(0, 200, (m, 2))
    boxes = np.hstack([corners, corners + rng.uniform(5, 60, (m, 2))]).astype(np.float32)
    scores = np.where(rng.random((m, c)) < 0.03, rng.uniform(0.3, 1, (m, c)), 0).astype(np.float32)
    scores[:, 7] = rng.uniform(0, 1, m)                     # the crowded class
    scores[:5, 9] = 0.5                                     # equal scores: ties go to the lower row
    got = yolo.filter_boxes(boxes, scores, 0.3, 0.45, max_boxes)
    want = []
    for k in range(c):
        idx = np.flatnonzero(scores[:, k] >= 0.3)
        for s in tf.image.non_max_suppression(boxes[idx], scores[idx, k], max_boxes, 0.45).numpy():
            want.append((scores[idx[s], k], k, idx[s]))
    want.sort(key=lambda t: -t[0])
    assert got[2].tolist() == [k for _, k, _ in want]
    assert np.array_equal(got[0], boxes[[i for _, _, i in want]])
    assert np.array_equal(got[1], np.array([s for s, _, _ in want], np.float32))


# ---------------------------------------------------------------------------- k-means


def _kmeans_oracle(wh, k, seed):
    """The same rule, written plainly: loops over boxes and centroids."""
    wh = [tuple(map(float, b)) for b in wh]
    start = np.random.default_rng(seed).choice(len(wh), k, replace=False)
    cents = [wh[i] for i in start]
    previous = None
    for _ in range(300):
        labels = []
        for w, h in wh:
            ious = [min(w, cw) * min(h, ch) / (w * h + cw * ch - min(w, cw) * min(h, ch)) for cw, ch in cents]
            labels.append(ious.index(max(ious)))
        if labels == previous:
            break
        previous = labels
        for j in range(k):
            members = [b for b, lab in zip(wh, labels) if lab == j]
            if members:
                cents[j] = (sum(b[0] for b in members) / len(members), sum(b[1] for b in members) / len(members))
    return sorted(cents, key=lambda c: (c[0] * c[1], c[0]))


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_kmeans_matches_a_plain_implementation(seed):
    wh = np.exp(np.random.default_rng(seed).normal(3.5, 0.8, (300, 2)))
    got = yolo.kmeans_anchors(wh, 6, seed)
    assert got.shape == (6, 2) and got.dtype == np.float32
    assert np.allclose(got, _kmeans_oracle(wh, 6, seed), rtol=1e-6)


def test_kmeans_finds_planted_clusters():
    """Three tight clusters of sizes: the best of a few seeds (by mean best IoU, as one picks
    anchors in practice) lands on them; a local minimum of one seed is allowed."""
    rng = np.random.default_rng(3)
    planted = np.array([[10, 14], [37, 58], [344, 319]], float)
    wh = np.vstack([c * rng.uniform(0.95, 1.05, (40, 2)) for c in planted])
    runs = [yolo.kmeans_anchors(wh, 3, seed) for seed in range(10)]
    best = max(runs, key=lambda a: yolo.mean_best_iou(wh, a))
    assert np.allclose(best, planted, rtol=0.05), best
    assert yolo.mean_best_iou(wh, best) > 0.9 > yolo.mean_best_iou(wh, planted[::2])


def test_kmeans_errors():
    for bad, k in ((np.ones((5, 3)), 2), (np.array([[1.0, 2.0], [0.0, 1.0]]), 1), (np.ones((3, 2)), 4), (np.ones((3, 2)), 0)):
        with pytest.raises(ValueError):
            yolo.kmeans_anchors(bad, k, 0)


# ------------------------------------------------------------------------ save and load


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_save_and_reload(tmp_path, suffix):
    gen.generate(tmp_path / "assets", tmp_path / "hidden", 2027)
    model = yolo.build_model(str(tmp_path / "assets" / "small.cfg"))
    yolo.load_weights(model, str(tmp_path / "assets" / "small.weights"))
    back = yolo.save_and_reload(model, tmp_path / f"small{suffix}")
    assert (tmp_path / f"small{suffix}").is_file()
    assert [layer.name for layer in back.layers] == [layer.name for layer in model.layers]
    x = np.random.default_rng(0).random((1, 32, 32, 3)).astype(np.float32)
    for a, b in zip(model.predict_on_batch(x), back.predict_on_batch(x)):
        assert np.array_equal(a, b)
    assert getattr(back, "optimizer", None) is None, "loaded with compile=False: no optimiser"
    with pytest.raises(ValueError, match="keras"):
        yolo.save_and_reload(model, tmp_path / "small.pb")
    assert not (tmp_path / "small.pb").exists()


# ------------------------------------------------------------------------ reference figures


def test_reference_figures(tmp_path):
    """reference/yolo/figures.py draws one PNG per exercise with a picture, from the public
    assets, and the walkthrough shows each (autograder/build/figures.py ships them)."""
    import matplotlib

    matplotlib.use("Agg")
    assets = tmp_path / "assets"
    gen.generate(assets, tmp_path / "hidden", 2027)
    for name in ("cat.png", "camera.png"):
        (assets / name).write_bytes((ROOT / "reference" / "images" / name).read_bytes())
    # the static public asset assignment.yml lists (yolo/darknet_weights.py), as the build copies it
    (assets / "darknet_weights.py").write_bytes((ROOT / "reference" / "yolo" / "darknet_weights.py").read_bytes())
    out = tmp_path / "figures"
    out.mkdir()
    figures = _load(ROOT / "reference" / "yolo" / "figures.py", "yolo_figures")
    paths = figures.render(yolo, out, assets)
    names = [p.name for p in paths]
    assert names == ["q1_sections.png", "q2_blocks.png", "q3_params.png", "q4_grids.png", "q5_weights.png",
                     "q6_letterbox.png", "q7_centres.png", "q8_detections.png", "q9_video.png", "q10_anchors.png",
                     "q11_reload.png"]
    walkthrough = (ROOT / "assignments" / "yolo" / "templates" / "walkthrough.py.j2").read_text()
    for p in paths:
        assert p.parent == out and np.asarray(Image.open(p)).std() > 10, p
        assert f'reference("{p.stem}"' in walkthrough, f"the walkthrough does not show {p.name}"


def test_walkthrough_demo_cfg_is_the_one_the_reference_figures_draw():
    """Sections 1-5 of the walkthrough draw the student's results on demo.cfg beside reference
    figures drawn from reference/yolo/figures.py's DEMO_CFG: the two texts must be the same config."""
    import re

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("yolo_figures_for_test", root / "reference" / "yolo" / "figures.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    template = (root / "assignments" / "yolo" / "templates" / "walkthrough.py.j2").read_text(encoding="utf-8")
    found = re.findall(r'^DEMO_CFG = """(.*?)"""', template, flags=re.S | re.M)
    assert len(found) == 1, "the walkthrough should define DEMO_CFG once"
    assert found[0] == figures.DEMO_CFG, "walkthrough.py.j2's DEMO_CFG differs from reference/yolo/figures.py's"
