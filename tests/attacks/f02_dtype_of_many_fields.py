"""F02: a forged answer whose array dtype is a string of 340,000 comma-separated fields (1 MB,
under the reply header's cap). The judge built that numpy dtype before refusing it as not plain
data: about 3.5 s of its CPU and 100 MB of its memory per answer, and its error message quoted the
dtype (6 MB of text). Now a dtype string longer than any plain data type's is refused before
numpy reads it. The other two functions are honest."""
import os, socket, time
import numpy as np


def add(a, b):
    from autograder.sandbox import wire
    s = socket.socket(fileno=os.dup(3))
    node = {"~": "nd", "dtype": ",".join(["f8"] * 340_000), "shape": [0], "b": 0}
    wire.send_frame(s, {"ok": node}, [bytearray()])
    time.sleep(30)


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
