"""Question 4: build the Keras model from the config."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False

name = "q4_build_model"
points = 12


def _shapes(output_shape):
    """output_shape as a list of tuples (a one-output model reports a single tuple)."""
    if output_shape and isinstance(output_shape[0], (list, tuple)):
        return [tuple(s) for s in output_shape]
    return [tuple(output_shape)]


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


@test_case(points=4, hidden=True)
def test_yolov3_model(build_model):
    model = build_model("assets/yolov3.cfg")
    got = _shapes(model.output_shape)
    want = [(None, 13, 13, 255), (None, 26, 26, 255), (None, 52, 52, 255)]
    assert got == want, f"yolov3 at 416x416: expected output shapes {want}, got {got}"
    n = model.count_params()
    assert n == 62001757, f"yolov3: expected 62001757 parameters, got {n}"
