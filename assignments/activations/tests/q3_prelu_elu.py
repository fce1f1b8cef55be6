"""Question 3: parametric ReLU (one slope per channel) and ELU."""
import warnings

import numpy as np
from otter.test_files import test_case
from _checks import sized as _sized, compare as _compare, keras_activation, keras_prelu

OK_FORMAT = False

name = "q3_prelu_elu"
points = 4

ATOL64, ATOL32 = 1e-12, 1e-6


@test_case(points=1)
def test_prelu(prelu):
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2, (2, 4, 5, 3))
    alpha = np.array([0.0, 0.1, 0.5])
    expected = x.copy()
    for c in range(3):  # channel by channel, the slow way
        channel = expected[..., c]
        channel[channel <= 0] *= alpha[c]
    _compare(prelu(x, alpha), expected, ATOL64, "prelu with alpha [0, 0.1, 0.5] per channel")
    _compare(prelu(x.astype(np.float32), alpha.astype(np.float32)), expected.astype(np.float32), ATOL32,
             "prelu on float32")
    # x's dtype decides, not alpha's: float32 x with alpha a list of Python floats stays float32
    _compare(prelu(x.astype(np.float32), alpha.tolist()), expected.astype(np.float32), ATOL32,
             "prelu on float32 x with alpha the list [0.0, 0.1, 0.5]")
    ints = np.array([[-3, 2], [-4, -1]])   # as many rows as channels: alpha goes along the last axis
    _compare(prelu(ints, [0.5, 0.25]), np.array([[-1.5, 2.0], [-2.0, -0.25]]), ATOL64,
             "prelu of the 2x2 int array [[-3, 2], [-4, -1]] with alpha [0.5, 0.25] per channel (the last axis; "
             "computed in float64)")


@test_case(points=1)
def test_elu(elu):
    x = np.linspace(-10, 10, 401)
    for alpha in (1.0, 0.5):
        expected = np.where(x > 0, x, alpha * (np.exp(x) - 1))
        _compare(elu(x, alpha), expected, ATOL64, f"elu with alpha {alpha}")
    _compare(elu(x.astype(np.float32)), np.where(x > 0, x, np.exp(x) - 1).astype(np.float32), ATOL32,
             "elu on float32 with the default alpha 1.0")
    # just below 0, exp(x) - 1 in float32 loses every digit (exp(-1e-9) rounds to 1): the docstring's
    # expm1 keeps them
    tiny = np.array([-1e-5, -1e-7, -1e-9], np.float32)
    got = np.asarray(elu(tiny))
    want = np.expm1(tiny.astype(np.float64))
    assert got.shape == (3,) and np.allclose(got, want, rtol=1e-5, atol=0), (
        f"elu of float32 [-1e-5, -1e-7, -1e-9] (just below 0): expected about {want.tolist()} (relative error "
        f"under 1e-5), got {got.tolist()}")
    ints = np.arange(-3, 3)
    _compare(elu(ints, 0.5), np.where(ints > 0, ints, 0.5 * np.expm1(ints)), ATOL64,
             "elu of an int array with alpha 0.5 (computed in float64)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            try:
                got = np.asarray(elu(np.array([-1000.0, 1000.0])))
            except (FloatingPointError, RuntimeWarning) as e:
                raise AssertionError(
                    f"elu([-1000, 1000]) must not overflow or warn, but got {type(e).__name__}: {e}. "
                    "exp of the positive values (exp(1000) = inf) is taken and then thrown away: "
                    "see the docstring") from None
    _sized(got, (2,), "elu([-1000, 1000])")
    assert got.tolist() == [-1.0, 1000.0], f"elu([-1000, 1000]) should be [-1, 1000] with no overflow, got {got.tolist()}"


@test_case(points=1)
def test_smallest_valid_arguments_and_errors(prelu, elu):
    # The smallest valid arguments give values; the invalid ones raise.
    x1 = np.array([[[-2.0], [0.5]]])                  # one channel: alpha of shape (1,)
    _compare(prelu(x1, [0.25]), np.array([[[-0.5], [0.5]]]), ATOL64, "prelu with one channel, alpha [0.25] (a list)")
    # x of shape (C,): one position, its channels are its only axis
    _compare(prelu(np.array([-2.0, 3.0, -1.0]), [0.5, 0.1, 0.2]), np.array([-1.0, 3.0, -0.2]), ATOL64,
             "prelu of the 1-D x [-2, 3, -1] (shape (C,), C = 3) with alpha [0.5, 0.1, 0.2]")
    x = np.linspace(-3, 3, 13)
    _compare(elu(x, 0.0), np.maximum(x, 0), ATOL64, "elu with alpha 0 (the smallest allowed)")
    x4 = np.zeros((2, 4, 4, 3))
    for alpha in (np.ones(4), np.ones((1, 3)), np.ones(2), np.ones(1)):
        try:
            prelu(x4, alpha)
        except ValueError:
            continue
        raise AssertionError(f"prelu on {x4.shape} with alpha of shape {alpha.shape}: expected ValueError (alpha must be (3,))")
    try:
        elu(x, -1.0)
    except ValueError:
        pass
    else:
        raise AssertionError("elu with alpha -1.0: expected ValueError (alpha must be >= 0)")


@test_case(points=1, hidden=True)
def test_vs_keras(prelu, elu):
    rng = np.random.default_rng(1)
    x = rng.normal(0, 2, (2, 6, 6, 4)).astype(np.float32)
    alpha = np.array([0.0, 0.05, 0.25, 1.5], np.float32)
    _compare(prelu(x, alpha), keras_prelu(x, alpha), ATOL32, "prelu vs keras.layers.PReLU(shared_axes=[1, 2])")
    for a in (1.0, 0.7):
        _compare(elu(x, a), keras_activation("elu", x, alpha=a), ATOL32,
                 f"elu(x, {a}) vs keras.activations.elu(x, alpha={a})")
