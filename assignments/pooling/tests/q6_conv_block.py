"""Question 6: a convolutional block conv -> activation -> pool, against a Keras Sequential model."""
import os
import re

import numpy as np
from otter.test_files import test_case
from _checks import cat as _cat, expect_value_error as _expect_value_error, oracle as _oracle, printed as _printed

OK_FORMAT = False

name = "q6_conv_block"
points = 3

ATOL = 1e-4   # Keras convolves in float32


def _weights(k, c_in, f, seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.3, (k, k, c_in, f)).astype(np.float32),
            rng.normal(0, 0.1, f).astype(np.float32))


def _keras_block(x, kernels, bias, activation, pool, pool_size):
    """Oracle: Conv2D(same, the given weights, activation) then Max/AveragePooling2D(pool_size).
    Returns the output (read-only) and the expected stages, once per distinct input."""
    out, stages = _oracle(_keras_block_run, x, kernels, bias, activation, pool, pool_size)
    return out, list(stages)


def _keras_block_run(x, kernels, bias, activation, pool, pool_size):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    k, f = kernels.shape[0], kernels.shape[3]
    conv = keras.layers.Conv2D(f, k, padding="same", activation=activation)
    pooling = (keras.layers.MaxPooling2D if pool == "max" else keras.layers.AveragePooling2D)(pool_size)
    model = keras.Sequential([keras.Input(x.shape), conv, pooling])
    conv.set_weights([kernels, bias])
    out = np.asarray(model.predict(x[None], verbose=0))[0]
    conv_shape = tuple(int(n) for n in conv.output.shape[1:])
    stages = [("input", tuple(x.shape)), ("conv", conv_shape), (activation, conv_shape),
              (pool + "_pool", tuple(int(n) for n in pooling.output.shape[1:]))]
    return out, tuple(stages)


def _call(conv_block, *args, call=None):
    try:
        return (call or conv_block)(*args)
    except NotImplementedError as e:
        if "conv_block" in str(e):
            raise   # conv_block itself is not written yet
        raise AssertionError(
            f"conv_block raised NotImplementedError({e}): it calls a function you have not written yet. conv_block "
            "may pool with skimage's block_reduce instead (see its docstring), so this question does not wait for another")


def _unpack(result, what):
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{what}: expected a tuple (out, stages), got {type(result).__name__}"
    )
    return result


def _normalise_stages(stages):
    """The stages as [(name, shape tuple)], checked to be plain data first: a list or tuple of
    (name, shape) pairs, each shape a tuple or list (an object of the submission's is never read
    through its own iteration)."""
    assert isinstance(stages, (list, tuple)), f"expected the stages as a list of (name, shape) tuples, got {type(stages).__name__}"
    for stage in stages:
        assert isinstance(stage, (list, tuple)) and len(stage) == 2, (
            f"expected each stage as a (name, shape) tuple, got {type(stage).__name__}"
            + (f" of {len(stage)} items" if isinstance(stage, (list, tuple)) else ""))
        assert isinstance(stage[1], (list, tuple)), (
            f"expected each stage's shape as a tuple of ints, got {type(stage[1]).__name__} for stage {stage[0]!r}")
    try:
        return [(str(n), tuple(int(v) for v in s)) for n, s in stages]
    except (TypeError, ValueError):
        return stages


def _compare(got, want, what):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if not np.all(diff <= ATOL):
        i = np.unravel_index(np.argmax(diff), diff.shape)
        raise AssertionError(f"{what}: at index {tuple(int(v) for v in i)} expected {want[i]:.6f}, "
                             f"got {got[i]:.6f} (tolerance {ATOL})")


_CAT_BLOCK = []  # [(conv_block, its answer)]: the function held, so its id is never another's


