"""Attack 5b: correct, except that scale never returns (2 cases use it: the rest must still grade)."""
import numpy as np


def add(a, b):
    return a + b


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    while True:
        pass


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
