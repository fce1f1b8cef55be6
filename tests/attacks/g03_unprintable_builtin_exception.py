"""G03: a builtin exception the judge cannot print. The judge rebuilds a runner's exception as
the builtin type it names, from the arguments it carried (strings and numbers), and the failure
message of a case says str() of it. A UnicodeEncodeError whose start is negative is built without
complaint but raises SystemError when printed (CPython 3.11), and it came out of core's handler
for a failing case: the row was the grader's failure ("rerun to retry", failing again on every
rerun). The student's code raises it itself; nothing is forged on the wire. scale and
output_shape are honest."""
import numpy as np


def add(a, b):
    raise UnicodeEncodeError("utf-8", "abc", -5, -4, "bad position")


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
