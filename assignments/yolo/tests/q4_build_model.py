"""Question 4: build the Keras model from the config."""
import numpy as np
from otter.test_files import test_case

from _checks import expect_raises
from _checks import shapes as _shapes

OK_FORMAT = False

name = "q4_build_model"
points = 12


@test_case(points=3)
def test_tiny_model(build_model):
    model = build_model("assets/yolov3-tiny.cfg")
    got = _shapes(model.output_shape)
    want = [(None, 13, 13, 255), (None, 26, 26, 255)]
    assert got == want, f"yolov3-tiny at 416x416: expected output shapes {want}, got {got}"
    n = model.count_params()
    assert n == 8858734, f"yolov3-tiny: expected 8858734 parameters, got {n}"


@test_case(points=3)
def test_small_matches_count(build_model, count_parameters, parse_cfg):
    model = build_model("assets/small.cfg")
    got = _shapes(model.output_shape)
    want = [(None, 8, 8, 21), (None, 16, 16, 21)]
    assert got == want, f"small.cfg at 32x32: expected output shapes {want}, got {got}"
    counted = count_parameters(parse_cfg("assets/small.cfg"))["total"]
    n = model.count_params()
    assert n == counted == 12306, (
        f"small.cfg: the model's count_params() ({n}) and count_parameters ({counted}) should both be 12306")


@test_case(points=2)
def test_predict_shapes(build_model):
    model = build_model("assets/small.cfg")
    x = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)
    out = model.predict(x, verbose=0)
    got = [tuple(np.shape(o)) for o in out] if isinstance(out, (list, tuple)) else [np.shape(out)]
    want = [(2, 8, 8, 21), (2, 16, 16, 21)]
    assert got == want, f"predict on a batch of 2: expected output shapes {want}, got {got}"
    assert all(np.all(np.isfinite(o)) for o in out), "predict returned non-finite values"


@test_case(points=1, hidden=True)
def test_defaults_wide_input_and_errors(build_model):
    # edge_wide.cfg, layer by layer:
    #   0 conv 3x3/2, 2 filters, pad=1: 6x10x2     1 conv 3x3, no filters/pad given: 'valid', 1 filter: 4x8x1
    #   2 maxpool stride=2 (size = stride): 2x4    3 upsample (stride 2): 4x8
    #   4 conv 1x1, 3 filters, batch norm: 4x8x3   5 yolo
    #   6 route -5 (layer 1): 4x8x1                7 conv 3x3/2, pad 0 (1 filter): 1x3x1    8 yolo
    #   (darknet's grid (in + 2p - size) // stride + 1 with p = 0: (4 - 3) // 2 + 1, (8 - 3) // 2 + 1)
    model = build_model("assets/edge_wide.cfg")
    got_in = tuple(model.input_shape)
    assert got_in == (None, 12, 20, 1), f"edge_wide.cfg, [net] width=20 height=12 channels=1: expected input shape (None, 12, 20, 1), got {got_in}"
    got = _shapes(model.output_shape)
    want = [(None, 4, 8, 3), (None, 1, 3, 1)]
    assert got == want, (
        f"edge_wide.cfg, using darknet's defaults (size 1, filters 1, pad 0, maxpool size = stride, upsample 2) "
        f"and a stride-2 conv with pad 0: "
        f"expected output shapes {want}, got {got}")
    n = model.count_params()
    # 3*3*1*2 + 2, 3*3*2*1 + 1, 1*1*1*3 + 4*3, 3*3*1*1 + 1
    assert n == 64, f"edge_wide.cfg: expected 64 parameters, got {n}"
    for asset, what in [("edge_mish.cfg", "activation=mish"), ("edge_softmax.cfg", "a [softmax] section"),
                        ("edge_logistic.cfg", "a conv with no activation (darknet's default, logistic)")]:
        expect_raises(ValueError, build_model, f"assets/{asset}", what=f"{asset}: {what} is not supported")
    # edge_odd.cfg: 33 x 35 in, no channels given (3);  0 conv 3x3/2, pad=1: (33 + 2 - 3) // 2 + 1 = 17,
    #   (35 + 2 - 3) // 2 + 1 = 18 (the docstring's example)   1 conv 4x4/2, pad=1 (p = 2), 2 filters:
    #   (17 + 4 - 4) // 2 + 1 = 9, (18 + 4 - 4) // 2 + 1 = 10   2 maxpool size 2, no stride (1, "same"): 9 x 10
    # edge_absolute.cfg: [net] gives channels only, so 416x416x1 (the docstring's default);  0 conv 3x3/2, 2 filters: 208x208x2
    #   1 conv 2x2, pad=1, 2 filters: an even size at stride 1 keeps 208x208x2 ("same"), which the
    #     shortcut after it needs (darknet's formula, 209x209, cannot be added to layer 0)
    #   2 shortcut from=0 (absolute: layer 0)   3 route layers=0 (absolute)
    #   4 conv 1x1/2, 3 filters: 104x104x3   5 yolo
    for cfg, what, want in [
            ("edge_odd.cfg", "33 x 35 in with no channels; a 3x3 then a 4x4 stride-2 conv with pad=1; a maxpool with "
             "no stride", ((None, 33, 35, 3), [(None, 9, 10, 2)])),
            ("edge_absolute.cfg", "no width or height: 416 x 416 by the docstring; a 2x2 conv with pad=1 at stride 1; a "
             "shortcut from=0 and a route layers=0, layer 0 named absolutely", ((None, 416, 416, 1), [(None, 104, 104, 3)]))]:
        model = build_model(f"assets/{cfg}")
        got = (tuple(model.input_shape), _shapes(model.output_shape))
        assert got == want, f"{cfg} ({what}): expected input and output shapes {want}, got {got}"


@test_case(points=3, hidden=True)
def test_yolov3_model(build_model):
    model = build_model("assets/yolov3.cfg")
    got = _shapes(model.output_shape)
    want = [(None, 13, 13, 255), (None, 26, 26, 255), (None, 52, 52, 255)]
    assert got == want, f"yolov3 at 416x416: expected output shapes {want}, got {got}"
    n = model.count_params()
    assert n == 62001757, f"yolov3: expected 62001757 parameters, got {n}"
