"""Question 2: single-channel cross-correlation and true convolution, with stride and padding."""
import math

import numpy as np
from otter.test_files import test_case
from _checks import expect_value_errors, oracle

OK_FORMAT = False

name = "q2_correlation"
points = 6

# float64 inputs: results must match scipy to rounding (atol 1e-9); float32 vs Keras: atol 1e-5.
ATOL64, ATOL32 = 1e-9, 1e-5


def _scipy2d(name, image, kernel, mode):
    """scipy.signal.correlate2d or convolve2d, computed once per distinct input (and recorded when
    the course is built: importing scipy.signal alone takes about a second)."""
    return oracle(_scipy2d_of, name, image, kernel, mode)


def _scipy2d_of(name, image, kernel, mode):
    import scipy.signal
    return getattr(scipy.signal, name)(image, kernel, mode=mode)


def _before(n, k, s, padding):
    if padding == "valid":
        return 0
    return max((math.ceil(n / s) - 1) * s + k - n, 0) // 2


def _strided_from_full(full, shape, kernel_shape, stride, padding):
    """Keras-style strided output cut out of scipy's 'full' result: window (i, j) starts at input
    (i*s - before, j*s - before), which is full-output index (i*s - before + k - 1, ...)."""
    h, w = shape
    kh, kw = kernel_shape
    top, left = _before(h, kh, stride, padding), _before(w, kw, stride, padding)
    h_out = math.ceil(h / stride) if padding == "same" else (h - kh) // stride + 1
    w_out = math.ceil(w / stride) if padding == "same" else (w - kw) // stride + 1
    return full[kh - 1 - top::stride, kw - 1 - left::stride][:h_out, :w_out]


def _compare(got, expected, atol, what):
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    err = float(np.max(np.abs(got - expected))) if got.size else 0.0
    assert err <= atol, f"{what}: largest difference from the oracle is {err:.3g} (tolerance {atol:g})"


@test_case(points=1)
def test_correlate_vs_scipy(cross_correlate):
    rng = np.random.default_rng(0)
    image = rng.standard_normal((9, 12))
    for kshape in [(3, 3), (5, 5), (1, 1), (3, 5)]:
        kernel = rng.standard_normal(kshape)
        for padding in ("same", "valid"):
            expected = _scipy2d("correlate2d", image, kernel, padding)
            _compare(cross_correlate(image, kernel, 1, padding), expected, ATOL64,
                     f"cross_correlate with a {kshape} kernel, stride 1, {padding!r} vs scipy.signal.correlate2d")


@test_case(points=1)
def test_convolve_vs_scipy(true_convolve):
    rng = np.random.default_rng(1)
    image = rng.standard_normal((10, 8))
    for kshape in [(3, 3), (5, 3), (1, 1)]:
        kernel = rng.standard_normal(kshape)
        for padding in ("same", "valid"):
            expected = _scipy2d("convolve2d", image, kernel, padding)
            _compare(true_convolve(image, kernel, 1, padding), expected, ATOL64,
                     f"true_convolve with a {kshape} kernel, stride 1, {padding!r} vs scipy.signal.convolve2d")


@test_case(points=1)
def test_stride(cross_correlate, true_convolve):
    rng = np.random.default_rng(2)
    image = rng.standard_normal((11, 13))
    for kshape, stride, padding in [((3, 3), 2, "valid"), ((3, 3), 2, "same"), ((5, 5), 3, "same"),
                                    ((3, 5), 3, "valid"), ((1, 1), 4, "same")]:
        kernel = rng.standard_normal(kshape)
        expected = _strided_from_full(_scipy2d("correlate2d", image, kernel, "full"), image.shape, kshape, stride, padding)
        _compare(cross_correlate(image, kernel, stride, padding), expected, ATOL64,
                 f"cross_correlate, kernel {kshape}, stride {stride}, {padding!r} vs strided scipy result")
        expected = _strided_from_full(_scipy2d("convolve2d", image, kernel, "full"), image.shape, kshape, stride, padding)
        _compare(true_convolve(image, kernel, stride, padding), expected, ATOL64,
                 f"true_convolve, kernel {kshape}, stride {stride}, {padding!r} vs strided scipy result")


