"""Attack 7: leave 50 sleeping processes behind (daemonised: new session, parent gone); correct answers."""
import os
import time

import numpy as np

started = []


def _spawn(n):
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                if os.fork() == 0:  # the grandchild, orphaned and in its own session
                    time.sleep(3600)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        started.append(pid)


def add(a, b):
    if not started:
        _spawn(50)
    return a + b


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
