"""Attack b09 (issue 11, finding 9): the runner claims it has the grader's network.

At import, the module finds the runner's own bookkeeping and adds a note, so the runner's import
reply says netns: false. Before the fix the judge printed "it has the grader's network access"
on that say-so. The functions are right.
"""
import gc

import numpy as np

for obj in gc.get_objects():
    if type(obj).__name__ == "Runner" and isinstance(getattr(obj, "notes", None), list):
        obj.notes.append("FAKE-NETNS-NOTE")
        print("NETNS note planted")


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
