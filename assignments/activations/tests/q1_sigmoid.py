"""Question 1: a numerically stable sigmoid."""
import warnings

import numpy as np
import scipy.special
from otter.test_files import test_case
from _checks import sized as _sized, compare as _compare, keras_activation

OK_FORMAT = False

name = "q1_sigmoid"
points = 4

# float64: agree with scipy to 1e-12; float32: to 1e-6 absolute (a few ulps of 1.0).
ATOL64, ATOL32 = 1e-12, 1e-6


def _quietly(func, *args):
    """Call func with every warning and every floating-point error except underflow raised.

    Underflow is allowed: sigmoid(-1000) is 0.0, the value rounded to zero, and numpy never
    warns about underflow by default. Overflow (exp(1000) = inf), invalid (inf/inf = nan) and
    divide-by-zero are what a stable sigmoid must avoid.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            try:
                return func(*args)
            except (FloatingPointError, RuntimeWarning) as e:
                raise AssertionError(
                    f"sigmoid{args!r} must not overflow or warn, but got {type(e).__name__}: {e}. "
                    "The lecture's formula 1 / (1 + np.exp(-x)) takes exp(1000) here; this course asks "
                    "for a form that never does (see the docstring's hint)")


def _call(func, arg, what):
    """func(arg), where arg is a list: the docstring accepts any array-like."""
    try:
        return func(arg)
    except (TypeError, AttributeError) as e:
        raise AssertionError(
            f"{what} of the Python list {arg!r} raised {type(e).__name__}: {e}. The docstring accepts any "
            "array-like (the lecture's code assumed a numpy array): convert with the given as_float first")


@test_case(points=1)
def test_values_vs_expit(sigmoid):
    x = np.linspace(-40, 40, 2001)
    _compare(sigmoid(x), scipy.special.expit(x), ATOL64, "sigmoid on float64 [-40, 40] vs scipy.special.expit")
    x32 = x.astype(np.float32)
    _compare(sigmoid(x32), scipy.special.expit(x32), ATOL32, "sigmoid on float32 [-40, 40] vs scipy.special.expit")
    got = float(np.asarray(sigmoid(0.0)))
    assert got == 0.5, f"sigmoid(0) is exactly 0.5, got {got!r}"
    one = np.array([2.5])   # the smallest array: one value
    _compare(sigmoid(one), scipy.special.expit(one), ATOL64, "sigmoid of a 1-element array")


@test_case(points=1)
def test_dtype_and_shape(sigmoid):
    x = np.random.default_rng(0).normal(0, 5, (2, 3, 4))
    for dtype in (np.float32, np.float64):
        got = np.asarray(sigmoid(x.astype(dtype)))
        assert got.dtype == dtype, f"{np.dtype(dtype).name} in should give {np.dtype(dtype).name} out, got {got.dtype}"
        assert got.shape == (2, 3, 4), f"the shape must be kept: expected (2, 3, 4), got {got.shape}"
    for arg, what in (([-3, 0, 2], "a list of ints"), (np.array([-3, 0, 2], np.int16), "an int16 array")):
        got = np.asarray(_call(sigmoid, arg, "sigmoid") if isinstance(arg, list) else sigmoid(arg))
        assert got.dtype == np.float64, f"sigmoid of {what}: ints are computed in float64, got dtype {got.dtype}"
        _compare(got, scipy.special.expit(np.asarray(arg, np.float64)), ATOL64, f"sigmoid of {what}")


@test_case(points=1)
def test_stable_at_extremes(sigmoid):
    for value, expected in [(-1000, 0.0), (1000, 1.0), (-1000.0, 0.0), (1000.0, 1.0)]:
        got = float(np.asarray(_quietly(sigmoid, value)))
        assert got == expected, f"sigmoid({value}) should be exactly {expected}, got {got!r}"
    x = np.array([-1000, -200, -100, 0, 100, 200, 1000], dtype=np.float32)
    got = _sized(_quietly(sigmoid, x), x.shape, "sigmoid of 7 extreme float32 values")
    assert got.dtype == np.float32, f"float32 in should give float32 out, got {got.dtype}"
    assert got[0] == 0.0 and got[-1] == 1.0 and got[3] == 0.5, f"sigmoid({x.tolist()}) gave {got.tolist()}"
    _compare(got, scipy.special.expit(x), ATOL32, "sigmoid at extreme float32 values vs scipy.special.expit")


@test_case(points=1, hidden=True)
def test_vs_keras(sigmoid):
    x = np.random.default_rng(1).normal(0, 20, (2, 8, 8, 3)).astype(np.float32)
    got = np.asarray(sigmoid(x))
    assert got.dtype == np.float32, f"float32 in should give float32 out, got {got.dtype}"
    _compare(got, keras_activation("sigmoid", x), ATOL32, "sigmoid vs keras.activations.sigmoid (float32)")
