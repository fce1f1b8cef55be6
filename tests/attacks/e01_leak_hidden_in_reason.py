"""E01 (issue 16 review, white-box audit): in the HIDDEN case, forge an answer whose decoding
fails with an error that quotes the submission's text (np.dtype("<text>") -> "data type '<text>'
not understood"), the text being the hidden inputs it was given. Before the fix that error went
into the fault's reason, and a hidden case's fault reason into the row's reason, which students
see (Gradescope's top-level output, the feedback page): the hidden inputs leaked. Now a hidden
case's fault is named, never described, and an undecodable answer is reported without quoting it."""
import os, socket, time
import numpy as np


def add(a, b):
    return a + b


def output_shape(shape):
    return tuple(shape)


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]:
        return x * k  # the public case: honest
    from autograder.sandbox import wire
    s = socket.socket(fileno=os.dup(3))
    leak = "LEAK x=" + repr(x.tolist()) + " k=" + repr(k)
    wire.send_frame(s, {"ok": {"~": "nd", "dtype": leak, "shape": [], "b": 0}}, [b""])
    time.sleep(30)
