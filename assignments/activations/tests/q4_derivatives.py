"""Question 4: the derivatives of the activations."""
import numpy as np
from otter.test_files import test_case
from _checks import sized as _sized, oracle

OK_FORMAT = False

name = "q4_derivatives"
points = 6

ALPHA = np.array([0.02, 0.3, 1.2])


def _points():
    """float64 points of shape (4, 5, 3), none within 1e-3 of a kink at 0."""
    x = np.random.default_rng(0).normal(0, 2.5, (4, 5, 3))
    return np.where(np.abs(x) < 1e-3, 0.5, x)


def _check(got, expected, atol, what):
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    err = float(np.max(np.abs(got - expected)))
    assert err <= atol, f"{what}: largest difference {err:.3g} (tolerance {atol:g})"


@test_case(points=2)
def test_vs_finite_differences(sigmoid_grad, tanh_grad, relu_grad, leaky_relu_grad, prelu_grad, elu_grad):
    x, h = _points(), 1e-6
    # central differences of the exact functions, written out here: error ~h^2, tolerance 1e-6
    functions = {
        "sigmoid_grad": (lambda v: 1 / (1 + np.exp(-v)), lambda: sigmoid_grad(x)),
        "tanh_grad": (np.tanh, lambda: tanh_grad(x)),
        "relu_grad": (lambda v: np.maximum(v, 0), lambda: relu_grad(x)),
        "leaky_relu_grad(alpha=0.01)": (lambda v: np.where(v > 0, v, 0.01 * v), lambda: leaky_relu_grad(x)),
        "leaky_relu_grad(alpha=0.2)": (lambda v: np.where(v > 0, v, 0.2 * v), lambda: leaky_relu_grad(x, 0.2)),
        "prelu_grad": (lambda v: np.where(v > 0, v, ALPHA * v), lambda: prelu_grad(x, ALPHA)),
        "elu_grad(alpha=1)": (lambda v: np.where(v > 0, v, np.exp(v) - 1), lambda: elu_grad(x)),
        "elu_grad(alpha=0.5)": (lambda v: np.where(v > 0, v, 0.5 * (np.exp(v) - 1)), lambda: elu_grad(x, 0.5)),
    }
    for what, (f, call) in functions.items():
        _check(call(), (f(x + h) - f(x - h)) / (2 * h), 1e-6, f"{what} vs central differences")


@test_case(points=1)
def test_at_zero_and_dtypes(sigmoid_grad, tanh_grad, relu_grad, leaky_relu_grad, prelu_grad, elu_grad):
    zero = np.zeros(3, np.float32)
    # at a kink the left-hand slope, as TensorFlow's gradients use
    cases = [
        ("sigmoid_grad(0)", sigmoid_grad(zero), [0.25] * 3),
        ("tanh_grad(0)", tanh_grad(zero), [1.0] * 3),
        ("relu_grad(0)", relu_grad(zero), [0.0] * 3),
        ("leaky_relu_grad(0)", leaky_relu_grad(zero), [np.float32(0.01)] * 3),
        ("leaky_relu_grad(0, 0.2)", leaky_relu_grad(zero, 0.2), [np.float32(0.2)] * 3),
        ("prelu_grad(0, alpha)", prelu_grad(zero, ALPHA.astype(np.float32)), ALPHA.astype(np.float32).tolist()),
        ("elu_grad(0)", elu_grad(zero), [1.0] * 3),
        ("elu_grad(0, 0.5)", elu_grad(zero, 0.5), [0.5] * 3),
    ]
    for what, got, expected in cases:
        # the shape first: allclose would broadcast an (N, 3) answer, and its message list every value
        got = _sized(got, (3,), f"{what} of float32 zeros of shape (3,)")
        assert got.dtype == np.float32, f"{what} on float32: expected float32 out, got {got.dtype}"
        assert np.allclose(got, expected, rtol=1e-6, atol=0), (
            f"{what}, on float32 zeros of shape (3,): expected {np.asarray(expected).tolist()}, got {got.tolist()}")
    # far from 0: exp(1000) = inf, and inf / inf is nan; the slopes there are 0 (1 for elu_grad at +1000).
    # Warnings are allowed here (no docstring forbids them); wrong values and NaN are not.
    far = np.array([-1000.0, 1000.0])
    for what, f, expected in (("sigmoid_grad", sigmoid_grad, [0.0, 0.0]), ("tanh_grad", tanh_grad, [0.0, 0.0]),
                              ("elu_grad", elu_grad, [0.0, 1.0])):
        with np.errstate(all="ignore"):
            got = np.asarray(f(far.copy()), dtype=np.float64)
        _sized(got, (2,), f"{what} at [-1000.0, 1000.0]")
        assert not np.isnan(got).any() and np.allclose(got, expected, rtol=0, atol=1e-12), (
            f"{what} at [-1000.0, 1000.0]: expected the slopes there, got {got.tolist()}. A formula that "
            "takes exp of a large number (exp(1000) = inf) gives inf / inf = nan: build it from a stable function")


