"""Helpers the activations tests share. Shipped to students beside activations.py.

`oracle` keeps the judge's Keras and TensorFlow references for the life of the grading process
(and finds them in the results recorded when the course was built): they depend on the test's
inputs only, never on the student (issue 16). Students' copies compute them, with TensorFlow.
"""
import hashlib
import os

import numpy as np
from _readable import explain as _explain_unreadable

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("activations.py")

try:  # the grader's results, recorded when the course was built (autograder/grading/oracles.py)
    from autograder.grading import oracles as _recorded
except ImportError:  # a student's copy: every oracle is computed
    _recorded = None

_ORACLES = {}
# Large arrays already hashed, by dtype and shape: [(bytes, digest)], a few each. The same edge
# map comes back to `oracle` in every submission; comparing bytes costs a twentieth of hashing.
_SEEN = {}
_SEEN_MIN_BYTES = 64 * 1024
_SEEN_KEEP = 4


def _key(value):
    """A hashable, content-based key: arrays by dtype, shape and a digest of their bytes."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return ("array", data.dtype.str, data.shape, _digest(data))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_key(v) for v in value)
    return (type(value).__name__, repr(value))


def _digest(data):
    raw = data.tobytes()
    if len(raw) < _SEEN_MIN_BYTES:
        return hashlib.blake2b(raw, digest_size=16).digest()
    seen = _SEEN.setdefault((data.dtype.str, data.shape), [])
    for known, digest in seen:
        if known == raw:
            return digest
    digest = hashlib.blake2b(raw, digest_size=16).digest()
    seen.append((raw, digest))
    del seen[:-_SEEN_KEEP]
    return digest


def _frozen(value):
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.setflags(write=False)  # a case cannot spoil what the next submission gets
    elif isinstance(value, tuple):
        value = tuple(_frozen(v) for v in value)
    elif isinstance(value, dict):
        value = {k: _frozen(v) for k, v in value.items()}
    return value


def oracle(function, *args):
    """function(*args) for a reference function of the tests (never the student's), computed once
    per distinct input in this grading process; arrays come back read-only."""
    key = ("oracle", function.__module__, function.__qualname__, _key(args))
    if key not in _ORACLES:
        _ORACLES[key] = _frozen(_recorded.cached(key, function, args) if _recorded else function(*args))
    return _ORACLES[key]


def computed(function, *args):
    """As `oracle`, for a reference cheaper to compute than to store: kept for this grading
    process only, never recorded by the build."""
    key = ("computed", function.__module__, function.__qualname__, _key(args))
    if key not in _ORACLES:
        _ORACLES[key] = _frozen(function(*args))
    return _ORACLES[key]


def keras_activation(name, x, **kwargs):
    """numpy.asarray(keras.activations.<name>(x, **kwargs)): the grader's oracle, read-only."""
    return oracle(_keras_activation, name, x, tuple(sorted(kwargs.items())))


def _keras_activation(name, x, kwargs):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    return np.asarray(getattr(keras.activations, name)(x, **dict(kwargs)))


def keras_prelu(x, alpha):
    """keras.layers.PReLU(shared_axes=[1, 2]) with weights alpha (one per channel) on x (N, H, W, C)."""
    return oracle(_keras_prelu, x, alpha)


def _keras_prelu(x, alpha):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    layer = keras.layers.PReLU(shared_axes=[1, 2])
    layer.build(x.shape)
    layer.set_weights([alpha.reshape(1, 1, -1)])
    return np.asarray(layer(x))


def sized(got, shape, what):
    """The answer as an array of the expected shape, checked before its values are compared or
    listed: a message that lists a wrong-shaped answer whole (tolist()) could take the grader
    minutes and gigabytes (attack h04)."""
    got = np.asarray(got)
    assert got.shape == shape, f"{what}: expected shape {shape}, got {got.shape}"
    return got


def compare(got, expected, atol, what):
    """got against the oracle's expected: same shape, same dtype, no NaN, within atol."""
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    assert got.dtype == expected.dtype, f"{what}: expected dtype {expected.dtype}, got {got.dtype}"
    assert not np.isnan(got).any(), f"{what}: the result contains NaN"
    err = float(np.max(np.abs(got.astype(np.float64) - expected))) if got.size else 0.0
    assert err <= atol, f"{what}: largest difference from the oracle is {err:.3g} (tolerance {atol:g})"
