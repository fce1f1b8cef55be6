"""F05: a forged answer, a set of 1,000 tuples, each 240 equal floats and then a multiple of
2**61 - 1 (all of which hash to 0): every tuple hashes alike, and telling two apart takes 240
float comparisons. The decoder charged the 1,000^2 comparisons (within its HASH_WORK) but not
their length: about 1.3 s of the judge's CPU per 1 MB answer. Now each comparison counts the
values of the keys compared. add and output_shape send it; scale is honest."""
import os, socket, time
import numpy as np

M = 2**61 - 1


def _forge():
    from autograder.sandbox import wire
    s = socket.socket(fileno=os.dup(3))
    keys = [{"~": "tuple", "v": [0.5] * 240 + [{"~": "int", "v": format(M * i, "x")}]} for i in range(1000)]
    wire.send_frame(s, {"ok": {"~": "set", "v": keys}})
    time.sleep(30)


def add(a, b):
    _forge()


def output_shape(shape):
    _forge()


def scale(x, k):
    return np.asarray(x, dtype=float) * k
