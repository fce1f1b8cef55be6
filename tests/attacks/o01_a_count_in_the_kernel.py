"""Attack o01 (a): a hidden input left in the kernel's machine-wide counters for the next submission.

j02 left it in the PID namespace's counter, which is reset now; the kernel also counts every fork
since boot (/proc/stat "processes"), context switches, page faults (/proc/vmstat), and shows the
page cache (/proc/meminfo "Cached"), none of it per namespace. In the hidden case this submission
forks (and reaps) one child per unit of the hidden input (13.371337 -> 337 children); the next
submission graded on that worker (o01_b) reads the counters in a public case, which its student
reads, as this one did in its own public case before: the difference is the 337, plus the
grader's own few forks between the two. Honest in add, scale (its values) and output_shape: 4/4."""

import os

import numpy as np


def _counters():
    found = {}
    for path, keys in (("/proc/stat", ("processes", "ctxt")), ("/proc/vmstat", ("pgfault",)),
                       ("/proc/meminfo", ("Cached:",))):
        try:
            with open(path, encoding="ascii") as f:
                for line in f:
                    parts = line.split()
                    if parts and parts[0] in keys:
                        found[parts[0].rstrip(":")] = int(parts[1])
        except (OSError, ValueError):
            pass
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            found["threads"] = int(f.read().split()[3].split("/")[1])
    except (OSError, ValueError, IndexError):
        pass
    return found


def add(a, b):
    counters = _counters()
    print("COUNTERS", " ".join(f"{k}={counters.get(k, -1)}" for k in ("processes", "ctxt", "pgfault", "Cached", "threads")),
          "cpus", os.cpu_count())
    return a + b


def scale(x, k):
    x = np.asarray(x, dtype=float)
    if x.size == 2 and abs(x[0] - 13.371337) < 1e-3:  # the hidden case's input (any would do)
        n = int(round(abs(float(x[0])) * 100)) % 1000  # 1337 -> 337
        for _ in range(n):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
    return x * k


def output_shape(shape):
    return tuple(shape)
