"""Question 2: max pooling, against Keras MaxPooling2D and skimage.measure.block_reduce."""
import os

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False

name = "q2_max_pool"
points = 6


def _cat():
    from PIL import Image

    return np.asarray(Image.open("assets/cat.png").convert("RGB"), dtype=np.float32) / 255


def _keras_max_pool(x, pool_size, stride, padding):
    """Oracle: keras.layers.MaxPooling2D on x as a batch of one ((H, W) gets a channel axis too)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    x4 = np.asarray(x, np.float32)[None] if x.ndim == 3 else np.asarray(x, np.float32)[None, :, :, None]
    y = keras.layers.MaxPooling2D(pool_size, strides=stride, padding=padding)(x4)
    y = np.asarray(y)[0]
    return y if x.ndim == 3 else y[..., 0]


def _zero_padded_oracle(x, pool, stride):
    """Oracle for "zero" with any stride: pad with zeros at the bottom/right so the fewest windows
    cover every row and column (the policy's definition), then Keras "valid" pooling."""
    pads = []
    for n, k, s in zip(x.shape[:2], pool, stride):
        m = 1
        while (m - 1) * s + k < n:
            m += 1
        pads.append((0, max((m - 1) * s + k - n, 0)))
    return _keras_max_pool(np.pad(x, pads + [(0, 0)] * (x.ndim - 2)), pool, stride, "valid")


def _compare(got, want, what, atol=0.0):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if not np.all(diff <= atol):
        i = np.unravel_index(np.argmax(diff), diff.shape)
        raise AssertionError(
            f"{what}: at index {tuple(int(v) for v in i)} expected {want[i]}, got {got[i]} "
            f"(largest difference {diff[i]:.3g}, tolerance {atol})"
        )


def _expect_value_error(call, why):
    try:
        call()
    except ValueError:
        return
    except Exception as e:
        raise AssertionError(f"{why}: expected ValueError, got {type(e).__name__}: {e}")
    raise AssertionError(f"{why}: expected ValueError, but the call returned normally")


@test_case(points=1)
def test_cat_2x2_valid_matches_keras(max_pool):
    cat = _cat()                                    # (300, 451, 3): the last column is dropped
    want = _keras_max_pool(cat, 2, None, "valid")   # (150, 225, 3)
    _compare(max_pool(cat, 2, None, "valid"), want, "max_pool(cat, 2, padding='valid') vs Keras MaxPooling2D")


@test_case(points=1)
def test_zero_policy_matches_block_reduce(max_pool):
    from skimage.measure import block_reduce

    # Negative values make the zero padding visible: a window that holds padding has max 0.
    x = np.random.default_rng(0).normal(-1.0, 1.0, (9, 11, 4)).astype(np.float32)
    want = block_reduce(x, (2, 2, 1), np.max, cval=0)
    _compare(max_pool(x, 2, None, "zero"), want, "max_pool(x, 2, padding='zero') vs block_reduce(x, (2, 2, 1), np.max, cval=0)")
    g = x[..., 0]
    want = block_reduce(g, (3, 3), np.max, cval=0)
    _compare(max_pool(g, 3, None, "zero"), want, "max_pool of an (H, W) array, 3x3, padding='zero' vs block_reduce")


@test_case(points=1)
def test_same_padding_matches_keras(max_pool):
    # All values negative: Keras pads with -inf, so padding must never win the max.
    x = -np.random.default_rng(1).uniform(1.0, 2.0, (7, 10, 3)).astype(np.float32)
    for pool, stride in ((2, None), (3, 2), ((2, 3), (1, 2))):
        want = _keras_max_pool(x, pool, stride, "same")
        _compare(max_pool(x, pool, stride, "same"), want,
                 f"max_pool(x, pool_size={pool}, stride={stride}, padding='same') vs Keras")


@test_case(points=1)
def test_bad_arguments_raise(max_pool):
    x = np.zeros((8, 8, 3), np.float32)
    _expect_value_error(lambda: max_pool(x, 0), "max_pool with pool_size=0")
    _expect_value_error(lambda: max_pool(x, 2, 0), "max_pool with stride=0")
    _expect_value_error(lambda: max_pool(np.zeros(8, np.float32), 2), "max_pool of a rank-1 array")
    _expect_value_error(lambda: max_pool(np.zeros((2, 8, 8, 3), np.float32), 2), "max_pool of a rank-4 array")
    _expect_value_error(lambda: max_pool(x, 2, None, "reflect"), "max_pool with padding='reflect'")


@test_case(points=1, hidden=True)
def test_many_shapes_strides_and_policies(max_pool):
    rng = np.random.default_rng(11)
    for _ in range(25):
        h, w, c = (int(v) for v in rng.integers(1, 20, 3))
        pool = tuple(int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 5, 2))
        x = rng.normal(0, 1, (h, w, c) if rng.random() < 0.6 else (h, w)).astype(np.float32)
        wants = {"same": _keras_max_pool(x, pool, stride, "same"), "zero": _zero_padded_oracle(x, pool, stride)}
        if pool[0] <= h and pool[1] <= w:
            wants["valid"] = _keras_max_pool(x, pool, stride, "valid")
        for padding, want in wants.items():
            _compare(max_pool(x, pool, stride, padding), want,
                     f"max_pool(x of shape {x.shape}, pool_size={pool}, stride={stride}, padding={padding!r})")


@test_case(points=1, hidden=True)
def test_integer_images_keep_their_dtype(max_pool):
    from skimage.measure import block_reduce

    img = np.asarray(_cat() * 255, np.uint8)
    got = np.asarray(max_pool(img, 2, None, "zero"))
    assert got.dtype == np.uint8, f"max pooling only selects values: expected dtype uint8 for a uint8 image, got {got.dtype}"
    _compare(got, block_reduce(img, (2, 2, 1), np.max, cval=0), "max_pool(uint8 cat, 2, padding='zero') vs block_reduce")
    signed = np.random.default_rng(3).integers(-1000, -1, (9, 8, 2)).astype(np.int16)   # Keras pads with -inf
    _compare(max_pool(signed, 3, 2, "same"), _keras_max_pool(signed, 3, 2, "same").astype(np.int16),
             "max_pool(int16 array, 3, stride=2, padding='same') vs Keras")

