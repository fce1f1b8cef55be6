"""Attack 7: leave 50 sleeping processes behind (daemonised: new session, parent gone); correct answers."""
import ctypes
import os
import subprocess
import time

import numpy as np

started = []


def _spawn(n):
    # {{TOKEN}} (digits) is filled in by the test, so that it can find these processes.
    # Most as `sleep` in a new session (cheap to start); a few as daemonised forks of this
    # interpreter (orphaned, own session), which are slow to fork from a TensorFlow-sized process.
    for _ in range(n - 5):
        started.append(subprocess.Popen(["sleep", "3600.{{TOKEN}}"], start_new_session=True).pid)
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                if os.fork() == 0:  # the grandchild, orphaned and in its own session
                    ctypes.CDLL(None).prctl(15, b"sbx{{TOKEN}}", 0, 0, 0)  # PR_SET_NAME: findable
                    time.sleep(3600)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        started.append(pid)


def add(a, b):
    if not started:
        _spawn(50)
        print("SPAWNED", len(started))
    return a + b


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
