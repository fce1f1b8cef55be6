"""Attack 10: print 100 MB (at import and in a call); the answers are correct."""
import sys

import numpy as np

CHUNK = "x" * 1023 + "\n"
for _ in range(50 * 1024):
    print(CHUNK, end="")


def add(a, b):
    sys.stderr.write(CHUNK * (50 * 1024))
    return a + b


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
