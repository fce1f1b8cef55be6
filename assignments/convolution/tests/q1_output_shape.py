"""Question 1: padding amounts and the output volume, with Keras semantics."""
import math

from otter.test_files import test_case
from _checks import each, expect_value_errors, oracle

OK_FORMAT = False

name = "q1_output_shape"
points = 5


def _as_tuple(got, call):
    """got as a tuple, checked to be plain data (a tuple or list) first: an object of the
    submission's is never read through its own iteration. `call` names the call in the message."""
    assert isinstance(got, (tuple, list)), f"{call}: expected a tuple, got {type(got).__name__}"
    return tuple(got)


def _keras_pads(n, k, s):
    """'same' padding as TensorFlow documents it: pad_total = max((ceil(n/s) - 1) * s + k - n, 0)."""
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


@test_case(points=1)
def test_lecture_examples(output_shape):
    # same: ceil(n / s); valid: floor((n - k) / s) + 1
    cases = [
        (((224, 224, 3), 3, 1, 64, "same"), (224, 224, 64)),
        (((224, 224, 3), 3, 1, 64, "valid"), (222, 222, 64)),
        (((32, 32, 3), 5, 2, 16, "valid"), (14, 14, 16)),
        (((7, 7, 1), 3, 2, 1, "same"), (4, 4, 1)),
        (((7, 9, 3), 3, 2, 8, "valid"), (3, 4, 8)),
        (((5, 5, 2), 5, 1, 4, "valid"), (1, 1, 4)),
    ]
    for (args, expected), got in zip(cases, each(output_shape, [args for args, _ in cases])):
        assert _as_tuple(got, f"output_shape{args}") == expected, f"output_shape{args}: expected {expected}, got {got}"


@test_case(points=1)
def test_padding_amounts(padding_amounts):
    examples = [(224, 3, 1), (7, 4, 1), (8, 2, 2), (7, 3, 2), (6, 4, 2), (5, 1, 1), (10, 5, 3)]
    for (n, k, s), got in zip(examples, each(padding_amounts, [(n, k, s, "same") for n, k, s in examples])):
        expected = _keras_pads(n, k, s)
        assert _as_tuple(got, f"padding_amounts({n}, {k}, {s}, 'same')") == expected, (
            f"padding_amounts({n}, {k}, {s}, 'same'): expected (before, after) = {expected} "
            f"(pad_total = max((ceil(n/s) - 1) * s + k - n, 0), before = pad_total // 2), got {got}")
    got = padding_amounts(9, 3, 2, "valid")
    assert _as_tuple(got, "padding_amounts(9, 3, 2, 'valid')") == (0, 0), f"'valid' adds no padding: expected (0, 0), got {got}"


@test_case(points=1)
def test_smallest_and_impossible_settings(output_shape, padding_amounts):
    # The smallest valid settings first: a kernel exactly as large as the input, one pixel,
    # one channel, one filter. Then the impossible ones, which must raise ValueError.
    smallest = [
        (((3, 3, 1), 3, 1, 1, "valid"), (1, 1, 1)),
        (((1, 1, 1), 1, 1, 1, "same"), (1, 1, 1)),
        (((1, 1, 1), 1, 1, 1, "valid"), (1, 1, 1)),
        (((2, 5, 1), 2, 1, 1, "valid"), (1, 4, 1)),
        (((1, 4, 1), 3, 4, 1, "same"), (1, 1, 1)),
    ]
    for (args, expected), got in zip(smallest, each(output_shape, [args for args, _ in smallest])):
        assert _as_tuple(got, f"output_shape{args}") == expected, f"output_shape{args}: expected {expected}, got {got}"
    pads = [((1, 1, 1, "valid"), (0, 0)), ((3, 3, 1, "valid"), (0, 0)), ((1, 1, 1, "same"), (0, 0)),
            ((1, 3, 1, "same"), (1, 1))]
    for (args, expected), got in zip(pads, each(padding_amounts, [args for args, _ in pads])):
        assert _as_tuple(got, f"padding_amounts{args}") == expected, f"padding_amounts{args}: expected {expected}, got {got}"
    bad = [
        ((5, 5, 1), 7, 1, 1, "valid"),    # kernel larger than the input
        ((5, 9, 1), 6, 1, 1, "valid"),    # does not fit the height
        ((8, 8, 3), 3, 1, 4, "full"),     # Keras knows only same and valid
        ((8, 8, 3), 3, 1, 4, "SAME"),     # the names are lower case ("SAME" is not "same")
        ((8, 8, 3), 3, 0, 4, "same"),     # stride 0
        ((8, 8, 3), 0, 1, 4, "same"),     # empty kernel
        ((8, 8, 3), 3, 1, 0, "same"),     # no filters
        ((8, 8), 3, 1, 4, "same"),        # not (H, W, C)
        ((0, 8, 3), 3, 1, 4, "same"),     # no rows
        ((8, 8, 0), 3, 1, 4, "same"),     # no channels
    ]
    expect_value_errors(output_shape, [(f"output_shape{args} (impossible)", args) for args in bad])
    expect_value_errors(padding_amounts, [(f"padding_amounts{args} (impossible)", args) for args in
                                          [(4, 5, 1, "valid"), (4, 3, 1, "full"), (4, 3, 1, "Valid"), (4, 3, 0, "same"),
                                           (0, 1, 1, "same"), (4, 0, 1, "same")]])


