"""Helpers the yolo test files share (shipped to students beside yolo.py: no hidden material)."""
import numpy as np
from _readable import explain as _explain_unreadable

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("yolo.py")


# plant.cfg's anchors (reference/yolo/generate.py) and a made-up set of nine for decoding tests
PLANT_ANCHORS = np.array([[8, 8], [16, 16], [24, 24], [32, 32], [48, 48], [64, 64]], np.float32)
ANCHORS = np.array([[2, 3], [4, 5], [6, 7], [8, 9], [10, 6], [12, 13], [14, 15], [16, 17], [18, 19]], np.float32)


def expect_raises(kind, fn, *args, what, **kwargs):
    """Call fn and require an exception of type kind; return it (so its message can be checked).
    Any other exception, or none, fails with what was expected and what came back."""
    try:
        got = fn(*args, **kwargs)
    except kind as e:
        return e
    except Exception as e:  # noqa: BLE001 - reported, not swallowed
        raise AssertionError(f"{what}: expected {kind.__name__}, got {type(e).__name__}: {e}") from None
    raise AssertionError(f"{what}: expected {kind.__name__}, got a return value of type {type(got).__name__}")


def as_pairs(sections):
    """A parsed config as a list of (type, options) tuples (2-item lists are accepted too). The
    answer's type is checked before it is read: an object that only behaves like a list (its
    len, items and iteration answered by the submission) is not the list the docstring promises."""
    assert isinstance(sections, list), (
        f"expected a list of (section_type, options) tuples, got {type(sections).__name__}")
    pairs = []
    for i, s in enumerate(sections):
        assert isinstance(s, (tuple, list)) and len(s) == 2, (
            f"section {i}: expected a (section_type, options) tuple, got {type(s).__name__}"
            + (f" of {len(s)} items" if isinstance(s, (tuple, list)) else ""))
        assert isinstance(s[0], str) and isinstance(s[1], dict), (
            f"section {i}: expected a str section type and a dict of options, got {type(s[0]).__name__} "
            f"and {type(s[1]).__name__}")
        pairs.append(tuple(s))
    return pairs


def shapes(output_shape):
    """model.output_shape as a list of tuples (a one-output model reports a single tuple)."""
    if output_shape and isinstance(output_shape[0], (list, tuple)):
        return [tuple(s) for s in output_shape]
    return [tuple(output_shape)]


def outputs(model, x):
    """model.predict(x) as a list of arrays, one per output."""
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def sig(x):
    """The logistic function in float64 (the oracle's, not the given helper)."""
    return 1 / (1 + np.exp(-np.asarray(x, np.float64)))


def check_counts(got, want, what):
    """count_parameters' dict against the expected one (extra keys ignored)."""
    got = {k: got.get(k) for k in want} if isinstance(got, dict) else got
    assert got == want, f"{what}: expected {want}, got {got}"
