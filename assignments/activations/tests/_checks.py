"""Helpers the activations tests share. Shipped to students beside activations.py.

`oracle` keeps the judge's Keras and TensorFlow references for the life of the grading process
(and finds them in the results recorded when the course was built): they depend on the test's
inputs only, never on the student (issue 16). Students' copies compute them, with TensorFlow.
"""
import os

import numpy as np
from _oracles import Memo
from _readable import explain as _explain_unreadable

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("activations.py")

try:  # the grader's results, recorded when the course was built (autograder/grading/oracles.py)
    from autograder.grading import oracles as _recorded
except ImportError:  # a student's copy: every oracle is computed
    _recorded = None

_memo = Memo(_recorded)  # the memo: _oracles.py
oracle = _memo.oracle  # results read-only
computed = _memo.computed  # for a reference cheaper to compute than to store: never recorded


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
