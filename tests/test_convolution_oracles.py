"""The convolution reference solution against its oracles on inputs beyond the graded ones:
Keras output shapes over a grid of settings, scipy and Keras Conv2D on random data, and the
speed-relevant path (im2col) on a batch."""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("convolution_solution", ROOT / "solutions" / "convolution" / "convolution.py")
conv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conv)

keras = pytest.importorskip("keras")


def test_output_shape_grid_vs_keras():
    for n, k, s, padding in itertools.product(range(1, 13), range(1, 8), range(1, 5), ("same", "valid")):
        layer = keras.layers.Conv2D(2, k, strides=s, padding=padding)
        try:
            expected = tuple(layer.compute_output_shape((None, n, n + 1, 3))[1:])
        except ValueError:
            with pytest.raises(ValueError):
                conv.output_shape((n, n + 1, 3), k, s, 2, padding)
            continue
        assert conv.output_shape((n, n + 1, 3), k, s, 2, padding) == expected, (n, k, s, padding)


def test_padding_formula_and_sizes():
    for n, k, s in itertools.product(range(1, 15), range(1, 8), range(1, 5)):
        before, after = conv.padding_amounts(n, k, s, "same")
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        assert (before, after) == (total // 2, total - total // 2)
        assert (n + before + after - k) // s + 1 == math.ceil(n / s)


def test_correlate_vs_scipy_full_random():
    rng = np.random.default_rng(11)
    for _ in range(60):
        h, w = rng.integers(3, 20, size=2)
        kh, kw = rng.integers(1, 6, size=2)
        s = int(rng.integers(1, 5))
        padding = str(rng.choice(["same", "valid"]))
        if padding == "valid" and (kh > h or kw > w):
            continue
        x, k = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
        top, left = conv.padding_amounts(h, kh, s, padding)[0], conv.padding_amounts(w, kw, s, padding)[0]
        got = conv.cross_correlate(x, k, s, padding)
        full = scipy.signal.correlate2d(x, k, "full")[kh - 1 - top::s, kw - 1 - left::s][:got.shape[0], :got.shape[1]]
        assert got.shape == conv.output_shape((h, w, 1), 1, s, 1, padding)[:2] or padding == "valid"
        np.testing.assert_allclose(got, full, atol=1e-10)
        fullc = scipy.signal.convolve2d(x, k, "full")[kh - 1 - top::s, kw - 1 - left::s][:got.shape[0], :got.shape[1]]
        np.testing.assert_allclose(conv.true_convolve(x, k, s, padding), fullc, atol=1e-10)


def test_scipy_same_even_kernels():
    """The documented facts: scipy's correlate2d 'same' agrees with Keras's rule even for even
    kernels; its convolve2d 'same' is one pixel off for them."""
    rng = np.random.default_rng(12)
    x, k = rng.standard_normal((9, 12)), rng.standard_normal((2, 2))
    np.testing.assert_allclose(conv.cross_correlate(x, k, 1, "same"), scipy.signal.correlate2d(x, k, "same"), atol=1e-12)
    ours, theirs = conv.true_convolve(x, k, 1, "same"), scipy.signal.convolve2d(x, k, "same")
    assert not np.allclose(ours, theirs)
    np.testing.assert_allclose(ours[:-1, :-1], theirs[1:, 1:], atol=1e-12)


@pytest.mark.parametrize("n,h,w,c,k,f,s,padding", [
    (4, 13, 9, 3, 3, 7, 1, "same"), (2, 15, 15, 6, 4, 5, 3, "same"), (1, 20, 11, 2, 7, 3, 2, "valid"),
    (3, 5, 5, 16, 1, 32, 1, "valid"), (1, 8, 8, 3, 8, 4, 1, "valid"), (2, 7, 10, 3, 2, 2, 4, "same"),
])
def test_conv_forward_vs_keras(n, h, w, c, k, f, s, padding):
    rng = np.random.default_rng(n * 1000 + h * 10 + k)
    x = rng.uniform(-1, 1, (n, h, w, c)).astype(np.float32)
    weights = rng.normal(0, 0.5, (k, k, c, f)).astype(np.float32)
    bias = rng.normal(0, 1, f).astype(np.float32)
    layer = keras.layers.Conv2D(f, k, strides=s, padding=padding)
    layer.build((None, h, w, c))
    layer.set_weights([weights, bias])
    got = conv.conv_forward(x, weights, bias, s, padding)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.asarray(layer(x)), atol=1e-4, rtol=1e-4)


def test_rectangular_kernel_conv_forward_vs_keras():
    rng = np.random.default_rng(13)
    x = rng.uniform(-1, 1, (2, 10, 12, 3)).astype(np.float32)
    weights = rng.normal(0, 0.5, (2, 5, 3, 4)).astype(np.float32)
    bias = np.zeros(4, np.float32)
    layer = keras.layers.Conv2D(4, (2, 5), strides=2, padding="same")
    layer.build((None, 10, 12, 3))
    layer.set_weights([weights, bias])
    np.testing.assert_allclose(conv.conv_forward(x, weights, bias, 2, "same"), np.asarray(layer(x)), atol=1e-4)


def test_laplacian_matches_convolution_definition():
    grey = conv.load_grey(str(ROOT / "reference" / "images" / "cat.png"))
    edges = conv.laplacian_edges(grey)
    assert edges.shape == (298, 449) and edges.dtype == np.float64
    # symmetric kernel: correlation and convolution agree
    np.testing.assert_allclose(edges, scipy.signal.convolve2d(grey, conv.LAPLACIAN, "valid"), atol=1e-12)


def test_given_code_identical_in_stub():
    """load_grey and LAPLACIAN are given code: the stub must carry them unchanged."""
    import ast

    def given(path):
        tree = ast.parse(Path(path).read_text())
        return {node.name if hasattr(node, "name") else ast.unparse(node.targets[0]): ast.dump(node)
                for node in tree.body
                if (isinstance(node, ast.FunctionDef) and node.name == "load_grey")
                or (isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "LAPLACIAN")}

    assert given(ROOT / "solutions/convolution/convolution.py") == given(ROOT / "assignments/convolution/convolution.py")
