"""Question 5: batch normalisation, against keras.layers.BatchNormalization."""
import os

import numpy as np
from otter.test_files import test_case
from _checks import expect_value_error as _expect_value_error, oracle as _oracle
from _watch import untouched

OK_FORMAT = False

name = "q5_batch_norm"
points = 5

RTOL, ATOL = 1e-5, 1e-5   # Keras computes in float32


def _params(c, seed):
    rng = np.random.default_rng(seed)
    gamma = rng.uniform(0.5, 2.0, c).astype(np.float32)
    beta = rng.normal(0, 1, c).astype(np.float32)
    mean = rng.normal(0, 1, c).astype(np.float32)
    var = rng.uniform(0.5, 2.0, c).astype(np.float32)
    return gamma, beta, mean, var


def _keras_layer(shape, gamma, beta, mean, var, momentum=0.99, epsilon=1e-3):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon)
    layer.build(shape)
    layer.set_weights([gamma, beta, mean, var])
    return layer


def _keras_moving(layer):
    return np.asarray(layer.moving_mean.numpy()), np.asarray(layer.moving_variance.numpy())


def _compare(got, want, what):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    bound = ATOL + RTOL * np.abs(want.astype(np.float64))
    if not np.all(diff <= bound):
        i = np.unravel_index(np.argmax(diff - bound), diff.shape)
        raise AssertionError(
            f"{what}: at index {tuple(int(v) for v in i)} expected {want[i]:.6f}, got {got[i]:.6f} "
            f"(tolerance {ATOL} + {RTOL} * |expected|)"
        )


def _unpack(result, what):
    assert isinstance(result, (tuple, list)) and len(result) == 3, (
        f"{what}: expected a tuple (y, new_moving_mean, new_moving_var), got {type(result).__name__}"
    )
    return result


def _batch(shape, seed):
    return np.random.default_rng(seed).normal(3.0, 2.0, shape).astype(np.float32)


def _keras_output(x_seed, params_seed, training):
    """Keras's output for one (8, 6, 5, 4) batch with 4 channels (default momentum)."""
    x = _batch((8, 6, 5, 4), x_seed)
    layer = _keras_layer(x.shape, *_params(4, params_seed))
    return np.asarray(layer(x, training=training))


def _keras_and_yours(batch_norm, x_seed, params_seed, training):
    """One (8, 6, 5, 4) batch with 4 channels through Keras and through batch_norm (default
    momentum): (the parameters, Keras's output, batch_norm's (y, new mean, new variance)).
    Keras's side depends on the seeds only: computed once per grading process (`_oracle`)."""
    x = _batch((8, 6, 5, 4), x_seed)
    params = _params(4, params_seed)
    want = _oracle(_keras_output, x_seed, params_seed, training)
    return params, want, _unpack(batch_norm(x, *params, training), f"batch_norm(x, ..., training={training})")


def _keras_moving_after_one_step(x_seed, params_seed, momentum):
    x = _batch((8, 6, 5, 4), x_seed)
    layer = _keras_layer(x.shape, *_params(4, params_seed), momentum=momentum)
    layer(x, training=True)
    return _keras_moving(layer)


def _keras_dense_steps():
    """Keras's side of the dense test: three chained training steps (output, moving mean, moving
    variance after each), then inference on a fifth batch."""
    layer = _keras_layer((32, 6), *_params(6, 4), momentum=0.8, epsilon=1e-2)
    steps = []
    for step in range(3):
        want = np.asarray(layer(_batch((32, 6), 10 + step), training=True))
        steps.append((want,) + _keras_moving(layer))
    return tuple(steps), np.asarray(layer(_batch((5, 6), 20), training=False))


@test_case(points=1)
def test_training_output_uses_batch_statistics(batch_norm):
    _, want, (y, _, _) = _keras_and_yours(batch_norm, 0, 1, True)
    _compare(y, want, "batch_norm(x of shape (8, 6, 5, 4), training=True) vs Keras BatchNormalization(training=True)")


@test_case(points=1)
def test_training_updates_moving_statistics(batch_norm):
    x = _batch((8, 6, 5, 4), 0)
    params = _params(4, 1)
    want_mean, want_var = _oracle(_keras_moving_after_one_step, 0, 1, 0.9)
    # "The inputs are not modified": the new statistics come back, the given ones stay as they were.
    got = untouched("batch_norm(x, gamma, beta, moving_mean, moving_var, training=True)", batch_norm, x, *params, True,
                    momentum=0.9)
    _, mean, var = _unpack(got, "batch_norm(x, ..., training=True)")
    _compare(mean, want_mean, "new moving mean (momentum 0.9) vs Keras moving_mean after one training call")
    _compare(var, want_var, "new moving variance (momentum 0.9) vs Keras moving_variance after one training call")


@test_case(points=1)
def test_inference_uses_population_statistics(batch_norm):
    params, want, (y, mean, var) = _keras_and_yours(batch_norm, 2, 3, False)
    _compare(y, want, "batch_norm(x, training=False) vs Keras BatchNormalization(training=False)")
    _compare(mean, params[2], "inference must leave the moving mean unchanged")
    _compare(var, params[3], "inference must leave the moving variance unchanged")


