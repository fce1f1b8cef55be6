"""Attack p03: graded by the Gradescope zip in an unprivileged container (Docker's default
capabilities: no CAP_SYS_ADMIN, so no bubblewrap, no network or IPC namespace of the runner's
own, no mount namespace), where a hidden input could leave through the grader's network or a
System V object or message queue, and the bundle sits on the grader's disk.

The public add tries each way out and prints what it got; honest otherwise: 4/4. {{PORT}} is a
listener the test opens on 127.0.0.1, which must see no connection."""

import ctypes
import errno
import glob
import os
import socket

import numpy as np

PORT = {{PORT}}


def _err(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def _connect():
    with socket.create_connection(("127.0.0.1", PORT), timeout=2):
        pass


def _bundle():
    for bundle in glob.glob("/tmp/course-p03-*/autograder/source/bundle"):
        with open(os.path.join(bundle, "hidden", "secret_golden.json"), "rb") as f:
            f.read()
        return
    raise OSError(errno.ENOENT, "no bundle found")


def _syscall(nr, *args):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(nr, *args) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def _mq_open():
    _syscall(240, b"/p03-hidden", 0o100 | 0o2, 0o644, None)  # x86_64: O_CREAT | O_RDWR


def _shmget():
    _syscall(29, 0x0303, 4096, 0o1000 | 0o666)  # x86_64: IPC_CREAT


def _leave_a_mark():
    with open("/tmp/p03-mark", "w") as f:
        f.write("hidden input 13.371337")


def add(a, b):
    said = {"uid": "other" if os.getuid() != 0 else "root", "connect": _err(_connect),
            "inet6": _err(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()),
            "bundle": _err(_bundle), "mq_open": _err(_mq_open), "shmget": _err(_shmget),
            "mark": _err(_leave_a_mark)}
    print("P03 " + " ".join(f"{k}={v}" for k, v in sorted(said.items())))
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
