"""Attack c04 (issue 11, finding 8): failure messages of megabytes. add and safe_div raise
exceptions with 2 MB messages (one of them 100,000 forged `score:` lines); scale and
load_numbers are correct, so the submission keeps their points."""

import numpy as np


def add(a, b):
    raise ValueError("M" * 2_000_000)


def safe_div(a, b):
    raise ArithmeticError("\n".join(["score:      43/43"] * 100_000))


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
