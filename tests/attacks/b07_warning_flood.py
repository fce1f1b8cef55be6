"""Attack b07 (issue 11, finding 7, the warnings part): warnings full of terminal escapes.

Every call issues 20 warnings of 2,000 characters with ESC sequences (clear screen, window
title). Before the fix the judge re-issued them and they reached the TA's terminal raw.
"""
import warnings

import numpy as np

EVIL = "\x1b]0;PWNED-TITLE\x07\x1b[2J" + "WARNFLOOD" * 220


def add(a, b):
    for i in range(20):
        warnings.warn(f"{i} {EVIL}", UserWarning)
    return a + b


def scale(x, k):
    warnings.warn(EVIL, RuntimeWarning)
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
