"""Question 1: the output shape of a pooling layer, for the three edge policies."""
import os

import numpy as np
from otter.test_files import test_case
from _checks import each as _each, expect_value_error as _expect_value_error, oracle as _oracle

OK_FORMAT = False

name = "q1_output_shape"
points = 4


RULES = {"valid": "floor((n - k) / s) + 1 per axis", "same": "ceil(n / s) per axis",
         "zero": "the fewest windows covering every row and column, max(ceil((n - k) / s), 0) + 1 per axis"}


def _rule(padding):
    """What a wrong answer is told: the rule and that the batch and channel axes stay, never the value."""
    return f"expected the rule {RULES.get(padding, '?')}, with the batch and channel axes kept as they are"


def _keras_shape(input_shape, pool_size, stride, padding):
    """Oracle for "valid"/"same": the shape Keras' MaxPooling2D gives (batch and channel axes added, then removed),
    once per distinct input."""
    return _oracle(_keras_shape_run, tuple(input_shape), pool_size, stride, padding)


def _keras_shape_run(input_shape, pool_size, stride, padding):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    batch, spatial = tuple(input_shape[:len(input_shape) == 4]), tuple(input_shape[len(input_shape) == 4:])
    h, w = spatial[:2]
    layer = keras.layers.MaxPooling2D(pool_size, strides=stride, padding=padding)
    shape = tuple(int(n) for n in layer.compute_output_shape((1, h, w, 1))[1:3])
    return batch + shape + spatial[2:]


def _block_reduce_shape(input_shape, pool_size):
    """Oracle for "zero" with stride = pool size: the shape of skimage's block_reduce (pads with cval=0),
    once per distinct input."""
    return _oracle(_block_reduce_shape_run, tuple(input_shape), pool_size)


def _block_reduce_shape_run(input_shape, pool_size):
    from skimage.measure import block_reduce

    block = (pool_size, pool_size) + (1,) * (len(input_shape) - 2)
    return block_reduce(np.zeros(input_shape, np.uint8), block, np.max).shape


def _covering_windows(n, k, s):
    """Oracle for "zero" in general, from its definition: the fewest windows (starting at 0, s, 2s, ...) reaching past n - 1."""
    m = 1
    while (m - 1) * s + k < n:
        m += 1
    return m


def _as_shape(got, call):
    """got as a tuple of ints, checked to be plain data (a tuple or list) first: an object of the
    submission's is never read through its own iteration. `call` names the call in the message."""
    assert isinstance(got, (tuple, list)), f"{call}: expected a shape tuple, got {type(got).__name__}"
    try:
        return tuple(int(v) for v in got)
    except TypeError:
        return got


@test_case(points=1)
def test_valid_and_same_match_keras(pool_output_shape):
    cases = [
        ((224, 224, 64), 2, None, "valid"),
        ((224, 224, 64), 2, None, "same"),
        ((300, 451, 3), 2, None, "valid"),
        ((300, 451, 3), 2, None, "same"),
        ((7, 7, 3), 3, 2, "valid"),
        ((7, 7, 3), 3, 2, "same"),
        ((55, 55, 96), 3, 2, "valid"),   # AlexNet's overlapping pooling
        ((8, 7, 7, 3), 3, 2, "same"),    # a batch (N, H, W, C): N and C are never pooled
    ]
    for (shape, k, s, padding), got in zip(cases, _each(pool_output_shape, cases)):
        want = _keras_shape(shape, k, s, padding)
        assert _as_shape(got, f"pool_output_shape({shape}, pool_size={k}, stride={s}, padding={padding!r})") == want, (
            f"pool_output_shape({shape}, pool_size={k}, stride={s}, padding={padding!r}): "
            f"{_rule(padding)} (as Keras MaxPooling2D), got {got}"
        )


@test_case(points=1)
def test_zero_policy_matches_block_reduce(pool_output_shape):
    cases = [((300, 451, 3), 2), ((224, 224, 64), 2), ((7, 10), 3), ((5, 5), 2), ((2, 2, 1), 4)]
    for (shape, k), got in zip(cases, _each(pool_output_shape, [(shape, k, None, "zero") for shape, k in cases])):
        want = _block_reduce_shape(shape, k)
        assert _as_shape(got, f"pool_output_shape({shape}, pool_size={k}, padding='zero')") == want, (
            f"pool_output_shape({shape}, pool_size={k}, padding='zero'): {_rule('zero')} "
            f"(skimage.measure.block_reduce pads up to a multiple of the pool size), got {got}"
        )


