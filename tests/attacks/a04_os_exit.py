"""Attack 4a: leave with a success status while being imported."""
import os

os._exit(0)


def add(a, b):
    return a + b
