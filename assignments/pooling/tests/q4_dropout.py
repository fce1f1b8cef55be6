"""Question 4: inverted dropout, against the statistics of keras.layers.Dropout."""
import os

import numpy as np
from otter.test_files import test_case
from _checks import computed as _computed, expect_value_error as _expect_value_error, oracle as _oracle
from _watch import untouched

OK_FORMAT = False

name = "q4_dropout"
points = 5

N = 200_000   # enough values for tight binomial tolerances
SIGMAS = 5    # tolerances are 5 standard deviations: a correct dropout fails about once in 3.5 million runs


def _values(shape=(N,), seed=0):
    """Inputs with no zeros, so an output 0 means "dropped": a new writable array each call, made
    once per grading process (200,000 draws cost more than a copy)."""
    return _computed(_make_values, tuple(shape), seed).copy()


def _make_values(shape, seed):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(np.float32)


def _keras_dropout(x, rate, training, seed=0):
    """Keras Dropout(rate, seed) on x: seeded, so the same input gives the same output; computed
    once per distinct input and returned read-only."""
    return _oracle(_keras_dropout_run, x, rate, training, seed)


def _keras_dropout_run(x, rate, training, seed):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    return np.asarray(keras.layers.Dropout(rate, seed=seed)(x, training=training))


def _reference(x, rate):
    """What the statistics checks need of x, once per distinct input: (the fraction Keras drops, the
    mean of Keras' output, the mean of x and of x**2, in float64)."""
    return _oracle(_reference_run, x, rate)


def _reference_run(x, rate):
    out = _keras_dropout_run(x, rate, True, 0)   # not kept itself: four numbers are all the checks need
    return (float(np.mean(out == 0)), float(np.mean(out, dtype=np.float64)),
            float(np.mean(x, dtype=np.float64)), float(np.mean(x.astype(np.float64) ** 2)))


def _keras_scale(rate):
    """Keras' scale: what a surviving 1.0 becomes."""
    return _oracle(_keras_scale_run, rate)


def _keras_scale_run(rate):
    ones = _keras_dropout(np.ones(1000, np.float32), rate, True)
    return float(ones[ones != 0][0])


def _check_statistics(out, x, rate, what):
    """Fraction of zeros close to rate, survivors scaled exactly as Keras scales them; returns
    _reference(x, rate)."""
    out = np.asarray(out)
    assert out.shape == x.shape, f"{what}: expected shape {x.shape}, got {out.shape}"
    n = x.size
    dropped = float(np.mean(out == 0))
    reference = _reference(x, rate)
    keras_dropped = reference[0]
    tol = SIGMAS * np.sqrt(rate * (1 - rate) / n)
    assert abs(dropped - rate) <= tol, (
        f"{what}: expected a fraction of zeros of {rate} +- {tol:.4f} (Keras Dropout gave {keras_dropped:.4f}), "
        f"got {dropped:.4f}"
    )
    scale = _keras_scale(rate)
    kept = out != 0
    want = x[kept].astype(np.float64) * scale
    got = out[kept].astype(np.float64)
    if not np.allclose(got, want, rtol=1e-6, atol=0):   # the worst value is looked for only to be shown
        worst = int(np.argmax(np.abs(got - want) / want))
        raise AssertionError(
            f"{what}: survivors must be x * 1/(1 - rate) = x * {scale:.7f}, as in Keras: for x = {x[kept][worst]} "
            f"expected {want[worst]:.7f}, got {got[worst]:.7f} (relative tolerance 1e-6)"
        )
    return reference


@test_case(points=1)
def test_inference_is_the_identity(dropout):
    x = _values((64, 64, 3))
    got = np.asarray(untouched("dropout(x, 0.5, training=False)", dropout, x, 0.5, False, 0, copy=True))
    want = _keras_dropout(x, 0.5, False)
    assert got.shape == want.shape and np.array_equal(got, want), (
        "dropout(x, 0.5, training=False) must return x unchanged, as Keras Dropout does in inference; "
        f"got shape {got.shape}, {int(np.sum(got != want)) if got.shape == want.shape else '?'} values changed"
    )


