"""Attack b04 (issue 11, finding 4): a handle that iterates forever.

The test does tuple(got); every next() is a fast round trip, so no per-call timeout fires.
Before the fix nothing on the judge's side ended it and the batch never finished.
"""
import itertools

import numpy as np


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return itertools.count()
