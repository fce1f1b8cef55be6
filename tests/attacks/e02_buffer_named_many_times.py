"""E02: one 8 MiB buffer named by REFS image values in one forged answer: the judge's decoder
copied the buffer for each (bytes(buf) -> Image.frombytes), 8 MiB on the wire becoming REFS x 8
MiB in the judge (the header allows ~20,000). Now a buffer serves one value only."""
import os, socket, time
import numpy as np

REFS = 100


def add(a, b):
    from autograder.sandbox import wire
    s = socket.socket(fileno=os.dup(3))
    w, h = 4096, 2048
    node = {"~": "pil", "mode": "L", "size": [w, h], "b": 0}
    wire.send_frame(s, {"ok": [node] * REFS}, [bytearray(w * h)])
    time.sleep(30)


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
