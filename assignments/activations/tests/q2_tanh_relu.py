"""Question 2: tanh, ReLU and leaky ReLU."""
import warnings

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False

name = "q2_tanh_relu"
points = 4

ATOL64, ATOL32 = 1e-12, 1e-6


def _compare(got, expected, atol, what):
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    assert got.dtype == expected.dtype, f"{what}: expected dtype {expected.dtype}, got {got.dtype}"
    err = float(np.max(np.abs(got.astype(np.float64) - expected)))
    assert err <= atol, f"{what}: largest difference from the oracle is {err:.3g} (tolerance {atol:g})"


def _inputs():
    x = np.random.default_rng(0).normal(0, 3, (3, 5, 4))
    x[0, 0, :3] = [0.0, -0.0, 1e-30]
    return x


@test_case(points=1)
def test_tanh(tanh):
    x = np.linspace(-15, 15, 601)
    expected = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    _compare(tanh(x), expected, ATOL64, "tanh on float64 [-15, 15] vs (e^x - e^-x) / (e^x + e^-x)")
    _compare(tanh(x.astype(np.float32)), expected.astype(np.float32), ATOL32, "tanh on float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            got = np.asarray(tanh(np.array([-1000.0, 1000.0])))
    assert got.tolist() == [-1.0, 1.0], f"tanh(-1000), tanh(1000) should be -1, 1, got {got.tolist()}"


@test_case(points=1)
def test_relu(relu):
    x = _inputs()
    for dtype in (np.float64, np.float32):
        _compare(relu(x.astype(dtype)), np.where(x > 0, x, 0).astype(dtype), 0, f"relu on {np.dtype(dtype).name}")
    got = np.asarray(relu([-2, 0, 3]))
    assert got.dtype == np.float64 and got.tolist() == [0.0, 0.0, 3.0], (
        f"relu of a list of ints: expected float64 [0.0, 0.0, 3.0], got {got.dtype} {got.tolist()}")


@test_case(points=1)
def test_leaky_relu(leaky_relu):
    x = _inputs()
    _compare(leaky_relu(x), np.where(x > 0, x, 0.01 * x), ATOL64, "leaky_relu with the default alpha 0.01")
    _compare(leaky_relu(x, 0.2), np.where(x > 0, x, 0.2 * x), ATOL64, "leaky_relu with alpha 0.2")
    x32 = x.astype(np.float32)
    _compare(leaky_relu(x32, 0.1), np.where(x32 > 0, x32, np.float32(0.1) * x32), ATOL32, "leaky_relu on float32")
    try:
        leaky_relu(x, -0.1)
    except ValueError:
        pass
    else:
        raise AssertionError("leaky_relu with alpha -0.1: expected ValueError (alpha must be >= 0)")


@test_case(points=1, hidden=True)
def test_vs_keras(tanh, relu, leaky_relu):
    import keras  # the grader's oracle, in hidden cases only: students need no TensorFlow
    x = _inputs().astype(np.float32)
    _compare(tanh(x), np.asarray(keras.activations.tanh(x)), ATOL32, "tanh vs keras.activations.tanh")
    _compare(relu(x), np.asarray(keras.activations.relu(x)), 0, "relu vs keras.activations.relu")
    for alpha in (0.01, 0.3):
        _compare(leaky_relu(x, alpha), np.asarray(keras.activations.leaky_relu(x, negative_slope=alpha)), ATOL32,
                 f"leaky_relu(x, {alpha}) vs keras.activations.leaky_relu(x, negative_slope={alpha})")
