"""G07: a source that makes the judge's preload check quadratic. Before the first runner, the
engine decides whether the template imports TensorFlow from the submission's own source, with a
regular expression whose leading `\\s*` crossed line ends: on 60,000 blank lines it tried every
line start against every line after it, ~30 s of the judge's CPU (a 1 MiB file of them: hours),
before any deadline applied. On Gradescope every submission is such a first one, and the run
ended at Gradescope's own timeout with no results. The 60,000 blank lines are added by
tests/test_sandbox_attacks_g.py (as c02's notebook is written by its test); the functions are
honest: full marks."""


import numpy as np


def add(a, b):
    """Return a + b."""
    return a + b


def scale(x, k):
    """Return the float array x * k."""
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    """Return the shape tuple unchanged (a stand-in for a layer's output shape)."""
    return tuple(shape)
