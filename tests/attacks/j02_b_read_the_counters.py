"""Attack j02 (b): reads what j02_a left in the template's counters: its own pid (and /proc/loadavg's
last pid) and the inode number of a new file in its working folder, printed in a public case's
output (results.json, the log: what its student reads). Before the fix its pid was j02_a's plus the
337 children j02_a's hidden case forked (plus a constant the student can measure on a laptop).
Honest otherwise: 4/4."""

import os

import numpy as np


def add(a, b):
    with open("/proc/loadavg") as f:
        last = f.read().split()[-1]
    open("probe", "w").close()
    print("PID", os.getpid(), "last", last, "ino", os.stat("probe").st_ino)
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
