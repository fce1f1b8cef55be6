"""Attack b10 (issue 11, user-namespace note): create a user namespace and mount a tmpfs in it.

Before the fix both worked inside the runner. The result is printed (the grader's log shows it);
the functions are right.
"""
import ctypes
import os

import numpy as np

CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
    os.mkdir("mnt")
    ok = libc.mount(b"none", b"mnt", b"tmpfs", 0, None) == 0
    print("USERNS created", "and mounted a tmpfs" if ok else f"(mount: {os.strerror(ctypes.get_errno())})")
else:
    print("USERNS refused:", os.strerror(ctypes.get_errno()))


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
