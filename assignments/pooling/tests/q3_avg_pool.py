"""Question 3: average pooling, against Keras AveragePooling2D and skimage.measure.block_reduce."""
import os

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False

name = "q3_avg_pool"
points = 5

ATOL = 1e-5   # Keras averages in float32


def _cat():
    from PIL import Image

    return np.asarray(Image.open("assets/cat.png").convert("RGB"), dtype=np.float32) / 255


def _keras_avg_pool(x, pool_size, stride, padding):
    """Oracle: keras.layers.AveragePooling2D on x as a batch of one ((H, W) gets a channel axis too)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    x4 = np.asarray(x, np.float32)[None] if x.ndim == 3 else np.asarray(x, np.float32)[None, :, :, None]
    y = keras.layers.AveragePooling2D(pool_size, strides=stride, padding=padding)(x4)
    y = np.asarray(y)[0]
    return y if x.ndim == 3 else y[..., 0]


def _zero_padded_oracle(x, pool, stride):
    """Oracle for "zero" with any stride: pad with zeros at the bottom/right so the fewest windows
    cover every row and column (the policy's definition), then Keras "valid" pooling, which
    divides every window by kh*kw (the zeros count)."""
    pads = []
    for n, k, s in zip(x.shape[:2], pool, stride):
        m = 1
        while (m - 1) * s + k < n:
            m += 1
        pads.append((0, max((m - 1) * s + k - n, 0)))
    return _keras_avg_pool(np.pad(x, pads + [(0, 0)] * (x.ndim - 2)), pool, stride, "valid")


def _compare(got, want, what, atol=ATOL):
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
def test_cat_2x2_valid_matches_keras(avg_pool):
    cat = _cat()
    want = _keras_avg_pool(cat, 2, None, "valid")
    _compare(avg_pool(cat, 2, None, "valid"), want, "avg_pool(cat, 2, padding='valid') vs Keras AveragePooling2D")


@test_case(points=1)
def test_zero_policy_matches_block_reduce(avg_pool):
    from skimage.measure import block_reduce

    x = np.random.default_rng(0).uniform(0, 1, (9, 11, 4)).astype(np.float32)
    want = block_reduce(x, (2, 2, 1), np.mean, cval=0)
    _compare(avg_pool(x, 2, None, "zero"), want,
             "avg_pool(x, 2, padding='zero') vs block_reduce(x, (2, 2, 1), np.mean, cval=0): the zeros count in the mean")
    g = x[..., 0]
    _compare(avg_pool(g, 3, None, "zero"), block_reduce(g, (3, 3), np.mean, cval=0),
             "avg_pool of an (H, W) array, 3x3, padding='zero' vs block_reduce")


@test_case(points=1)
def test_same_padding_excludes_padding_like_keras(avg_pool):
    ones = np.ones((5, 7, 2), np.float32)
    _compare(avg_pool(ones, 2, None, "same"), _keras_avg_pool(ones, 2, None, "same"),
             "avg_pool of all ones with padding='same' (Keras averages only real values, so every mean is 1)")
    x = np.random.default_rng(1).uniform(0, 1, (7, 10, 3)).astype(np.float32)
    for pool, stride in ((3, 2), ((2, 3), (1, 2))):
        _compare(avg_pool(x, pool, stride, "same"), _keras_avg_pool(x, pool, stride, "same"),
                 f"avg_pool(x, pool_size={pool}, stride={stride}, padding='same') vs Keras")


@test_case(points=1)
def test_bad_arguments_raise(avg_pool):
    x = np.zeros((8, 8, 3), np.float32)
    _expect_value_error(lambda: avg_pool(x, (0, 2)), "avg_pool with pool_size=(0, 2)")
    _expect_value_error(lambda: avg_pool(x, 2, -1), "avg_pool with stride=-1")
    _expect_value_error(lambda: avg_pool(np.zeros(8, np.float32), 2), "avg_pool of a rank-1 array")
    _expect_value_error(lambda: avg_pool(np.zeros((1, 8, 8, 3), np.float32), 2), "avg_pool of a rank-4 array")
    _expect_value_error(lambda: avg_pool(x, 9, None, "valid"), "a 9x9 window on an 8x8 input with padding='valid'")


@test_case(points=1, hidden=True)
def test_many_shapes_strides_and_policies(avg_pool):
    rng = np.random.default_rng(12)
    for _ in range(25):
        h, w, c = (int(v) for v in rng.integers(1, 20, 3))
        pool = tuple(int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 5, 2))
        x = rng.normal(0, 1, (h, w, c) if rng.random() < 0.6 else (h, w)).astype(np.float32)
        wants = {"same": _keras_avg_pool(x, pool, stride, "same"), "zero": _zero_padded_oracle(x, pool, stride)}
        if pool[0] <= h and pool[1] <= w:
            wants["valid"] = _keras_avg_pool(x, pool, stride, "valid")
        for padding, want in wants.items():
            _compare(avg_pool(x, pool, stride, padding), want,
                     f"avg_pool(x of shape {x.shape}, pool_size={pool}, stride={stride}, padding={padding!r})")
    # Integer images are averaged as floats, not truncated.
    img = np.asarray(_cat() * 255, np.uint8)
    got = np.asarray(avg_pool(img, 2, None, "valid"))
    assert got.dtype.kind == "f", f"avg_pool of a uint8 image: expected a float array, got dtype {got.dtype}"
    _compare(got, _keras_avg_pool(img.astype(np.float32), 2, None, "valid"), "avg_pool(uint8 cat, 2)", atol=1e-3)
