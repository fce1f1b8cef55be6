"""Attack k06b: graded two submissions after k06a on the same worker, it counts the processes of
other uids it can see in its PID namespace (every runner of a template shares bubblewrap's) and
how much of a core a fixed piece of work gets: a burner of k06a's that outlived its session
would show as a process of another non-root uid, and as wall time well above CPU time. It
prints both in add's output (a public case; the test reads them from the record). Honest
otherwise: 4/4."""

import os
import time

import numpy as np


def _others() -> int:
    me, n = os.getuid(), 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
        except (OSError, StopIteration, ValueError):
            continue
        if uid not in (0, me):
            n += 1
    return n


def add(a, b):
    wall, cpu = time.perf_counter(), time.process_time()
    x = 0
    while time.process_time() - cpu < 0.2:  # 0.2 s of CPU work
        x += 1
    share = (time.process_time() - cpu) / (time.perf_counter() - wall)
    print(f"other uids' processes: {_others()}; share of a core: {share:.2f}")
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
