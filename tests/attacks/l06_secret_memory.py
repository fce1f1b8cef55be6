"""Attack l06: memory in memfd_secret files, which RLIMIT_AS counts only while they are mapped.

memfd_create is refused (attack g06: a memfd written, never mapped, held memory RLIMIT_AS does
not count), but Linux 5.14 added memfd_secret, a file whose pages are taken out of the kernel's
own map; it cannot be written with write(2), only through a mapping, and RLIMIT_MEMLOCK bounds
one mapping (8 MiB here), not the file. Each public call (3 s) makes secret files of 8 MiB,
maps each, touches every page, unmaps it, keeps the descriptor and goes on for 2.5 s, then prints
how many MB the files hold; by the last call they hold more than memory_mb (1 GiB) on a machine
as fast as this one, and up to 1,024 x 8 MiB with a longer call timeout. Honest otherwise: 4/4."""

import ctypes
import mmap
import os
import time

import numpy as np

MEMFD_SECRET = 447  # the same number on x86-64 and arm64
FILE_MB = 8
STATE = {"fds": [], "error": "none"}


def _fill():
    libc = ctypes.CDLL(None, use_errno=True)
    end = time.monotonic() + 2.5
    try:
        while STATE["error"] == "none" and time.monotonic() < end:
            fd = libc.syscall(MEMFD_SECRET, 0)
            if fd < 0:
                raise OSError(ctypes.get_errno(), "memfd_secret")
            STATE["fds"].append(fd)
            os.ftruncate(fd, FILE_MB << 20)
            with mmap.mmap(fd, FILE_MB << 20) as m:
                for off in range(0, FILE_MB << 20, mmap.PAGESIZE):
                    m[off] = 1
    except OSError as e:
        STATE["error"] = f"errno {e.errno}"
    print(f"secret memory: {len(STATE['fds']) * FILE_MB} MB in {len(STATE['fds'])} files (refused: {STATE['error']})")


def add(a, b):
    _fill()
    return a + b


def scale(x, k):
    if len(x) == 3:  # the public case (the hidden one gets other inputs)
        _fill()
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    _fill()
    return tuple(shape)