@test_case(points=1)
def test_dtypes_smallest_and_errors(cross_correlate, true_convolve):
    rng = np.random.default_rng(3)
    image = rng.standard_normal((6, 7)).astype(np.float32)
    kernel = rng.standard_normal((3, 3)).astype(np.float32)
    ints = rng.integers(0, 256, (5, 6)).astype(np.uint8)
    int_kernel = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]  # a nested list: any array-like
    for name_, func, reference in [("cross_correlate", cross_correlate, "correlate2d"),
                                   ("true_convolve", true_convolve, "convolve2d")]:
        got = np.asarray(func(image, kernel, 1, "same"))
        assert got.dtype == np.float32, f"{name_}: float32 image and kernel should give float32 out, got {got.dtype}"
        _compare(got, _scipy2d(reference, image.astype(np.float64), kernel.astype(np.float64), "same"), ATOL32,
                 f"{name_}, float32 inputs, 'same'")
        got = np.asarray(func(ints, int_kernel, 1, "valid"))
        assert got.dtype == np.float64, (f"{name_}: a uint8 image with an int kernel should give float64 out "
                                         f"(integers are computed in float64), got {got.dtype}")
        _compare(got, _scipy2d(reference, ints.astype(np.float64), int_kernel, "valid"), ATOL64,
                 f"{name_}, uint8 image and an int kernel given as a list (no uint8 wrap-around), 'valid'")
        got = np.asarray(func(image.astype(np.float16), kernel.astype(np.float16), 1, "valid"))
        assert got.dtype == np.float64, f"{name_}: float16 inputs are computed in float64, got {got.dtype}"
        # float32 only when BOTH are float32: one float64 input makes the result float64.
        for im, ke, which in [(image, kernel.astype(np.float64), "a float32 image with a float64 kernel"),
                              (image.astype(np.float64), kernel, "a float64 image with a float32 kernel")]:
            got = np.asarray(func(im, ke, 1, "valid"))
            assert got.dtype == np.float64, f"{name_}: {which} should give float64 out, got {got.dtype}"
        # The smallest valid input: a 3x3 image under a 3x3 kernel gives one value.
        small, k3 = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
        _compare(func(small, k3, 1, "valid"), _scipy2d(reference, small, k3, "valid"), ATOL64,
                 f"{name_}, a 3x3 image with a 3x3 kernel, 'valid' (one output value)")
        _compare(func(small, k3, 3, "valid"), _scipy2d(reference, small, k3, "valid"), ATOL64,
                 f"{name_}, a 3x3 image with a 3x3 kernel, stride 3, 'valid'")
    bad = [
        (np.zeros((4, 4, 1)), np.ones((3, 3)), 1, "valid"),   # not single-channel 2-D
        (np.zeros((4, 4)), np.ones(3), 1, "valid"),           # 1-D kernel
        (np.zeros((4, 4)), np.ones((5, 5)), 1, "valid"),      # kernel does not fit
        (np.zeros((4, 4)), np.ones((3, 5)), 1, "valid"),      # kernel does not fit the width
        (np.zeros((4, 4)), np.ones((3, 3)), 1, "full"),       # unknown padding
        (np.zeros((4, 4)), np.ones((3, 3)), 0, "same"),       # stride 0
    ]
    for name_, func in (("cross_correlate", cross_correlate), ("true_convolve", true_convolve)):
        expect_value_errors(func, [(f"{name_}(image {image.shape}, kernel {np.shape(kernel)}, {stride}, {padding!r})",
                                    (image, kernel, stride, padding)) for image, kernel, stride, padding in bad])


def _keras_single(image, kernel, stride, padding):
    """One-filter Keras Conv2D without bias, given the kernel: single-channel cross-correlation
    (run once per distinct input in a grading process)."""
    return oracle(_keras_single_of, image, kernel, stride, padding)


def _keras_single_of(image, kernel, stride, padding):
    import keras
    kh, kw = kernel.shape
    layer = keras.layers.Conv2D(1, (kh, kw), strides=stride, padding=padding, use_bias=False)
    layer.build((None,) + image.shape + (1,))
    layer.set_weights([kernel.reshape(kh, kw, 1, 1)])
    return np.asarray(layer(image[None, :, :, None]))[0, :, :, 0]


@test_case(points=1, hidden=True)
def test_correlate_vs_keras(cross_correlate):
    rng = np.random.default_rng(4)
    for shape, kshape, stride, padding in [((8, 9), (2, 2), 1, "same"), ((9, 7), (4, 4), 2, "same"),
                                           ((10, 10), (2, 3), 3, "same"), ((7, 12), (4, 2), 2, "valid"),
                                           ((12, 11), (6, 6), 4, "same"), ((5, 5), (5, 5), 1, "valid")]:
        image = rng.standard_normal(shape).astype(np.float32)
        kernel = rng.standard_normal(kshape).astype(np.float32)
        _compare(cross_correlate(image, kernel, stride, padding), _keras_single(image, kernel, stride, padding), ATOL32,
                 f"cross_correlate, image {shape}, kernel {kshape}, stride {stride}, {padding!r} vs keras Conv2D")


@test_case(points=1, hidden=True)
def test_convolve_vs_keras(true_convolve):
    rng = np.random.default_rng(6)
    for shape, kshape, stride, padding in [((8, 9), (2, 2), 1, "same"), ((9, 7), (4, 3), 2, "same"),
                                           ((11, 10), (3, 3), 2, "valid")]:
        image = rng.standard_normal(shape).astype(np.float32)
        kernel = rng.standard_normal(kshape).astype(np.float32)
        # A true convolution is Keras's cross-correlation with the kernel flipped both ways.
        expected = _keras_single(image, kernel[::-1, ::-1].copy(), stride, padding)
        _compare(true_convolve(image, kernel, stride, padding), expected, ATOL32,
                 f"true_convolve, image {shape}, kernel {kshape}, stride {stride}, {padding!r} vs keras Conv2D, flipped kernel")
