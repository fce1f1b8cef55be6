"""Attack q01 (a): a hidden case that fails without a fault, by raising NotImplementedError or
ValueError as a bit of its hidden input says (is its first value above 10?). The row's reason,
in results.json's output that a student sees at once, counted the failed cases whose message
holds "NotImplementedError", hidden ones included: "1 of 4 test cases hit NotImplementedError"
for one input, nothing for the other. q01_b is the same with the line drawn at 100, so the two
read different bits of the same input. Now the count is of public cases only. Honest otherwise:
3/4."""
import numpy as np


def add(a, b):
    return a + b


def output_shape(shape):
    return tuple(shape)


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if x.shape == (2,):  # the hidden case's input; the public case's is arange(3)
        if x[0] > 10:
            raise NotImplementedError("bit=1")
        raise ValueError("bit=0")
    return x * k
