"""Question 2: tanh, ReLU and leaky ReLU."""
import warnings

import numpy as np
from otter.test_files import test_case
from _checks import sized as _sized, compare as _compare, keras_activation

OK_FORMAT = False

name = "q2_tanh_relu"
points = 6

ATOL64, ATOL32 = 1e-12, 1e-6


def _inputs():
    x = np.random.default_rng(0).normal(0, 3, (3, 5, 4))
    x[0, 0, :3] = [0.0, -0.0, 1e-30]
    return x


def _int_input(func, arg, what):
    """func(arg) for an int list or array: computed in float64, as the docstring says."""
    try:
        got = np.asarray(func(arg))
    except (TypeError, AttributeError) as e:
        raise AssertionError(f"{what} of {arg!r} raised {type(e).__name__}: {e}. The docstring accepts any "
                             "array-like: convert with the given as_float first")
    assert got.dtype == np.float64, (
        f"{what} of the ints {np.asarray(arg).tolist()}: expected dtype float64, got {got.dtype}. The lecture's "
        "np.maximum / np.where keep an integer dtype; this course computes non-float input in float64 (as_float)")
    return got


@test_case(points=1)
def test_tanh(tanh):
    x = np.linspace(-15, 15, 601)
    expected = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    _compare(tanh(x), expected, ATOL64, "tanh on float64 [-15, 15] vs (e^x - e^-x) / (e^x + e^-x)")
    _compare(tanh(x.astype(np.float32)), expected.astype(np.float32), ATOL32, "tanh on float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            try:
                got = np.asarray(tanh(np.array([-1000.0, 1000.0])))
            except (FloatingPointError, RuntimeWarning) as e:
                raise AssertionError(
                    f"tanh([-1000, 1000]) must not overflow or warn, but got {type(e).__name__}: {e}. "
                    "The formula with exp(x) takes exp(1000) = inf here (and inf / inf is nan)") from None
    _sized(got, (2,), "tanh([-1000, 1000])")
    assert got.tolist() == [-1.0, 1.0], f"tanh(-1000), tanh(1000) should be -1, 1, got {got.tolist()}"


@test_case(points=1)
def test_relu(relu):
    x = _inputs()
    for dtype in (np.float64, np.float32):
        _compare(relu(x.astype(dtype)), np.where(x > 0, x, 0).astype(dtype), 0, f"relu on {np.dtype(dtype).name}")
    one = np.array([-1e-3], np.float32)   # one negative value, just below 0
    _compare(relu(one), np.zeros(1, np.float32), 0, "relu of [-0.001] (float32)")


@test_case(points=1)
def test_int_inputs_become_float64(relu, leaky_relu, tanh):
    got = _sized(_int_input(relu, [-2, 0, 3], "relu"), (3,), "relu of the ints [-2, 0, 3]")
    assert got.tolist() == [0.0, 0.0, 3.0], f"relu of the ints [-2, 0, 3]: the values are wrong, got {got.tolist()}"
    ints = np.array([-200, -1, 0, 1, 7], np.int32)
    got = _int_input(leaky_relu, ints, "leaky_relu")
    _compare(got, np.where(ints > 0, ints, 0.01 * ints), ATOL64, "leaky_relu of an int32 array")
    got = _int_input(tanh, [0, 1], "tanh")
    _compare(got, np.tanh([0.0, 1.0]), ATOL64, "tanh of the list [0, 1]")
    # numpy's own tanh of a bool or 8-bit array is float16: as_float first
    for small in (np.array([True, False]), np.array([0, 1, 200], np.uint8)):
        got = _int_input(tanh, small, f"tanh (a {small.dtype} array)")
        _compare(got, np.tanh(small.astype(np.float64)), ATOL64, f"tanh of a {small.dtype} array")


@test_case(points=1)
def test_leaky_relu(leaky_relu):
    x = _inputs()
    _compare(leaky_relu(x), np.where(x > 0, x, 0.01 * x), ATOL64, "leaky_relu with the default alpha 0.01")
    _compare(leaky_relu(x, 0.2), np.where(x > 0, x, 0.2 * x), ATOL64, "leaky_relu with alpha 0.2")
    x32 = x.astype(np.float32)
    _compare(leaky_relu(x32, 0.1), np.where(x32 > 0, x32, np.float32(0.1) * x32), ATOL32, "leaky_relu on float32")


@test_case(points=1)
def test_leaky_relu_alpha_range(leaky_relu):
    # alpha = 0 is the smallest valid slope (plain ReLU); below it is an error.
    x = _inputs()
    _compare(leaky_relu(x, 0.0), np.where(x > 0, x, 0.0 * x), 0, "leaky_relu with alpha 0 (the smallest allowed)")
    _compare(leaky_relu(x, 1.0), x, 0, "leaky_relu with alpha 1")
    # any alpha >= 0 is allowed, above 1 too: then max(x, alpha * x) is not leaky ReLU
    _compare(leaky_relu(x, 2.0), np.where(x > 0, x, 2.0 * x), ATOL64, "leaky_relu with alpha 2")
    try:
        leaky_relu(x, -0.1)
    except ValueError:
        pass
    else:
        raise AssertionError("leaky_relu with alpha -0.1: expected ValueError. The lecture's leaky_relu has no "
                             "argument check; the docstring asks for one (alpha must be >= 0)")


@test_case(points=1, hidden=True)
def test_vs_keras(tanh, relu, leaky_relu):
    x = _inputs().astype(np.float32)
    _compare(tanh(x), keras_activation("tanh", x), ATOL32, "tanh vs keras.activations.tanh")
    _compare(relu(x), keras_activation("relu", x), 0, "relu vs keras.activations.relu")
    for alpha in (0.01, 0.3):
        _compare(leaky_relu(x, alpha), keras_activation("leaky_relu", x, negative_slope=alpha), ATOL32,
                 f"leaky_relu(x, {alpha}) vs keras.activations.leaky_relu(x, negative_slope={alpha})")
