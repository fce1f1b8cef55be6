"""Question 5: activations applied to the cat's Laplacian edge map."""
import numpy as np
import scipy.special
from otter.test_files import test_case
from PIL import Image
from _checks import computed, keras_activation, oracle

OK_FORMAT = False

name = "q5_edge_map"
points = 3

ATOL32 = 1e-6
KEYS = {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "relu_zero_fraction"}


def _edges():
    """The grey cat's 'valid' Laplacian edge map, float32 (what the stub's cat_edges gives); a
    writable copy of the result computed once per grading process (or recorded by the build)."""
    return oracle(_edges_of, "assets/cat.png").copy()


def _edges_of(path):
    import scipy.signal  # here, not at the top: a second to import, and the build records the result
    with Image.open(path) as image:
        grey = np.asarray(image.convert("L"), dtype=np.float32) / np.float32(255)
    laplacian = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32)
    return scipy.signal.correlate2d(grey, laplacian, mode="valid").astype(np.float32)


def _get(result, key, shape):
    got = np.asarray(result[key])
    assert got.shape == shape, f"{key!r}: expected shape {shape}, got {got.shape}"
    assert got.dtype == np.float32, f"{key!r}: the edge map is float32, so expected float32, got {got.dtype}"
    return got


def _check(result, expected, what):
    for key, want in expected.items():
        got = _get(result, key, want.shape)
        err = float(np.max(np.abs(got.astype(np.float64) - want)))
        assert err <= ATOL32, (
            f"{key!r} of the edge map vs {what}: largest difference {err:.3g} (tolerance {ATOL32:g}). "
            f"If {key} alone is right, another activation may have changed the edge map in place "
            f"before it (each should return a new array)")


def _numpy_references(edges):
    e = edges.astype(np.float64)
    return {
        "sigmoid": scipy.special.expit(e),
        "tanh": np.tanh(e),
        "relu": np.maximum(e, 0),
        "leaky_relu": np.where(e > 0, e, 0.01 * e),
        "elu": np.where(e > 0, e, np.expm1(np.minimum(e, 0))),
        "relu_zero_fraction": float(np.mean(edges <= 0)),
    }


@test_case(points=2)
def test_edge_activations(edge_activations):
    edges = _edges()
    result = edge_activations(edges)
    assert isinstance(result, dict) and set(result) == KEYS, f"expected a dict with keys {sorted(KEYS)}, got {sorted(result) if isinstance(result, dict) else result!r}"
    references = computed(_numpy_references, edges)   # of edges as the call left them, as before
    _check(result, {key: want for key, want in references.items() if key != "relu_zero_fraction"}, "scipy/numpy")
    expected = references["relu_zero_fraction"]
    got = result["relu_zero_fraction"]
    assert isinstance(got, (float, np.floating)), f"relu_zero_fraction: expected a float, got {type(got).__name__}"
    if not abs(float(got) - expected) < 1e-9:   # written so that NaN fails too
        hint = ""
        if abs(float(got) - float(np.mean(edges < 0))) < 1e-9:
            hint = ": that counts only the negative pixels, but ReLU also outputs 0 where the edge map is exactly 0"
        elif abs(float(got) - float(np.mean(edges > 0))) < 1e-9:
            hint = ": that is the fraction ReLU keeps, not the fraction it zeroes"
        raise AssertionError(f"relu_zero_fraction: expected the fraction of pixels ReLU outputs as 0, got {float(got)!r}{hint}")


@test_case(points=1, hidden=True)
def test_vs_keras(edge_activations):
    edges = _edges()
    result = edge_activations(edges)
    _check(result, {
        "sigmoid": keras_activation("sigmoid", edges),
        "tanh": keras_activation("tanh", edges),
        "relu": keras_activation("relu", edges),
        "leaky_relu": keras_activation("leaky_relu", edges, negative_slope=0.01),
        "elu": keras_activation("elu", edges),
    }, "keras.activations")