@test_case(points=1)
def test_smallest_valid_arguments_and_bad_ones(pool_output_shape):
    # The smallest valid values are accepted (1 pixel, a 1x1 window, stride 1, a window as big
    # as the input); one step below raises.
    smallest = [((1, 1, 1), 1, 1, "valid"), ((1, 1), 1, None, "same"), ((3, 3, 2), 3, 1, "valid"),
                ((1, 5), (1, 2), (1, 1), "valid"), ((1, 1), 2, 1, "zero")]
    for (shape, k, s, padding), got in zip(smallest, _each(pool_output_shape, smallest)):
        want = _keras_shape(shape, k, s, padding) if padding != "zero" else \
            tuple(_covering_windows(n, kk, ss) for n, kk, ss in zip(shape, (k, k), (s, s))) + shape[2:]
        assert _as_shape(got, f"pool_output_shape({shape}, pool_size={k}, stride={s}, padding={padding!r})") == want, (
            f"pool_output_shape({shape}, pool_size={k}, stride={s}, padding={padding!r}): these are the smallest "
            f"valid values, {_rule(padding)}, got {got}")
    _expect_value_error(lambda: pool_output_shape((8, 8, 0), 2), "an input with 0 channels")
    _expect_value_error(lambda: pool_output_shape((0, 8), 2, None, "same"), "an input with 0 rows")
    _expect_value_error(lambda: pool_output_shape((8, 8, 3), 0), "pool_size=0")
    _expect_value_error(lambda: pool_output_shape((8, 8, 3), (2, -1)), "pool_size=(2, -1)")
    _expect_value_error(lambda: pool_output_shape((8, 8, 3), 2, 0), "stride=0")
    _expect_value_error(lambda: pool_output_shape((8, 8, 3), 2, -2), "stride=-2")
    _expect_value_error(lambda: pool_output_shape((8,), 2), "an input of rank 1")
    _expect_value_error(lambda: pool_output_shape((2, 1, 8, 8, 3), 2), "an input of rank 5")
    _expect_value_error(lambda: pool_output_shape((8, 8, 3), 2, None, "full"), "padding='full'")
    _expect_value_error(lambda: pool_output_shape((3, 3, 1), 4, None, "valid"),
                        "a 4x4 window on a 3x3 input with padding='valid'")


def _many_shapes():
    """The hidden sweep's calls and expected shapes: ((the call's arguments, the expected shape), ...)."""
    rng = np.random.default_rng(5)
    checks = []  # (the call's arguments, the expected shape)
    for _ in range(40):
        h, w, c = (int(v) for v in rng.integers(1, 40, 3))
        kh, kw, sh, sw = (int(v) for v in rng.integers(1, 6, 4))
        shape = ((h, w, c), (h, w), (c, h, w, 2))[int(rng.integers(0, 3))]
        pool, stride = (kh, kw), (sh, sw)
        wants = {
            "same": _keras_shape(shape, pool, stride, "same"),
            "zero": shape[:len(shape) == 4] + (_covering_windows(h, kh, sh), _covering_windows(w, kw, sw))
            + shape[2 + (len(shape) == 4):],
        }
        if kh <= h and kw <= w:
            wants["valid"] = _keras_shape(shape, pool, stride, "valid")
        checks += [((shape, pool, stride, padding), want) for padding, want in wants.items()]
    return tuple(checks)


@test_case(points=1, hidden=True)
def test_many_shapes_all_policies(pool_output_shape):
    checks = _oracle(_many_shapes)   # the sweep depends on its seed only: made once per grading process
    for ((shape, pool, stride, padding), want), got in zip(checks, _each(pool_output_shape, [a for a, _ in checks])):
        assert _as_shape(got, f"pool_output_shape({shape}, pool_size={pool}, stride={stride}, padding={padding!r})") == want, (
            f"pool_output_shape({shape}, pool_size={pool}, stride={stride}, padding={padding!r}): "
            f"expected {want}, got {got}"
        )
