"""Attack j04: an answer numpy prints whole, of values it prints slowly.

The wire holds what a test's failure message may print of an answer (`got {got!r}` in the judge,
where no deadline reaches) to MAX_PRINTED values by numpy's rules (h01: ten axes each 6 long
printed every value). The bound counted values as if each cost what a float64 does (10-40 us).
An extended-precision complex (numpy's clongdouble, '<c32') prints two 80-bit floats, and
Dragon4 works in big numbers as long as the exponent: near 1e-4931 each value takes ~0.8 ms.
add returns 4 x 6**6 = 186,624 of them (6 MB, under MAX_PRINTED), which test_add's message
prints in full: minutes of the judge's time for a 20 s budget. Honest in scale and output_shape
(3/4)."""

import numpy as np


def add(a, b):
    tiny = np.clongdouble(np.longdouble(1.2345678901234567891) * np.longdouble(10) ** -4931)
    return np.full((4, 6, 6, 6, 6, 6, 6), tiny * (1 + 1j), dtype=np.clongdouble)


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
