"""Attack k04: numpy answers of strange kinds.

Each call answers something numpy allows but the wire may not carry, or may carry only as plain
data: add answers a zero-strided view of shape (10**6, 10**6) (8 bytes of data, 8 TB as an array:
np.lib.stride_tricks.as_strided), scale a masked, big-endian array whose data is right ([0, 2, 4],
one value masked) inside an np.matrix-free wrapper, output_shape a tuple of an np.matrix, a
datetime64 and a timedelta64 array, a void scalar of a 1 MB itemsize and a structured array
with an object field; the hidden scale a broadcast_to view of shape (10**6, 10**6). What crosses
is plain data only (a masked array as its data, an ndarray subclass as its base), the rest is
refused in the runner or refused by the judge before it allocates: add 0, scale 1 (its values
are right), output_shape 0, the hidden scale 0: 1/4, the judge as small as for an honest one."""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def add(a, b):
    return as_strided(np.zeros(1), shape=(10**6, 10**6), strides=(0, 0))


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if len(x) != 3:  # the hidden case
        return np.broadcast_to(np.zeros(1), (10**6, 10**6))
    data = (x * k).astype(">f8")
    return np.ma.masked_array(data, mask=[False, True, False])


def output_shape(shape):
    return (np.matrix([list(shape)]),
            np.array(["2026-12-04"], dtype="datetime64[ns]"),
            np.array([1, 2], dtype="timedelta64[s]"),
            np.void(b"\0" * 1_000_000),
            np.array([(1, object())], dtype=[("a", "i4"), ("b", "O")]))
