"""Attack 11: add() dereferences a null pointer; the rest is correct."""
import ctypes

import numpy as np


def add(a, b):
    return ctypes.string_at(0)


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
