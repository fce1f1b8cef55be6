"""Question 3: the forward pass of a multi-channel, multi-filter conv layer."""
import math

import numpy as np
from otter.test_files import test_case
from _checks import expect_value_errors, oracle

OK_FORMAT = False

name = "q3_conv_layer"
points = 5

# The course's float32 / Keras tolerance (docs/CONVENTIONS.md): rtol 1e-5 and an atol of 1e-5
# times the size of the values (sums of up to a few hundred float32 products).
RTOL = 1e-5


def _data(rng, n, h, w, c, k, f):
    """k: the kernel's size, or its (height, width) when it is not square."""
    kh, kw = k if isinstance(k, tuple) else (k, k)
    x = rng.uniform(-1, 1, (n, h, w, c)).astype(np.float32)
    weights = rng.normal(0, 0.5, (kh, kw, c, f)).astype(np.float32)
    bias = rng.normal(0, 1, f).astype(np.float32)
    return x, weights, bias


def _compare(got, expected, what):
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    atol = 1e-5 * max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)
    bad = ~np.isclose(got, expected, atol=atol, rtol=RTOL)
    assert not bad.any(), (
        f"{what}: {int(bad.sum())} of {got.size} values differ from the oracle by more than "
        f"atol {atol:.2g} + rtol {RTOL:g}; largest difference {float(np.max(np.abs(got - expected))):.3g}")


def _scipy_layer(x, weights, bias, stride, padding):
    return oracle(_scipy_layer_of, x, weights, bias, stride, padding)  # once per distinct input


def _keras_conv2d(x, weights, bias, stride, padding):
    import keras
    n, h, w, c = x.shape
    kh, kw, f = weights.shape[0], weights.shape[1], weights.shape[3]
    layer = keras.layers.Conv2D(f, (kh, kw), strides=stride, padding=padding)
    layer.build((None, h, w, c))
    layer.set_weights([weights, bias])
    return np.asarray(layer(x))


def _scipy_layer_of(x, weights, bias, stride, padding):
    """Independent oracle: each filter's output is its bias plus the sum over input channels of
    single-channel scipy cross-correlations (odd kernels, so scipy's 'same' is Keras's)."""
    import scipy.signal  # here, not at the top: a second to import, and the build records the results
    n, h, w, c = x.shape
    k, f = weights.shape[0], weights.shape[3]
    h_out = math.ceil(h / stride) if padding == "same" else (h - k) // stride + 1
    w_out = math.ceil(w / stride) if padding == "same" else (w - k) // stride + 1
    out = np.zeros((n, h_out, w_out, f))
    for b in range(n):
        for j in range(f):
            acc = sum(scipy.signal.correlate2d(x[b, :, :, i].astype(np.float64), weights[:, :, i, j], mode=padding)
                      for i in range(c))
            out[b, :, :, j] = acc[::stride, ::stride][:h_out, :w_out] + bias[j]
    return out


@test_case(points=1)
def test_shape_and_dtype(conv_forward):
    x, weights, bias = _data(np.random.default_rng(0), 2, 9, 11, 3, 3, 5)
    for padding, expected in [("same", (2, 9, 11, 5)), ("valid", (2, 7, 9, 5))]:
        got = np.asarray(conv_forward(x, weights, bias, 1, padding))
        assert got.shape == expected, f"(2, 9, 11, 3) x (3, 3, 3, 5), {padding!r}: expected {expected}, got {got.shape}"
        assert got.dtype == np.float32, f"float32 inputs should give float32 out, got {got.dtype}"


@test_case(points=1)
def test_vs_scipy(conv_forward):
    rng = np.random.default_rng(1)
    for n, h, w, c, k, f, stride, padding in [(2, 8, 10, 3, 3, 4, 1, "same"), (1, 9, 9, 2, 5, 3, 1, "valid"),
                                              (2, 7, 12, 4, 3, 2, 2, "valid"), (1, 10, 8, 3, 1, 6, 3, "valid")]:
        x, weights, bias = _data(rng, n, h, w, c, k, f)
        _compare(conv_forward(x, weights, bias, stride, padding), _scipy_layer(x, weights, bias, stride, padding),
                 f"conv_forward {x.shape} x {weights.shape}, stride {stride}, {padding!r} vs summed scipy correlations")