def _cat_block(conv_block):
    """The public cases' block: the cat through 3x3x3x8 kernels with the defaults (relu, max, 2).
    Returns (Keras output, Keras stages, the student's output, the student's stages, what the
    call printed). The student's call is made once for the two cases that read it (issue 16); a
    raise is not kept, so each case meets its own."""
    cat = _cat()
    kernels, bias = _weights(3, 3, 8, 0)
    want, want_stages = _keras_block(cat, kernels, bias, "relu", "max", 2)
    if _CAT_BLOCK and _CAT_BLOCK[0][0] is conv_block:
        out, stages, text = _CAT_BLOCK[0][1]
    else:
        result, text = _call(conv_block, cat, kernels, bias, call=lambda *a: _printed(conv_block, *a))
        out, stages = _unpack(result, "conv_block(cat, kernels, bias)")
        if isinstance(out, np.ndarray):
            out = out.copy()
            out.setflags(write=False)  # the next case reads the same answer
        _CAT_BLOCK[:] = [(conv_block, (out, stages, text))]
    return want, want_stages, out, stages, text


def _unprinted_stage(text, stages):
    """The first stage name with no line of `text` (after the previous stage's line) that names
    it as a word and then gives its shape's numbers, whatever the brackets; None if all are there."""
    lines, at = str(text).splitlines(), 0
    for name, shape in stages:
        word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")
        for i in range(at, len(lines)):
            found = word.search(lines[i])
            if found and [int(n) for n in re.findall(r"\d+", lines[i][found.end():])] == list(shape):
                at = i + 1
                break
        else:
            return name
    return None


@test_case(points=1)
def test_cat_relu_max_block_matches_keras(conv_block):
    want, _, out, _, _ = _cat_block(conv_block)
    _compare(out, want, "conv_block(cat, 3x3x3x8 kernels) vs Keras Conv2D(8, 3, 'same', relu) + MaxPooling2D(2)")


@test_case(points=1)
def test_stages_and_their_shapes(conv_block):
    _, want, _, stages, text = _cat_block(conv_block)
    got = _normalise_stages(stages)
    if got != want:
        names = [n for n, _ in want]
        got_names = [n for n, _ in got] if isinstance(got, list) and all(isinstance(g, tuple) for g in got) else None
        detail = (f"expected the stage names {names}, in that order" if got_names != names else
                  "the names are right; a shape differs from the Keras model's (conv keeps H and W with 'same', "
                  "the pool divides them by pool_size, rounding down)")
        raise AssertionError(f"the stages of the block: {detail}; got {stages}")
    # The docstring's (and the lecture's) printed lines: one a stage, its name and then its shape.
    missing = _unprinted_stage(text, want)
    lines = len(str(text).splitlines())
    assert missing is None, (
        f"conv_block(cat, kernels, bias) should print one line per stage, the stage's name and then its shape, "
        f"in order; the returned stages are right, but " + (
            f"of the {lines} line{'s' * (lines != 1)} it printed none names the stage {missing!r} (as a word) "
            "followed by that stage's shape" if lines else "it printed nothing"))


@test_case(points=1, hidden=True)
def test_other_activations_pools_and_kernels(conv_block):
    rng = np.random.default_rng(9)
    for activation, pool, pool_size, k, c_in, f in (("tanh", "avg", 3, 5, 4, 6), ("linear", "max", 2, 4, 2, 3),
                                                   ("relu", "avg", 2, 1, 3, 5)):
        x = rng.uniform(0, 1, (23, 30, c_in)).astype(np.float32)
        kernels, bias = _weights(k, c_in, f, k)
        want, want_stages = _keras_block(x, kernels, bias, activation, pool, pool_size)
        arg = x.tolist() if activation == "linear" else x   # a nested list is an array-like too
        out, stages = _unpack(_call(conv_block, arg, kernels, bias, activation, pool, pool_size), "conv_block(...)")
        what = f"conv_block(x {x.shape}, {k}x{k} kernels, activation={activation!r}, pool={pool!r}, pool_size={pool_size})"
        _compare(out, want, what + " vs Keras")
        got = _normalise_stages(stages)
        assert got == want_stages, f"{what}: expected stages {want_stages}, got {stages}"
    kernels, bias = _weights(3, 3, 2, 0)
    x = np.zeros((8, 8, 3), np.float32)
    _expect_value_error(lambda: conv_block(x, kernels, bias, "softmax"), "activation='softmax'")
    _expect_value_error(lambda: conv_block(x, kernels, bias, "relu", "min"), "pool='min'")
