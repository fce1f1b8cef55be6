"""G04: a frame whose buffer table names a length of 4,000 digits, written on the runner's socket
(fd 3) while the submission is imported, before the runner's own answer. The judge refused the
frame (more bytes than a message may hold) with a sentence giving its size in MiB: the length
divided by 2**20 as a float, an OverflowError and not the wire's own error. Nothing caught it
while a runner was being started, so it came out of grade_source: the row was the grader's
failure ("rerun to retry", failing again on every rerun) and the worker threw its engine and
template away. The functions are honest."""
import json
import os
import struct

import numpy as np

_head = json.dumps({"bufs": [10 ** 4000]}).encode()
os.write(3, struct.pack("!I", len(_head)) + _head)


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