@test_case(points=1)
def test_ints_alpha_zero_and_errors(relu_grad, leaky_relu_grad, elu_grad, sigmoid_grad, prelu_grad):
    # ints are computed in float64; alpha = 0 is the smallest valid slope; a negative one raises
    got = _sized(relu_grad([-1, 0, 2]), (3,), "relu_grad of the list [-1, 0, 2]")
    assert got.dtype == np.float64 and got.tolist() == [0.0, 0.0, 1.0], (
        f"relu_grad of the list [-1, 0, 2]: expected float64 values 0 or 1 (0 at the kink), got {got.dtype} {got.tolist()}")
    got = _sized(sigmoid_grad(np.array([0], np.int64)), (1,), "sigmoid_grad of an int64 array of shape (1,)")
    assert got.dtype == np.float64 and got.tolist() == [0.25], (
        f"sigmoid_grad of an int64 array: expected float64 (the sigmoid's slope at 0), got {got.dtype} {got.tolist()}")
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    for what, f in (("leaky_relu_grad", leaky_relu_grad), ("elu_grad", elu_grad)):
        got = _sized(f(x, 0.0), x.shape, f"{what}(x, alpha=0) at {x.tolist()}")
        assert got.dtype == np.float64 and got.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0], (
            f"{what}(x, alpha=0) at {x.tolist()}: alpha 0 is allowed; expected float64 slopes 1 for x > 0 and 0 "
            f"elsewhere, got {got.dtype} {got.tolist()}")
        try:
            f(x, -0.5)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{what} with alpha -0.5: expected ValueError (alpha must be >= 0)")
    got = _sized(elu_grad([-1, 0, 2]), (3,), "elu_grad of the list [-1, 0, 2]")   # a list of ints: an array-like, computed in float64
    assert got.dtype == np.float64 and np.allclose(got, [np.exp(-1.0), 1.0, 1.0], rtol=1e-12, atol=0), (
        f"elu_grad of the list [-1, 0, 2]: expected float64 slopes (alpha * exp(x) for x <= 0), got {got.dtype} {got.tolist()}")
    got = _sized(prelu_grad(np.array([[-1], [3]]), [0.5]), (2, 1), "prelu_grad of the int array [[-1], [3]]")   # ints: alpha must not become an int
    assert got.dtype == np.float64 and got.tolist() == [[0.5], [1.0]], (
        f"prelu_grad of the int array [[-1], [3]] with alpha [0.5]: expected float64 [[0.5], [1.0]] (ints are "
        f"computed in float64), got {got.dtype} {got.tolist()}")
    got = _sized(prelu_grad(np.array([[-1.0], [3.0]]), [0.5]), (2, 1), "prelu_grad of [[-1], [3]]")   # one channel, alpha a list
    assert got.dtype == np.float64 and got.tolist() == [[0.5], [1.0]], (
        f"prelu_grad of [[-1], [3]] with alpha [0.5]: expected float64 [[0.5], [1.0]], got {got.dtype} {got.tolist()}")
    # float32 x, alpha a list; as many rows as channels: alpha goes along the last axis
    got = _sized(prelu_grad(np.array([[-1.0, 2.0], [-3.0, -4.0]], np.float32), [0.3, 0.6]), (2, 2),
                 "prelu_grad of [[-1, 2], [-3, -4]] with alpha [0.3, 0.6]")
    assert got.dtype == np.float32, f"prelu_grad of a float32 x with alpha a list of floats: expected float32, got {got.dtype}"
    assert got.shape == (2, 2) and np.allclose(got, [[0.3, 1.0], [0.3, 0.6]], rtol=1e-6, atol=0), (
        f"prelu_grad of [[-1, 2], [-3, -4]] with alpha [0.3, 0.6] per channel (the last axis): got {got.tolist()}")
    got = _sized(leaky_relu_grad(np.array([-2, 0, 3]), 0.2), (3,), "leaky_relu_grad of the ints [-2, 0, 3]")
    assert got.dtype == np.float64 and np.allclose(got, [0.2, 0.2, 1.0], rtol=1e-12, atol=0), (
        f"leaky_relu_grad of the ints [-2, 0, 3] with alpha 0.2: expected float64 slopes, got {got.dtype} {got.tolist()}")
    for alpha in (np.ones(2), np.ones((1, 3)), np.ones(1)):
        try:
            prelu_grad(np.zeros((2, 3)), alpha)
        except ValueError:
            continue
        raise AssertionError(f"prelu_grad on shape (2, 3) with alpha of shape {alpha.shape}: expected ValueError "
                             "(alpha must be (3,))")


