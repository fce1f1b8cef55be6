"""Attack 6: add() eats memory until something gives; the rest is correct. Its 64 MiB blocks are
taken, not written: a written gigabyte is a quarter of a million page faults, which once took
longer than the 4 s call under a loaded CI machine (a timeout, not the memory limit this attack
is about); memory a runner writes is m01's and g06's."""
import numpy as np

hog = []


def add(a, b):
    while True:
        hog.append(np.empty(64 * 1024 * 1024, np.uint8))


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
