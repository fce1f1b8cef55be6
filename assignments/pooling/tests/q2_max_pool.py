"""Question 2: max pooling, against Keras MaxPooling2D and skimage.measure.block_reduce."""
import numpy as np
from otter.test_files import test_case
from _checks import (block_reduce as _block_reduce, cat as _cat, cat_uint8 as _cat_uint8, each as _each,
                     oracle as _oracle, expect_value_error as _expect_value_error, compare as _compare, keras_pool,
                     channels_case, lecture_map_case, zero_pads)

OK_FORMAT = False

name = "q2_max_pool"
points = 7


def _keras_max_pool(x, pool_size, stride, padding):
    """Oracle: keras.layers.MaxPooling2D ((H, W) gets a channel axis too; a batch goes in as it is)."""
    return keras_pool("MaxPooling2D", x, pool_size, stride, padding)


def _zero_padded_oracle(x, pool, stride):
    """Oracle for "zero" with any stride: zero-pad at the bottom/right (the policy's definition),
    then Keras "valid" pooling."""
    return _keras_max_pool(np.pad(x, zero_pads(x, pool, stride)), pool, stride, "valid")


@test_case(points=1)
def test_lecture_2d_map_zero_policy(max_pool):
    # The lecture's use: a 2-D map (the edges after an activation), 2x2 blocks padded with zeros.
    lecture_map_case(max_pool, "max_pool", np.max, _compare)


@test_case(points=1)
def test_channels_are_not_pooled(max_pool):
    # Negative values make the zero padding visible: a window that holds padding has max 0.
    x = np.random.default_rng(0).normal(-1.0, 1.0, (9, 11, 4)).astype(np.float32)
    batch = np.random.default_rng(5).normal(-1.0, 1.0, (2, 7, 5, 3)).astype(np.float32)
    channels_case(max_pool, "max_pool", np.max, x, batch, _compare)


@test_case(points=1)
def test_cat_2x2_valid_matches_keras(max_pool):
    cat = _cat()                                    # (300, 451, 3): 451 is odd
    want = _keras_max_pool(cat, 2, None, "valid")
    _compare(max_pool(cat, 2, None, "valid"), want, "max_pool(cat of shape (300, 451, 3), 2, padding='valid') vs Keras MaxPooling2D",
             cat.shape, 2, None, "valid")
    _compare(max_pool(cat, 2), want, "max_pool(cat, 2) with the default padding ('valid', as Keras) vs Keras",
             cat.shape, 2, None, "valid")


@test_case(points=1)
def test_same_padding_and_strides_match_keras(max_pool):
    # All values negative: Keras pads with -inf, so padding must never win the max.
    x = -np.random.default_rng(1).uniform(1.0, 2.0, (7, 10, 3)).astype(np.float32)
    for pool, stride in ((2, None), (3, 2), ((2, 3), (1, 2))):
        want = _keras_max_pool(x, pool, stride, "same")
        got = np.asarray(max_pool(x, pool, stride, "same"))
        what = f"max_pool(x of shape (7, 10, 3), pool_size={pool}, stride={stride}, padding='same') vs Keras"
        if got.shape == want.shape and np.any(got == 0):
            raise AssertionError(f"{what}: every value is negative, yet the result holds a 0: the padding won the max, "
                                 "but Keras 'same' padding never counts")
        _compare(got, want, what, x.shape, pool, stride, "same")


@test_case(points=1)
def test_smallest_valid_arguments_and_bad_ones(max_pool):
    x = np.random.default_rng(2).normal(0, 1, (3, 3, 2)).astype(np.float32)
    _compare(max_pool(x, 1), x, "max_pool(x, pool_size=1): a 1x1 window gives x back", x.shape, 1, None, "valid")
    _compare(max_pool(x.tolist(), 1), x.astype(np.float64), "max_pool(x.tolist(), pool_size=1): a nested list is an array-like",
             x.shape, 1, None, "valid")
    _compare(max_pool(x, 3, 1), x.max(axis=(0, 1), keepdims=True), "max_pool of a 3x3 map with a 3x3 window, stride 1",
             x.shape, 3, 1, "valid")
    _compare(max_pool(x[:1, :1], 2, 1, "zero"), np.maximum(x[:1, :1], 0), "max_pool of a 1x1 map, pool 2, padding='zero'",
             (1, 1, 2), 2, 1, "zero")
    _expect_value_error(lambda: max_pool(x, 0), "max_pool with pool_size=0")
    _expect_value_error(lambda: max_pool(x, 2, 0), "max_pool with stride=0")
    _expect_value_error(lambda: max_pool(np.zeros(8, np.float32), 2), "max_pool of a rank-1 array")
    _expect_value_error(lambda: max_pool(np.zeros((2, 2, 8, 8, 3), np.float32), 2), "max_pool of a rank-5 array")
    _expect_value_error(lambda: max_pool(x, 2, None, "reflect"), "max_pool with padding='reflect'")
    _expect_value_error(lambda: max_pool(x, 4), "max_pool of a 3x3 map with a 4x4 window and padding='valid'")