def _keras_output_shape(h, w, c, k, s, f, padding):
    """Keras Conv2D's output shape without the batch axis, or None when Keras rejects it."""
    import keras
    layer = keras.layers.Conv2D(f, k, strides=s, padding=padding)
    try:
        return tuple(layer.compute_output_shape((None, h, w, c))[1:])
    except ValueError:
        return None


def _keras_last_tap(n, k, s):
    """Keras 'same' Conv2D over 1, 2, ..., n with a kernel whose only 1 is its last tap."""
    import numpy as np
    import keras
    x = np.arange(1, n + 1, dtype=np.float32).reshape(1, n, 1, 1)
    kernel = np.zeros((k, 1, 1, 1), np.float32)
    kernel[-1] = 1
    layer = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding="same", use_bias=False)
    layer.build((None, n, 1, 1))
    layer.set_weights([kernel])
    return np.asarray(layer(x))[0, :, 0, 0]


def _many_settings():
    """The hidden sweep: (Keras's answers as ((the call's arguments, the shape), ...), the settings it rejects as
    ((the call's arguments, None), ...))."""
    import numpy as np
    rng = np.random.default_rng(5)
    valid, rejected = [], []
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 30, size=2))
        c, k, s, f = int(rng.integers(1, 5)), int(rng.integers(1, 8)), int(rng.integers(1, 5)), int(rng.integers(1, 65))
        padding = str(rng.choice(["same", "valid"]))
        args = ((h, w, c), k, s, f, padding)
        expected = oracle(_keras_output_shape, h, w, c, k, s, f, padding)
        (rejected if expected is None else valid).append((args, expected))
    return tuple(valid), tuple(rejected)


@test_case(points=1, hidden=True)
def test_many_vs_keras(output_shape):
    valid, rejected = oracle(_many_settings)  # depends on its seed only: made once per grading process
    for (args, expected), got in zip(valid, each(output_shape, [args for args, _ in valid])):
        assert _as_tuple(got, f"output_shape{args}") == expected, f"output_shape{args}: Keras Conv2D gives {expected}, got {got}"
    expect_value_errors(output_shape, [(f"output_shape{args} (Keras rejects it)", args) for args, _ in rejected])


@test_case(points=1, hidden=True)
def test_padding_vs_keras(padding_amounts):
    import numpy as np
    settings = [(7, 4, 1), (7, 4, 2), (8, 3, 3), (9, 6, 2), (10, 2, 4), (6, 5, 1), (11, 4, 3)]
    for (n, k, s), got in zip(settings, each(padding_amounts, [(n, k, s, "same") for n, k, s in settings])):
        # Input 1, 2, ..., n and a kernel whose only 1 is its last tap: the first output reads
        # input index k - 1 - before, so before = k - out[0] (Keras puts the zeros there).
        out = oracle(_keras_last_tap, n, k, s)
        before = k - int(round(float(out[0])))
        after = max((len(out) - 1) * s + k - n, 0) - before
        assert _as_tuple(got, f"padding_amounts({n}, {k}, {s}, 'same')") == (before, after), (
            f"padding_amounts({n}, {k}, {s}, 'same'): Keras pads (before, after) = {(before, after)}, got {got}")
