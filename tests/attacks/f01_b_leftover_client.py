"""F01b: runs after f01a (and an honest submission) on the same worker: its public case asks
f01a's leftover child, on the abstract unix socket, for the hidden inputs and prints what it
gets. Before the fix it printed them ("FOUND HIDDEN x=[...] k=..."); now it finds no one.
Otherwise honest: full marks."""
import socket, time
import numpy as np


def _ask():
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(b"\0f01-hidden-inputs")
            return "FOUND " + s.recv(4096).decode()
        except OSError:
            time.sleep(0.05)
        finally:
            s.close()
    return "no one is serving"


def add(a, b):
    print(_ask())
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
