"""The activations reference solution against Keras/TensorFlow and scipy on inputs beyond the
graded ones, its dtype rules, its stability under np.errstate(all="raise"), and the given edge
map helper against the convolution assignment's Laplacian."""

from __future__ import annotations

import ast
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.special

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


act = _load(ROOT / "solutions" / "activations" / "activations.py", "activations_solution")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

ALPHA = np.array([0.0, 0.01, 0.3, 2.0], np.float32)
ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "elu",
               "sigmoid_grad", "tanh_grad", "relu_grad", "leaky_relu_grad", "elu_grad"]


def _x(dtype=np.float32, scale=6.0):
    x = np.random.default_rng(3).normal(0, scale, (3, 7, 5, 4)).astype(dtype)
    x[0, 0, 0] = 0.0
    return x


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_shape_kept(name, dtype):
    got = getattr(act, name)(_x(dtype))
    assert got.dtype == dtype and got.shape == (3, 7, 5, 4)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_ints_become_float64(name):
    got = getattr(act, name)(np.arange(-3, 4))
    assert got.dtype == np.float64


def test_prelu_dtypes():
    for dtype in (np.float32, np.float64):
        assert act.prelu(_x(dtype), ALPHA).dtype == dtype
        assert act.prelu_grad(_x(dtype), ALPHA).dtype == dtype


def test_sigmoid_never_raises_even_on_underflow():
    """Stricter than the graded check: even underflow is not raised (tanh saturates)."""
    x = np.array([-1e30, -1000, -89, -88, -20, 0, 20, 88, 89, 1000, 1e30], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            for value in (x, x.astype(np.float64), -1000, 1000):
                got = act.sigmoid(value)
    assert act.sigmoid(-1000) == 0.0 and act.sigmoid(1000) == 1.0
    np.testing.assert_allclose(act.sigmoid(x), scipy.special.expit(x), atol=1e-7)


def test_float64_accuracy_vs_expit():
    x = np.linspace(-30, 30, 100001)
    np.testing.assert_allclose(act.sigmoid(x), scipy.special.expit(x), atol=2e-16 * 4, rtol=0)


@pytest.mark.parametrize("name,oracle", [
    ("sigmoid", lambda v: keras.activations.sigmoid(v)),
    ("tanh", lambda v: keras.activations.tanh(v)),
    ("relu", lambda v: keras.activations.relu(v)),
    ("leaky_relu", lambda v: keras.activations.leaky_relu(v, negative_slope=0.01)),
    ("elu", lambda v: keras.activations.elu(v)),
])
def test_values_vs_keras(name, oracle):
    x = _x(scale=30.0)
    np.testing.assert_allclose(getattr(act, name)(x), np.asarray(oracle(x)), atol=1e-6, rtol=1e-6)


def _tf_grad(f, x):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = f(xt)
    return tape.gradient(y, xt).numpy()


@pytest.mark.parametrize("alpha", [0.01, 0.25, 1.7])
def test_grads_vs_tensorflow(alpha):
    x = _x()
    np.testing.assert_allclose(act.leaky_relu_grad(x, alpha),
                               _tf_grad(lambda v: keras.activations.leaky_relu(v, negative_slope=alpha), x), atol=1e-6)
    np.testing.assert_allclose(act.elu_grad(x, alpha), _tf_grad(lambda v: keras.activations.elu(v, alpha=alpha), x),
                               atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(act.elu(x, alpha), np.asarray(keras.activations.elu(x, alpha=alpha)), atol=1e-6, rtol=1e-6)


def test_prelu_vs_keras_layer_and_gradient_away_from_zero():
    x = _x()
    x[x == 0] = 0.5
    layer = keras.layers.PReLU(shared_axes=[1, 2])
    layer.build(x.shape)
    layer.set_weights([ALPHA.reshape(1, 1, 4)])
    np.testing.assert_allclose(act.prelu(x, ALPHA), np.asarray(layer(x)), atol=1e-6)
    np.testing.assert_allclose(act.prelu_grad(x, ALPHA), _tf_grad(layer, x), atol=1e-6)


def test_cat_edges_matches_convolution_solution():
    """The activations assignment ships its own copy of the Laplacian edge map (it must not import
    the convolution assignment); it agrees with the convolution solution to float32 rounding."""
    conv = _load(ROOT / "solutions" / "convolution" / "convolution.py", "convolution_solution_for_edges")
    cat = str(ROOT / "reference" / "images" / "cat.png")
    ours = act.cat_edges(cat)
    theirs = conv.laplacian_edges(conv.load_grey(cat))
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (298, 449)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_no_import_of_convolution():
    for path in (ROOT / "solutions/activations/activations.py", ROOT / "assignments/activations/activations.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any("convolution" in name for name in names)


def test_given_code_identical_in_stub():
    def given(path):
        tree = ast.parse(Path(path).read_text())
        return {ast.unparse(n.targets[0]) if isinstance(n, ast.Assign) else n.name: ast.dump(n) for n in tree.body
                if (isinstance(n, ast.FunctionDef) and n.name in ("as_float", "cat_edges"))
                or (isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "LAPLACIAN")}

    solution = given(ROOT / "solutions/activations/activations.py")
    assert len(solution) == 3
    assert solution == given(ROOT / "assignments/activations/activations.py")


def test_edge_activations_vs_keras():
    edges = act.cat_edges(str(ROOT / "reference" / "images" / "cat.png"))
    result = act.edge_activations(edges)
    np.testing.assert_allclose(result["relu"], np.asarray(keras.activations.relu(edges)))
    assert 0.3 < result["relu_zero_fraction"] < 0.7
