"""Attack m01: memory_mb is each process's limit (RLIMIT_AS), and a submission may run
`processes` of them: six children of the public add, each filling 400 MB (within its own 1 GiB)
and holding it for two seconds, hold 2.4 GB in a session of memory_mb 1 GiB.

The public add forks the six, waits up to 2.5 s for each to say it holds its 400 MB (a byte on a
pipe; a child killed before it does closes its end instead), prints how many did, and returns
a + b. Honest otherwise: 4/4 when nothing stops it."""

import os
import select
import time

import numpy as np

CHILDREN, EACH_MB = 6, 400


def _hold():
    pipes = []
    for _ in range(CHILDREN):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                block = np.ones(EACH_MB * 2**20, dtype=np.uint8)  # every page written
                os.write(w, b"1")
                time.sleep(2.0)
                block[0] = 0
            finally:
                os._exit(0)
        os.close(w)
        pipes.append(r)
    held, deadline = 0, time.monotonic() + 2.5
    waiting = list(pipes)
    while waiting and time.monotonic() < deadline:
        ready, _, _ = select.select(waiting, [], [], max(0.0, deadline - time.monotonic()))
        for r in ready:
            held += os.read(r, 1) == b"1"
            waiting.remove(r)
    for r in pipes:
        os.close(r)
    print(f"children holding {EACH_MB} MB: {held} of {CHILDREN}")


def add(a, b):
    _hold()
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