def _tf_gradients():
    """{name: TensorFlow's gradient of the Keras activation at x}, and x and alpha: they depend on the
    fixed input only, so they are computed once per grading process (issue 16), read-only."""
    return oracle(_tf_gradients_of)


def _tf_gradients_of():
    import keras  # the grader's oracle, in hidden cases only: students need no TensorFlow
    import tensorflow as tf

    x = np.random.default_rng(1).normal(0, 3, (2, 4, 4, 3)).astype(np.float32)
    x[0, 0, 0] = 0.0  # the kinks too
    alpha = ALPHA.astype(np.float32)
    prelu_layer = keras.layers.PReLU(shared_axes=[1, 2])
    prelu_layer.build(x.shape)
    prelu_layer.set_weights([alpha.reshape(1, 1, 3)])

    def gradient(f):
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = f(xt)
        return tape.gradient(y, xt).numpy()  # elementwise f: d(sum y)/dx is f'(x)

    expected = {
        "sigmoid_grad": gradient(keras.activations.sigmoid),
        "tanh_grad": gradient(keras.activations.tanh),
        "relu_grad": gradient(keras.activations.relu),
        "leaky_relu_grad(alpha=0.01)": gradient(lambda v: keras.activations.leaky_relu(v, negative_slope=0.01)),
        "prelu_grad": gradient(prelu_layer),
        "elu_grad(alpha=1)": gradient(keras.activations.elu),
        "elu_grad(alpha=0.6)": gradient(lambda v: keras.activations.elu(v, alpha=0.6)),
    }
    # Keras writes PReLU as relu(x) - alpha * relu(-x), whose TensorFlow gradient at exactly
    # 0 is 0; the left-hand slope there is alpha (test_at_zero_and_dtypes checks that).
    expected["prelu_grad"][0, 0, 0] = alpha
    return x, alpha, expected


@test_case(points=2, hidden=True)
def test_vs_tensorflow_gradients(sigmoid_grad, tanh_grad, relu_grad, leaky_relu_grad, prelu_grad, elu_grad):
    x, alpha, expected = _tf_gradients()
    x, alpha = x.copy(), alpha.copy()  # the student's functions get arrays of their own
    cases = [
        ("sigmoid_grad", sigmoid_grad(x)),
        ("tanh_grad", tanh_grad(x)),
        ("relu_grad", relu_grad(x)),
        ("leaky_relu_grad(alpha=0.01)", leaky_relu_grad(x)),
        ("prelu_grad", prelu_grad(x, alpha)),
        ("elu_grad(alpha=1)", elu_grad(x)),
        ("elu_grad(alpha=0.6)", elu_grad(x, 0.6)),
    ]
    for what, got in cases:
        got = np.asarray(got)
        assert got.dtype == np.float32, f"{what} on float32: expected float32 out, got {got.dtype}"
        _check(got, expected[what], 1e-6, f"{what} vs TensorFlow's gradient of the Keras activation")
