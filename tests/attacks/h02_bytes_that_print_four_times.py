"""H02: an answer that grows in the judge when the test prints it. add returns 400 MB of zero
bytes (within the 512 MB a reply may hold): the judge keeps the received buffer and the bytes
value made of it, and the test's failure message (`got {got!r}`) is repr(got), four characters
a byte ("\\x00"), 1.6 GB, copied again into the f-string and again into otter's message. The
other functions are honest."""
import numpy as np


def add(a, b):
    return bytes(400 << 20)


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