@test_case(points=1)
def test_one_volume_smallest_and_bad_shapes(conv_forward):
    rng = np.random.default_rng(2)
    # One volume (H, W, C), no batch axis: the same numbers as a batch of one, without the axis.
    x, weights, bias = _data(rng, 1, 6, 7, 3, 3, 4)
    _compare(conv_forward(x[0], weights, bias, 1, "same"), _scipy_layer(x, weights, bias, 1, "same")[0],
             "conv_forward on one (6, 7, 3) volume (no batch axis), 'same'")
    # The smallest layers: one filter, a 1x1 kernel; a 3x3 input under a 3x3 kernel.
    for n, h, w, c, k, f in [(1, 4, 5, 2, 1, 1), (2, 3, 3, 1, 3, 1), (1, 1, 1, 1, 1, 1)]:
        xs, ws, bs = _data(rng, n, h, w, c, k, f)
        _compare(conv_forward(xs, ws, bs, 1, "valid"), _scipy_layer(xs, ws, bs, 1, "valid"),
                 f"conv_forward {xs.shape} x {ws.shape} (the smallest cases), 'valid'")
    # float32 only when x, weights and bias are all float32: any float64 among them gives float64.
    for xx, ww, bb, which in [(x.astype(np.float64), weights, bias, "a float64 input with float32 weights and bias"),
                              (x, weights.astype(np.float64), bias, "float64 weights with a float32 input and bias"),
                              (x, weights, bias.astype(np.float64), "a float64 bias with a float32 input and weights")]:
        got = np.asarray(conv_forward(xx, ww, bb, 1, "valid"))
        assert got.dtype == np.float64, f"conv_forward with {which} should give float64 out, got {got.dtype}"
    # integers are computed in float64 too (not in int64)
    xi, wi, bi = (np.round(a * 4).astype(np.int64) for a in _data(rng, 1, 5, 5, 2, 3, 2))
    got = np.asarray(conv_forward(xi, wi, bi, 1, "valid"))
    assert got.dtype == np.float64, f"conv_forward with an int64 input, weights and bias should give float64 out, got {got.dtype}"
    _compare(got, _scipy_layer(xi.astype(np.float64), wi.astype(np.float64), bi.astype(np.float64), 1, "valid"),
             "conv_forward with an int64 input, weights and bias, 'valid'")
    bad = [
        (x, weights[:, :, :2], bias, "weights with 2 input channels for an RGB input"),
        (x, weights, bias[:3], "a bias of 3 values for 4 filters"),
        # Shapes numpy would broadcast without complaint: the bias must be exactly (F,).
        (x, weights, bias[:1], "a bias of shape (1,) for 4 filters"),
        (x, weights, bias[np.newaxis], "a bias of shape (1, 4) for 4 filters"),
        (x[0, 0], weights, bias, "a 2-D input (no channel axis)"),
        (x, weights[0], bias, "3-D weights"),
    ]
    expect_value_errors(conv_forward, [(f"conv_forward with {what}", (xx, ww, bb, 1, "same")) for xx, ww, bb, what in bad])


@test_case(points=2, hidden=True)
def test_vs_keras_conv2d(conv_forward):
    rng = np.random.default_rng(3)
    for n, h, w, c, k, f, stride, padding in [(2, 9, 11, 3, 3, 5, 1, "same"), (1, 10, 7, 4, 4, 8, 2, "same"),
                                              (3, 8, 8, 2, 3, 4, 3, "valid"), (1, 12, 9, 5, 2, 3, 2, "valid"),
                                              (1, 16, 16, 8, 5, 16, 1, "same"), (2, 6, 6, 1, 6, 2, 1, "valid"),
                                              # kh x kw kernels (the docstring's shape): each axis its own size
                                              (1, 9, 10, 2, (3, 5), 3, 1, "same"), (2, 11, 8, 3, (4, 2), 2, 2, "valid"),
                                              # 3x3 at stride 2 on even sides: Keras pads 0 before, 1 after
                                              (2, 8, 8, 3, 3, 4, 2, "same")]:
        x, weights, bias = _data(rng, n, h, w, c, k, f)
        _compare(conv_forward(x, weights, bias, stride, padding), oracle(_keras_conv2d, x, weights, bias, stride, padding),
                 f"conv_forward {x.shape} x {weights.shape}, stride {stride}, {padding!r} vs keras Conv2D")
