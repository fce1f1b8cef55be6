"""Question 2: summarise conv blocks and count sections."""
from otter.test_files import test_case

OK_FORMAT = False

name = "q2_summarise"
points = 8

HAND_BUILT = [
    ("net", {"width": 64, "height": 64, "channels": 3}),
    ("convolutional", {"batch_normalize": 1, "filters": 16, "size": 3, "stride": 1, "pad": 1, "activation": "leaky"}),
    ("maxpool", {"size": 2, "stride": 2}),
    ("convolutional", {"batch_normalize": 1, "filters": 32, "size": 3, "stride": 2, "pad": 1, "activation": "leaky"}),
    ("convolutional", {"filters": 255, "size": 1, "stride": 1, "pad": 1, "activation": "linear"}),
    ("yolo", {"mask": [0, 1, 2], "classes": 80}),
]


def _check(got, want, what):
    assert isinstance(got, list) and len(got) == len(want), (
        f"{what}: expected a list of {len(want)} summaries, got {got!r}")
    for i, (g, w) in enumerate(zip(got, want)):
        assert dict(g) == w, f"{what}, conv number {i}: expected {w}, got {g}"


@test_case(points=2)
def test_count_yolov3(count_sections, parse_cfg):
    got = count_sections(parse_cfg("assets/yolov3.cfg"))
    want = {"net": 1, "convolutional": 75, "shortcut": 23, "route": 4, "upsample": 2, "yolo": 3}
    assert dict(got) == want, f"yolov3.cfg section counts: expected {want}, got {got}"


@test_case(points=3)
def test_summaries_hand_built(conv_summaries):
    want = [
        {"layer": 0, "depth": 16, "kernel": 3, "stride": 1, "padding": "same", "batch_norm": True,
         "activation": "leaky", "pooling": {"size": 2, "stride": 2}},
        {"layer": 2, "depth": 32, "kernel": 3, "stride": 2, "padding": "valid", "batch_norm": True,
         "activation": "leaky", "pooling": None},
        {"layer": 3, "depth": 255, "kernel": 1, "stride": 1, "padding": "same", "batch_norm": False,
         "activation": "linear", "pooling": None},
    ]
    _check(conv_summaries(HAND_BUILT), want, "hand-built config")


@test_case(points=2, hidden=True)
def test_tiny_summaries(conv_summaries, count_sections, parse_cfg):
    sections = parse_cfg("assets/yolov3-tiny.cfg")
    want_counts = {"net": 1, "convolutional": 13, "maxpool": 6, "yolo": 2, "route": 2, "upsample": 1}
    assert dict(count_sections(sections)) == want_counts, (
        f"yolov3-tiny.cfg section counts: expected {want_counts}, got {count_sections(sections)}")
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
    sections = [("net", {}), ("convolutional", {"filters": 8, "size": 3}), ("maxpool", {"stride": 2})]
    want = [{"layer": 0, "depth": 8, "kernel": 3, "stride": 1, "padding": "valid", "batch_norm": False,
             "activation": "logistic", "pooling": {"size": 2, "stride": 2}}]
    _check(conv_summaries(sections), want, "a conv with darknet's defaults (pad 0, no batch norm, logistic)")
