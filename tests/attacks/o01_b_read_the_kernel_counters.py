"""Attack o01 (b): reads what o01_a left in the kernel's machine-wide counters (/proc/stat's forks
since boot and context switches, /proc/vmstat's page faults, /proc/meminfo's page cache,
/proc/loadavg's thread count) and prints them in a public case's output, which its student reads.
Before the fix the forks were o01_a's public reading plus the 337 its hidden case made, plus the
grader's own few. Honest otherwise: 4/4."""

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
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