@test_case(points=1)
def test_training_drops_rate_and_rescales_like_keras(dropout):
    x = _values()
    _check_statistics(dropout(x, 0.5, True, 0), x, 0.5, "dropout(x, rate=0.5, training=True)")


@test_case(points=1)
def test_seeded_masks_are_reproducible(dropout):
    x = _values((10_000,))
    a, b = np.asarray(dropout(x, 0.3, True, 42)), np.asarray(dropout(x, 0.3, True, 42))
    assert np.array_equal(a, b), f"the same seed must give the same output: {int(np.sum(a != b))} values differ"
    c = np.asarray(dropout(x, 0.3, True, 43))
    assert not np.array_equal(a == 0, c == 0), "seeds 42 and 43 gave the same mask: the seed must seed the Generator"


@test_case(points=1)
def test_rate_zero_dtypes_and_bad_rates(dropout):
    # rate 0 is the smallest valid rate: nothing dropped, nothing scaled; float dtypes are kept.
    for dtype in (np.float16, np.float32, np.float64):
        x = _values((50, 4)).astype(dtype)
        got = np.asarray(dropout(x, 0.0, True, 0))
        assert got.dtype == dtype and np.array_equal(got, x), (
            f"dropout(x of dtype {np.dtype(dtype).name}, rate=0.0, training=True): expected x unchanged with its dtype, "
            f"got dtype {got.dtype}, {int(np.sum(got != x)) if got.shape == x.shape else 'a different shape:'} values changed")
    x = _values((1000,)).astype(np.float64)
    got = np.asarray(dropout(x, 0.5, True, 0))
    assert got.dtype == np.float64, f"dropout of a float64 array in training: expected float64 out, got {got.dtype}"
    from_list = np.asarray(dropout(x.tolist(), 0.5, True, 0))   # a list is an array-like: same seed, same mask
    assert from_list.shape == x.shape and np.array_equal(from_list, got), (
        "dropout(x.tolist(), 0.5, True, seed=0) must equal dropout(x, 0.5, True, seed=0) for the float64 array x: "
        f"got shape {from_list.shape}, {int(np.sum(from_list != got)) if from_list.shape == got.shape else '?'} values differ")
    x = _values((10,))
    for rate in (-0.1, 1.0, 1.5):
        _expect_value_error(lambda: dropout(x, rate, True, 0), f"dropout with rate={rate} (rate must be in [0, 1))")


@test_case(points=1, hidden=True)
def test_other_rates_shapes_and_expected_mean(dropout):
    for rate, shape in ((0.2, (128, 128, 8)), (0.8, (N,)), (0.1, (500, 400))):
        x = _values(shape, seed=7)
        out = np.asarray(dropout(x, rate, True, 1))
        assert out.dtype == x.dtype, f"dropout keeps the dtype: expected {x.dtype}, got {out.dtype}"
        _, keras_mean, m1, m2 = _check_statistics(out, x, rate, f"dropout(x of shape {shape}, rate={rate}, training=True)")
        # Inverted scaling keeps the mean; the tolerance is 5 standard errors of the mean.
        tol = SIGMAS * np.sqrt((m2 / (1 - rate) - m1 ** 2) / x.size)
        got_mean = float(np.mean(out, dtype=np.float64))
        assert abs(got_mean - m1) <= tol, (
            f"rate={rate}: the mean must be preserved in expectation: expected {m1:.4f} +- {tol:.4f} "
            f"(Keras gave {keras_mean:.4f}), got {got_mean:.4f}"
        )
    x = _values((1000,))
    got = np.asarray(dropout(x, 0.0, True, 0))
    assert np.array_equal(got, x), "dropout with rate=0 drops nothing and scales by 1: expected x unchanged"
