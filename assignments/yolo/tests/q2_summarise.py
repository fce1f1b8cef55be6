"""Question 2: summarise conv blocks, count sections, read the [yolo] heads.

The cases give the sections themselves (or read only the section headers of a cfg), so they
do not depend on your parse_cfg from question 1.
"""
import numpy as np
from otter.test_files import test_case

from _checks import expect_raises

OK_FORMAT = False

name = "q2_summarise"
points = 10

HAND_BUILT = [
    ("net", {"width": 64, "height": 64, "channels": 3}),
    ("convolutional", {"batch_normalize": 1, "filters": 16, "size": 3, "stride": 1, "pad": 1, "activation": "leaky"}),
    ("maxpool", {"size": 2, "stride": 2}),
    ("convolutional", {"batch_normalize": 1, "filters": 32, "size": 3, "stride": 2, "pad": 1, "activation": "leaky"}),
    ("convolutional", {"filters": 255, "size": 1, "stride": 1, "pad": 1, "activation": "linear"}),
    ("yolo", {"mask": [0, 1, 2], "classes": 80}),
]


def _headers_only(path):
    """The sections of a cfg with their types only (empty options): enough to count them."""
    with open(path, encoding="utf-8") as f:
        return [(line.strip()[1:-1], {}) for line in f if line.strip().startswith("[")]


def _check(got, want, what):
    assert isinstance(got, list) and len(got) == len(want), (
        f"{what}: expected a list of {len(want)} summaries, got {got!r}")
    for i, (g, w) in enumerate(zip(got, want)):
        assert isinstance(g, dict), f"{what}, conv number {i}: expected a dict, got {type(g).__name__}"
        assert dict(g) == w, f"{what}, conv number {i}: expected {w}, got {g}"


@test_case(points=2)
def test_count_yolov3(count_sections):
    got = count_sections(_headers_only("assets/yolov3.cfg"))
    want = {"net": 1, "convolutional": 75, "shortcut": 23, "route": 4, "upsample": 2, "yolo": 3}
    assert isinstance(got, dict), f"yolov3.cfg section counts: expected a dict, got {type(got).__name__}"
    assert dict(got) == want, f"yolov3.cfg section counts: expected {want}, got {got}"


@test_case(points=3)
def test_summaries_hand_built(conv_summaries):
    # conv number 1 is the lecture's kind of block: stride 2, pad=1, which the lecture calls "same"
    want = [
        {"layer": 0, "depth": 16, "kernel": 3, "stride": 1, "padding": "same", "batch_norm": True,
         "activation": "leaky", "pooling": {"size": 2, "stride": 2}},
        {"layer": 2, "depth": 32, "kernel": 3, "stride": 2, "padding": "same", "batch_norm": True,
         "activation": "leaky", "pooling": None},
        {"layer": 3, "depth": 255, "kernel": 1, "stride": 1, "padding": "same", "batch_norm": False,
         "activation": "linear", "pooling": None},
    ]
    _check(conv_summaries(HAND_BUILT), want, "hand-built config")


@test_case(points=2, hidden=True)
def test_tiny_summaries(conv_summaries, count_sections):
    def read(path):     # a plain cfg reader (hidden: question 1 is not given away)
        sections = []
        for line in open(path, encoding="utf-8").read().splitlines():
            line = line.strip()
            if line.startswith("["):
                sections.append((line[1:-1], {}))
            elif "=" in line and line[0] not in "#;":
                key, value = (x.strip() for x in line.split("=", 1))
                number = value.lstrip("-").isdigit()
                listed = key in ("mask", "anchors")
                sections[-1][1][key] = [int(x) for x in value.split(",")] if listed else int(value) if number else value
        return sections

    sections = read("assets/yolov3-tiny.cfg")
    want_counts = {"net": 1, "convolutional": 13, "maxpool": 6, "yolo": 2, "route": 2, "upsample": 1}
    counts = count_sections(sections)
    assert isinstance(counts, dict), f"yolov3-tiny.cfg section counts: expected a dict, got {type(counts).__name__}"
    assert dict(counts) == want_counts, f"yolov3-tiny.cfg section counts: expected {want_counts}, got {counts}"
    got = conv_summaries(sections)
    layers = [0, 2, 4, 6, 8, 10, 12, 13, 14, 15, 18, 21, 22]
    depths = [16, 32, 64, 128, 256, 512, 1024, 256, 512, 255, 128, 256, 255]
    kernels = [3, 3, 3, 3, 3, 3, 3, 1, 3, 1, 1, 3, 1]
    pools = [{"size": 2, "stride": 2}] * 5 + [{"size": 2, "stride": 1}] + [None] * 7
    want = [{"layer": l, "depth": d, "kernel": k, "stride": 1, "padding": "same", "batch_norm": d != 255,
             "activation": "linear" if d == 255 else "leaky", "pooling": p}
            for l, d, k, p in zip(layers, depths, kernels, pools)]
    _check(got, want, "yolov3-tiny.cfg")


