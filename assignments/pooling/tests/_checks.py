"""Helpers the pooling tests share. Shipped to students beside pooling.py.

The oracles here (the decoded cat, its edge map, Keras pooling layers, block_reduce) are computed
once per distinct input in a grading process, which serves every submission of a batch (issue 16);
each caller gets its own copy, as before. `oracle` does the same for the test files' own Keras
references (output shapes, dropout, the conv block), whose results come back read-only, and
`computed` for the tests' seeded inputs (never recorded by the build); both are _oracles.py's.
"""
import os

import numpy as np
from _oracles import Memo, file_mark
from _readable import explain as _explain_unreadable

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("pooling.py")

try:  # the grader's results, recorded when the course was built (autograder/grading/oracles.py)
    from autograder.grading import oracles as _recorded
except ImportError:  # a student's copy: every oracle is computed
    _recorded = None
try:  # the grader's: a loop of calls to the submission in one request (autograder/sandbox/proxies.py)
    from autograder.sandbox.proxies import call_each as _call_each
except ImportError:  # a student's copy: each() just loops
    _call_each = None

try:  # the grader's: what a call to the submission printed (autograder/sandbox/proxies.py)
    from autograder.sandbox.proxies import call_printing as _call_printing
except ImportError:  # a student's copy: printed() captures stdout itself
    _call_printing = None

_memo = Memo(_recorded)
oracle = _memo.oracle  # results read-only
computed = _memo.computed  # for the tests' seeded inputs: never recorded by the build
_DECODED = {}  # the cat and its edge map, by the file's place, time and size


def _once(key, compute):
    if key not in _DECODED:
        _DECODED[key] = compute()
    return _DECODED[key].copy()


def cat():
    from PIL import Image

    return _once(("cat", file_mark("assets/cat.png")), lambda: np.asarray(
        Image.open("assets/cat.png").convert("RGB"), dtype=np.float32) / 255)


def cat_uint8():
    """The cat as 8-bit values (np.asarray(cat() * 255, np.uint8))."""
    return _once(("cat_uint8", file_mark("assets/cat.png")), lambda: np.asarray(cat() * 255, np.uint8))


def edges():
    """A 2-D map like the lecture's: the grey cat's 'valid' Laplacian edges after ReLU, float32."""
    from scipy.signal import correlate2d

    def compute():
        grey = cat().mean(axis=2)
        laplacian = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32)
        return np.maximum(correlate2d(grey, laplacian, mode="valid"), 0).astype(np.float32)

    return _once(("edges", file_mark("assets/cat.png")), compute)


def pair(v):
    return (v, v) if np.isscalar(v) else tuple(v)


def covering(n, k, s):
    m = 1
    while (m - 1) * s + k < n:
        m += 1
    return m


