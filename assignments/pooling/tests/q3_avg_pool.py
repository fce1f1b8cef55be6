"""Question 3: average pooling, against Keras AveragePooling2D and skimage.measure.block_reduce."""
import numpy as np
from otter.test_files import test_case
from _checks import (cat as _cat, cat_uint8 as _cat_uint8, each as _each, oracle as _oracle,
                     expect_value_error as _expect_value_error, compare, keras_pool, channels_case, lecture_map_case,
                     zero_pads)

OK_FORMAT = False

name = "q3_avg_pool"
points = 6

ATOL = 1e-5   # Keras averages in float32


def _compare(got, want, what, x_shape=None, pool=None, stride=None, padding=None, atol=ATOL):
    compare(got, want, what, x_shape, pool, stride, padding, atol)


def _keras_avg_pool(x, pool_size, stride, padding):
    """Oracle: keras.layers.AveragePooling2D ((H, W) gets a channel axis too; a batch goes in as it is)."""
    return keras_pool("AveragePooling2D", x, pool_size, stride, padding)


def _zero_padded_oracle(x, pool, stride):
    """Oracle for "zero" with any stride: zero-pad at the bottom/right (the policy's definition),
    then Keras "valid" pooling, which divides every window by kh*kw (the zeros count)."""
    return _keras_avg_pool(np.pad(x, zero_pads(x, pool, stride)), pool, stride, "valid")


@test_case(points=1)
def test_lecture_2d_map_zero_policy(average_pool):
    # The lecture's use: a 2-D map (the edges after an activation), 2x2 blocks padded with zeros.
    lecture_map_case(average_pool, "average_pool", np.mean, _compare)


@test_case(points=1)
def test_channels_are_not_pooled(average_pool):
    x = np.random.default_rng(0).uniform(0, 1, (9, 11, 4)).astype(np.float32)
    batch = np.random.default_rng(5).normal(-1.0, 1.0, (2, 7, 5, 3)).astype(np.float32)
    channels_case(average_pool, "average_pool", np.mean, x, batch, _compare, note=": the zeros count in the mean")


@test_case(points=1)
def test_cat_2x2_valid_matches_keras(average_pool):
    cat = _cat()
    want = _keras_avg_pool(cat, 2, None, "valid")
    _compare(average_pool(cat, 2, None, "valid"), want,
             "average_pool(cat of shape (300, 451, 3), 2, padding='valid') vs Keras AveragePooling2D", cat.shape, 2, None, "valid")
    _compare(average_pool(cat, 2), want, "average_pool(cat, 2) with the default padding ('valid', as Keras) vs Keras",
             cat.shape, 2, None, "valid")


@test_case(points=1)
def test_same_padding_excludes_padding_like_keras(average_pool):
    ones = np.ones((5, 7, 2), np.float32)
    _compare(average_pool(ones, 2, None, "same"), _keras_avg_pool(ones, 2, None, "same"),
             "average_pool of all ones with padding='same' (Keras averages only real values, so every mean is 1)",
             ones.shape, 2, None, "same")
    x = np.random.default_rng(1).uniform(0, 1, (7, 10, 3)).astype(np.float32)
    for pool, stride in ((3, 2), ((2, 3), (1, 2))):
        _compare(average_pool(x, pool, stride, "same"), _keras_avg_pool(x, pool, stride, "same"),
                 f"average_pool(x of shape (7, 10, 3), pool_size={pool}, stride={stride}, padding='same') vs Keras",
                 x.shape, pool, stride, "same")


@test_case(points=1)
def test_smallest_valid_arguments_and_bad_ones(average_pool):
    x = np.random.default_rng(2).uniform(0, 1, (3, 3, 2)).astype(np.float32)
    _compare(average_pool(x, 1), x, "average_pool(x, pool_size=1): a 1x1 window gives x back", x.shape, 1, None, "valid")
    _compare(average_pool(x.tolist(), 1), x.astype(np.float64), "average_pool(x.tolist(), pool_size=1): a nested list is an array-like",
             x.shape, 1, None, "valid")
    _compare(average_pool(x, 3, 1), x.mean(axis=(0, 1), keepdims=True),
             "average_pool of a 3x3 map with a 3x3 window, stride 1", x.shape, 3, 1, "valid")
    _compare(average_pool(x[:1, :1], 2, 1, "zero"), x[:1, :1] / 4, "average_pool of a 1x1 map, pool 2, padding='zero'",
             (1, 1, 2), 2, 1, "zero")
    _expect_value_error(lambda: average_pool(x, (0, 2)), "average_pool with pool_size=(0, 2)")
    _expect_value_error(lambda: average_pool(x, 2, -1), "average_pool with stride=-1")
    _expect_value_error(lambda: average_pool(np.zeros(8, np.float32), 2), "average_pool of a rank-1 array")
    _expect_value_error(lambda: average_pool(np.zeros((2, 2, 8, 8, 3), np.float32), 2), "average_pool of a rank-5 array")
    _expect_value_error(lambda: average_pool(x, 4, None, "valid"), "a 4x4 window on a 3x3 map with padding='valid'")