def _many_shapes():
    """The hidden sweep: (its input arrays, ((input index, pool, stride, padding, the expected
    result, what the call was), ...)). Code only a hidden case needs stays in the test file, not in
    _checks.py (students get the helpers): q3_avg_pool has the same sweep with its own seed and oracle."""
    rng = np.random.default_rng(11)
    inputs, checks = [], []
    for _ in range(25):
        h, w, c = (int(v) for v in rng.integers(1, 20, 3))
        pool = tuple(int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 5, 2))
        x = rng.normal(0, 1, (h, w, c) if rng.random() < 0.6 else (h, w)).astype(np.float32)
        wants = {"same": _keras_max_pool(x, pool, stride, "same"), "zero": _zero_padded_oracle(x, pool, stride)}
        if pool[0] <= h and pool[1] <= w:
            wants["valid"] = _keras_max_pool(x, pool, stride, "valid")
        inputs.append(x)
        checks += [(len(inputs) - 1, pool, stride, padding, want,
                    f"max_pool(x of shape {x.shape}, pool_size={pool}, stride={stride}, padding={padding!r})")
                   for padding, want in wants.items()]
    for _ in range(4):   # batches (N, H, W, C): the batch axis is never pooled
        shape = tuple(int(v) for v in rng.integers(1, 12, 4))
        pool = tuple(int(v) for v in rng.integers(1, 4, 2))
        stride = tuple(int(v) for v in rng.integers(1, 4, 2))
        x = rng.normal(0, 1, shape).astype(np.float32)
        inputs.append(x)
        checks += [(len(inputs) - 1, pool, stride, padding, _keras_max_pool(x, pool, stride, padding),
                    f"max_pool(a batch of shape {x.shape}, pool_size={pool}, stride={stride}, padding={padding!r})")
                   for padding in (("same", "valid") if pool[0] <= shape[1] and pool[1] <= shape[2] else ("same",))]
    return tuple(inputs), tuple(checks)


@test_case(points=1, hidden=True)
def test_many_shapes_strides_and_policies(max_pool):
    inputs, checks = _oracle(_many_shapes)   # depends on its seed only: made once per grading process
    xs = [x.copy() for x in inputs]   # writable, each shared by its input's calls, as when made here
    for (i, pool, stride, padding, want, what), got in zip(
            checks, _each(max_pool, [(xs[i], pool, stride, padding) for i, pool, stride, padding, _, _ in checks])):
        _compare(got, want, what, inputs[i].shape, pool, stride, padding)


@test_case(points=1, hidden=True)
def test_dtypes_are_kept(max_pool):
    img = _cat_uint8()
    got = np.asarray(max_pool(img, 2, None, "zero"))
    assert got.dtype == np.uint8, f"max pooling only selects values: expected dtype uint8 for a uint8 image, got {got.dtype}"
    _compare(got, _block_reduce(img, (2, 2, 1), np.max), "max_pool(uint8 cat, 2, padding='zero') vs block_reduce")
    signed = np.random.default_rng(3).integers(-1000, -1, (9, 8, 2)).astype(np.int16)   # Keras pads with -inf
    _compare(max_pool(signed, 3, 2, "same"), _keras_max_pool(signed, 3, 2, "same").astype(np.int16),
             "max_pool(int16 array, 3, stride=2, padding='same') vs Keras")
    for dtype in (np.float16, np.float64):
        x = np.random.default_rng(4).normal(0, 1, (6, 5, 2)).astype(dtype)
        got = np.asarray(max_pool(x, 2, None, "same"))
        assert got.dtype == dtype, f"max_pool of a {np.dtype(dtype).name} map: expected dtype {np.dtype(dtype).name}, got {got.dtype}"
        # Keras pools in float32; a max only selects, so rounding the result to float32 matches it exactly
        _compare(got.astype(np.float32), _keras_max_pool(x, 2, None, "same"), f"max_pool of a {np.dtype(dtype).name} map, padding='same'")