@test_case(points=1)
def test_momentum_bounds_dtypes_and_bad_arguments(batch_norm):
    x = _batch((8, 4), 0)
    g, b, m, v = _params(4, 0)
    # momentum 1 keeps the moving statistics, momentum 0 replaces them by the batch's: both are allowed
    _, mean, var = _unpack(batch_norm(x, g, b, m, v, True, momentum=1.0), "batch_norm(..., momentum=1.0)")
    _compare(mean, m, "momentum=1.0: the moving mean must stay as it was")
    _, mean, var = _unpack(batch_norm(x, g, b, m, v, True, momentum=0.0), "batch_norm(..., momentum=0.0)")
    _compare(mean, x.mean(axis=0), "momentum=0.0: the moving mean must become the batch mean")
    _compare(var, x.var(axis=0), "momentum=0.0: the moving variance must become the batch's (biased) variance")
    x64 = x.astype(np.float64)
    y, mean, var = _unpack(batch_norm(x64, g, b, m, v, False), "batch_norm(float64 x, ..., training=False)")
    for what, arr in (("y", y), ("the moving mean", mean), ("the moving variance", var)):
        got = np.asarray(arr)
        assert got.dtype == np.float64, f"batch_norm of a float64 batch: expected {what} in float64, got {got.dtype}"
    want = g.astype(np.float64) * (x64 - m) / np.sqrt(v.astype(np.float64) + 1e-3) + b
    _compare(y, want, "batch_norm(float64 x, training=False) vs the formula in float64")
    y, _, _ = _unpack(batch_norm(x64.tolist(), g, b, m, v, False), "batch_norm(x as a nested list, ...)")
    _compare(y, want, "batch_norm(x as a nested list, training=False): a list is an array-like (computed in float64)")
    for dtype in (np.float32, np.float16):   # result_type(x.dtype, float32): float32 for both
        y, mean, var = _unpack(batch_norm(x.astype(dtype), g, b, m, v, True), f"batch_norm({np.dtype(dtype).name} x, ...)")
        for what, arr in (("y", y), ("the moving mean", mean), ("the moving variance", var)):
            got = np.asarray(arr)
            assert got.dtype == np.float32, (
                f"batch_norm of a {np.dtype(dtype).name} batch: expected {what} in float32 "
                f"(np.result_type(x.dtype, np.float32)), got {got.dtype}")
    # and computed in float32, as Keras does: statistics taken in float16 are off by ~1e-3
    x16 = (_batch((8, 4), 1) * 40 + 300).astype(np.float16)   # large values, where float16 is coarse
    x32 = x16.astype(np.float32)
    y, mean, var = _unpack(batch_norm(x16, g, b, m, v, True, momentum=0.0), "batch_norm(float16 x, momentum=0.0)")
    _compare(mean, x32.mean(axis=0), "batch_norm(float16 x, momentum=0.0): the new moving mean, computed in float32")
    _compare(y, g * (x32 - x32.mean(axis=0)) / np.sqrt(x32.var(axis=0) + 1e-3) + b,
             "batch_norm(float16 x, training=True): y computed in float32 from x converted first")
    _expect_value_error(lambda: batch_norm(x[0], g, b, m, v, True), "an x of rank 1 (not a batch)")
    _expect_value_error(lambda: batch_norm(x, g[:3], b, m, v, True), "gamma of shape (3,) for 4 channels")
    _expect_value_error(lambda: batch_norm(x, g, b, m, v[:2], True), "moving_var of shape (2,) for 4 channels")
    _expect_value_error(lambda: batch_norm(x, g, b, m, v, True, momentum=1.5), "momentum=1.5")
    _expect_value_error(lambda: batch_norm(x, g, b, m, v, True, momentum=-0.5), "momentum=-0.5")
    _expect_value_error(lambda: batch_norm(x, g, b[:1], m, v, True), "beta of shape (1,) for 4 channels (numpy would "
                        "broadcast it: the shape must be (C,))")
    _expect_value_error(lambda: batch_norm(x, g, b, m, v, True, epsilon=0.0), "epsilon=0")


@test_case(points=1, hidden=True)
def test_dense_batches_several_steps_other_hyperparameters(batch_norm):
    # A dense layer's activations (N, C), three training steps chained, then inference.
    params = _params(6, 4)
    gamma, beta, mean, var = params
    steps, want_inference = _oracle(_keras_dense_steps)
    for step in range(3):
        x = _batch((32, 6), 10 + step)
        want, want_mean, want_var = steps[step]
        y, mean, var = _unpack(batch_norm(x, gamma, beta, mean, var, True, momentum=0.8, epsilon=1e-2),
                               "batch_norm(..., training=True)")
        _compare(y, want, f"training step {step + 1}: output vs Keras (momentum 0.8, epsilon 0.01)")
        _compare(mean, want_mean, f"training step {step + 1}: moving mean vs Keras")
        _compare(var, want_var, f"training step {step + 1}: moving variance vs Keras")
    x = _batch((5, 6), 20)
    y, _, _ = _unpack(batch_norm(x, gamma, beta, mean, var, False, momentum=0.8, epsilon=1e-2),
                      "batch_norm(..., training=False)")
    _compare(y, want_inference, "inference after three training steps vs Keras")