@test_case(points=1, hidden=True)
def test_darknet_defaults(conv_summaries):
    # the last section a conv with no options at all: nothing follows it to pool it
    sections = [("net", {}), ("convolutional", {"filters": 8, "size": 3}), ("maxpool", {"stride": 2}),
                ("convolutional", {})]
    want = [{"layer": 0, "depth": 8, "kernel": 3, "stride": 1, "padding": "valid", "batch_norm": False,
             "activation": "logistic", "pooling": {"size": 2, "stride": 2}},
            {"layer": 2, "depth": 1, "kernel": 1, "stride": 1, "padding": "valid", "batch_norm": False,
             "activation": "logistic", "pooling": None}]
    _check(conv_summaries(sections), want,
           "convs with darknet's defaults (filters 1, size 1, pad 0, no batch norm, logistic), the last one ending the cfg")
    # a [maxpool] with no options ending the cfg still pools the conv before it: stride 1, size = stride
    sections = [("net", {}), ("convolutional", {"filters": 4}), ("maxpool", {})]
    want = [{"layer": 0, "depth": 4, "kernel": 1, "stride": 1, "padding": "valid", "batch_norm": False,
             "activation": "logistic", "pooling": {"size": 1, "stride": 1}}]
    _check(conv_summaries(sections), want, "a conv, then a [maxpool] with darknet's defaults ending the cfg")


def _check_heads(got, want, what):
    assert isinstance(got, list) and len(got) == len(want), (
        f"{what}: expected {len(want)} heads (one per [yolo] section), got {got!r}")
    for i, (g, w) in enumerate(zip(got, want)):
        assert isinstance(g, dict) and set(w) <= set(g), f"{what}, head {i}: expected the keys {sorted(w)}, got {g!r}"
        for key in ("layer", "mask", "classes"):
            assert g[key] == w[key], f"{what}, head {i}: expected {key} {w[key]!r}, got {g[key]!r}"
        anchors = np.asarray(g["anchors"])
        assert anchors.dtype == np.float32, f"{what}, head {i}: expected anchors as a float32 array, got {anchors.dtype}"
        # the shape on its own first: a failing assertion's message lists the answer (attack h04)
        assert anchors.shape == w["anchors"].shape, (
            f"{what}, head {i}: expected anchors of shape {w['anchors'].shape} (width, height) pairs, got shape {anchors.shape}")
        assert np.allclose(anchors, w["anchors"]), (
            f"{what}, head {i}: expected anchors of shape {w['anchors'].shape} (width, height) pairs, "
            f"got {anchors.tolist()}")


@test_case(points=1)
def test_yolo_heads_hand_built(yolo_heads):
    anchors = [10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319]
    sections = [("net", {}), ("convolutional", {"filters": 21}),
                ("yolo", {"mask": [3, 4, 5], "anchors": anchors, "classes": 2, "num": 6}),
                ("route", {"layers": -2}), ("convolutional", {"filters": 21}),
                ("yolo", {"mask": [0, 1, 2], "anchors": anchors, "classes": 2, "num": 6})]
    pairs = np.array(anchors, float).reshape(6, 2)
    want = [{"layer": 1, "mask": [3, 4, 5], "anchors": pairs, "classes": 2},
            {"layer": 4, "mask": [0, 1, 2], "anchors": pairs, "classes": 2}]
    _check_heads(yolo_heads(sections), want, "two [yolo] sections (darknet's tiny masks: 3,4,5 then 0,1,2)")


@test_case(points=1, hidden=True)
def test_yolo_heads_of_the_configs(yolo_heads):
    def read(path):     # a plain cfg reader (hidden: question 1 is not given away)
        sections = []
        for line in open(path, encoding="utf-8").read().splitlines():
            line = line.strip()
            if line.startswith("["):
                sections.append((line[1:-1], {}))
            elif "=" in line and line[0] not in "#;":
                key, value = (x.strip() for x in line.split("=", 1))
                number = value.lstrip("-").isdigit()
                listed = key in ("mask", "anchors")
                sections[-1][1][key] = [int(x) for x in value.split(",")] if listed else int(value) if number else value
        return sections

    sections = read("assets/yolov3.cfg")
    anchors = np.array(sections[-1][1]["anchors"], float).reshape(-1, 2)
    want = [{"layer": layer, "mask": mask, "anchors": anchors, "classes": 80}
            for layer, mask in ((82, [6, 7, 8]), (94, [3, 4, 5]), (106, [0, 1, 2]))]
    _check_heads(yolo_heads(sections), want, "yolov3.cfg")
    one = [("net", {}), ("yolo", {"mask": 1, "anchors": [4, 6, 8, 8]}), ("yolo", {"anchors": [4, 6, 8, 8]})]
    want = [{"layer": 0, "mask": [1], "anchors": np.array([[4.0, 6.0], [8.0, 8.0]]), "classes": 20},
            {"layer": 1, "mask": [0, 1], "anchors": np.array([[4.0, 6.0], [8.0, 8.0]]), "classes": 20}]
    _check_heads(yolo_heads(one), want, "a one-value mask, then no mask (every anchor) and darknet's default classes")
    expect_raises(ValueError, yolo_heads, [("net", {}), ("yolo", {"mask": 0, "anchors": 10})],
                  what="a [yolo] section whose anchors are one number (not w,h pairs)")
    # two anchors listed: indices 0 and 1 only (one good index beside a bad one still fails)
    for mask in ([0, 2], 2, [-1, 0]):
        expect_raises(ValueError, yolo_heads, [("net", {}), ("yolo", {"mask": mask, "anchors": [4, 6, 8, 8]})],
                      what=f"mask {mask} with two anchors listed (an index that is not one of them)")