def _many_shapes():
    """The hidden sweep: (its input arrays, ((input index, pool, stride, padding, the expected
    result, what the call was), ...), the dtype checks' two maps, drawn next). Code only a hidden case needs stays in the test file, not in
    _checks.py (students get the helpers): q2_max_pool has the same sweep with its own seed and oracle."""
    rng = np.random.default_rng(12)
    inputs, checks = [], []
    for _ in range(25):
        h, w, c = (int(v) for v in rng.integers(1, 20, 3))
        pool = tuple(int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 5, 2))
        x = rng.normal(0, 1, (h, w, c) if rng.random() < 0.6 else (h, w)).astype(np.float32)
        wants = {"same": _keras_avg_pool(x, pool, stride, "same"), "zero": _zero_padded_oracle(x, pool, stride)}
        if pool[0] <= h and pool[1] <= w:
            wants["valid"] = _keras_avg_pool(x, pool, stride, "valid")
        inputs.append(x)
        checks += [(len(inputs) - 1, pool, stride, padding, want,
                    f"average_pool(x of shape {x.shape}, pool_size={pool}, stride={stride}, padding={padding!r})")
                   for padding, want in wants.items()]
    for _ in range(4):   # batches (N, H, W, C): the batch axis is never pooled
        shape = tuple(int(v) for v in rng.integers(1, 12, 4))
        pool = tuple(int(v) for v in rng.integers(1, 4, 2))
        stride = tuple(int(v) for v in rng.integers(1, 4, 2))
        x = rng.normal(0, 1, shape).astype(np.float32)
        inputs.append(x)
        checks += [(len(inputs) - 1, pool, stride, padding, _keras_avg_pool(x, pool, stride, padding),
                    f"average_pool(a batch of shape {x.shape}, pool_size={pool}, stride={stride}, padding={padding!r})")
                   for padding in (("same", "valid") if pool[0] <= shape[1] and pool[1] <= shape[2] else ("same",))]
    return tuple(inputs), tuple(checks), tuple(rng.uniform(0, 1, (6, 5, 2)) for _ in range(2))


@test_case(points=1, hidden=True)
def test_many_shapes_strides_and_policies(average_pool):
    inputs, checks, maps = _oracle(_many_shapes)   # depends on its seed only: made once per grading process
    xs = [x.copy() for x in inputs]   # writable, each shared by its input's calls, as when made here
    for (i, pool, stride, padding, want, what), got in zip(
            checks, _each(average_pool, [(xs[i], pool, stride, padding) for i, pool, stride, padding, _, _ in checks])):
        _compare(got, want, what, inputs[i].shape, pool, stride, padding)
    # Integer images are averaged in float64, not truncated; float dtypes are kept.
    img = _cat_uint8()
    got = np.asarray(average_pool(img, 2, None, "valid"))
    assert got.dtype == np.float64, f"average_pool of a uint8 image: expected float64, got dtype {got.dtype}"
    _compare(got, _keras_avg_pool(img.astype(np.float32), 2, None, "valid"), "average_pool(uint8 cat, 2)", atol=1e-3)
    for (dtype, atol), x in zip(((np.float16, 2e-3), (np.float64, 1e-6)), maps):
        x = x.astype(dtype)
        got = np.asarray(average_pool(x, 2, None, "same"))
        assert got.dtype == dtype, f"average_pool of a {np.dtype(dtype).name} map: expected dtype {np.dtype(dtype).name}, got {got.dtype}"
        _compare(got, _keras_avg_pool(x, 2, None, "same"), f"average_pool of a {np.dtype(dtype).name} map, padding='same'", atol=atol)