def shape_hint(x_shape, got_shape, pool, stride, padding):
    """Name the convention a wrong shape follows, when it is a known one (no expected value given)."""
    k, s = pair(pool), pair(stride if stride is not None else pool)
    if len(x_shape) == 4:
        if len(got_shape) != 4 or got_shape[0] != x_shape[0]:
            return ": (N, H, W, C) is a batch of maps, and the batch axis is never pooled"
        x_shape, got_shape = x_shape[1:], got_shape[1:]
    h, w = x_shape[:2]
    if len(x_shape) == 3 and len(got_shape) == 3 and got_shape[2] != x_shape[2]:
        return (": you pooled the channel axis too. Channels are never pooled; block_reduce needs a block size "
                "of 1 there")
    if len(got_shape) >= 2 and padding != "zero" and tuple(got_shape[:2]) == (covering(h, k[0], s[0]), covering(w, k[1], s[1])):
        return (f": that is the size padding='zero' gives (block_reduce's, the lecture's way), among other "
                f"possible slips; padding={padding!r} is asked here (see the module docstring)")
    if stride is not None and len(got_shape) >= 2 and tuple(got_shape[:2]) in (
            (covering(h, k[0], k[0]), covering(w, k[1], k[1])), ((h - k[0]) // k[0] + 1, (w - k[1]) // k[1] + 1)):
        return f": that is the size stride = pool size gives, among other possible slips; stride={stride!r} is asked here"
    return ""


def expect_value_error(call, why):
    try:
        call()
    except ValueError:
        return
    except Exception as e:
        raise AssertionError(f"{why}: expected ValueError, got {type(e).__name__}: {e}")
    raise AssertionError(f"{why}: expected ValueError, but the call returned normally")


def keras_pool(layer_name, x, pool_size, stride, padding):
    """Oracle: keras.layers.<layer_name> on x ((H, W) gets a channel axis, (H, W, C) a batch axis)."""
    x = np.asarray(x, np.float32)
    return oracle(_keras_pool, layer_name, x, pool_size, stride, padding).copy()  # callers get a writable copy


def _keras_pool(layer_name, x, pool_size, stride, padding):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    layer = getattr(keras.layers, layer_name)(pool_size, strides=stride, padding=padding)
    x = np.asarray(x, np.float32)
    if x.ndim == 4:   # already a batch
        return np.asarray(layer(x))
    x4 = x[None] if x.ndim == 3 else x[None, :, :, None]
    y = np.asarray(layer(x4))[0]
    return y if x.ndim == 3 else y[..., 0]


def zero_pads(x, pool, stride):
    """Bottom/right zero padding of "zero": just enough for the fewest windows to cover every row and column."""
    return [(0, max((covering(n, k, s) - 1) * s + k - n, 0)) for n, k, s in zip(x.shape[:2], pool, stride)] \
        + [(0, 0)] * (x.ndim - 2)


def compare(got, want, what, x_shape=None, pool=None, stride=None, padding=None, atol=0.0):
    """got against want within atol; a wrong shape gets the convention it matches named (shape_hint)."""
    got = np.asarray(got)
    if got.shape != want.shape:
        note = shape_hint(x_shape, got.shape, pool, stride, padding) if x_shape is not None else ""
        raise AssertionError(f"{what}: expected shape {want.shape}, got {got.shape}{note}")
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if not np.all(diff <= atol):
        i = np.unravel_index(np.argmax(diff), diff.shape)
        raise AssertionError(
            f"{what}: at index {tuple(int(v) for v in i)} expected {want[i]}, got {got[i]} "
            f"(largest difference {diff[i]:.3g}, tolerance {atol})"
        )


def block_reduce(x, block, reducer):
    """Oracle: skimage.measure.block_reduce(x, block, reducer, cval=0) for reducer np.max or
    np.mean, once per distinct input; the result is read-only."""
    return oracle(_block_reduce, x, tuple(block), reducer.__name__)


def _block_reduce(x, block, reducer_name):
    from skimage.measure import block_reduce as reduce

    return reduce(x, block, getattr(np, reducer_name), cval=0)


def lecture_map_case(pool_fn, name, reducer, compare):
    """The lecture's use: a 2-D map (the edges after an activation), blocks padded with zeros,
    against skimage's block_reduce with `reducer` (np.max or np.mean)."""
    edges_map = edges()
    for pool in ((2, 2), 3):
        want = block_reduce(edges_map, pair(pool), reducer)
        compare(pool_fn(edges_map, pool, None, "zero"), want,
                f"{name}(edges of shape {edges_map.shape}, pool_size={pool}, padding='zero') vs "
                f"block_reduce(np.{reducer.__name__})", edges_map.shape, pool, None, "zero")


def channels_case(pool_fn, name, reducer, x, batch, compare, note=""):
    """A (H, W, C) map and an (N, H, W, C) batch pooled with padding="zero", against block_reduce
    with a block size of 1 on the channel (and batch) axis."""
    for data, block, shown in ((x, (2, 2, 1), f"x of shape {x.shape}"),
                               (batch, (1, 2, 2, 1), f"a batch of shape {batch.shape}")):
        compare(pool_fn(data, 2, None, "zero"), block_reduce(data, block, reducer),
                f"{name}({shown}, 2, padding='zero') vs block_reduce(x, {block}, np.{reducer.__name__}, cval=0)"
                + note, data.shape, 2, None, "zero")


def each(function, arg_tuples):
    """function(*args) for each args tuple, in order, as an iterator: the first call that raises
    raises from it and no later call runs, exactly as a loop calling the function would. The
    grader sends the whole loop to the submission at once (issue 16: one round trip, not one per
    call); a student's copy just loops."""
    if _call_each is not None:
        return _call_each(function, arg_tuples)
    return (function(*args) for args in arg_tuples)


def printed(function, *args):
    """(function(*args), the text the call printed). The text still shows where a print would."""
    if _call_printing is not None:
        return _call_printing(function, args)
    import contextlib
    import io
    import sys

    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            value = function(*args)
    finally:
        sys.stdout.write(buffer.getvalue())
    return value, buffer.getvalue()
