"""E05: a value small on the wire and large in the judge: output_shape returns a range of N items
(three numbers on the wire); the test's own tuple(got) expanded it in the judge, outside any
deadline. Now a range of more than MAX_NODES values is refused like a list that long."""
import numpy as np

N = 20_000_000


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return range(N)
