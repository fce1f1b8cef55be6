"""H03: a ten-byte answer that costs the judge gigabytes. output_shape returns an object of its
own class (it stays in the runner; the test holds a handle) whose len() is 500 million and which
yields nothing. The test's `tuple(got)` asks the handle for its length first, as CPython does to
size the tuple, and builds a tuple of that many empty slots before iterating: 4 GB written in
the judge, and seconds of it, before the iteration finds nothing (a length of 2.5 billion would
be 20 GB). The other functions are honest."""
import numpy as np


class Shape:
    def __len__(self):
        return 500_000_000

    def __iter__(self):
        return iter(())


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return Shape()
