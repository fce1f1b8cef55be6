"""Attack 6: add() eats memory until something gives; the rest is correct."""
import numpy as np

hog = []


def add(a, b):
    while True:
        hog.append(bytearray(64 * 1024 * 1024))


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
