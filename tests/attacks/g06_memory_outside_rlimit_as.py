"""G06: memory the kernel does not count against RLIMIT_AS, without sockets. A memfd that is
written and never mapped, and a System V shared memory segment that is touched and then detached,
both keep their pages while the process's address space shows nothing of them: a runner whose
memory_mb is 1024 held more than that in each (memfds of file_size_mb, as many as descriptors
allow; segments without any limit but the machine, and each runner has an IPC namespace of its
own). It stops a little past memory_mb, releases what it held, says how far it got, and is
otherwise honest: full marks."""
import ctypes
import os

import numpy as np

LIMIT_MB = 1024  # the attack course's memory_mb
CHUNK = 8 << 20  # its file_size_mb
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
_libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_libc.shmat.restype = ctypes.c_void_p
_libc.shmdt.argtypes = [ctypes.c_void_p]
_libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]


def _verdict(what, mb, stop):
    over = "OVER the memory limit" if mb > LIMIT_MB else "within the memory limit"
    return f"{what}: held {mb} MB ({stop}): {over}"


def _memfds():
    fds, held, stop = [], 0, "enough"
    block = b"x" * CHUNK
    try:
        while held <= LIMIT_MB:
            fds.append(os.memfd_create(f"g06-{len(fds)}"))
            os.write(fds[-1], block)
            held += CHUNK >> 20
    except OSError as e:
        stop = type(e).__name__
    for fd in fds:
        os.close(fd)
    return _verdict("memfd", held, stop)


def _segments():
    ids, held, stop = [], 0, "enough"
    while held <= LIMIT_MB:
        sid = _libc.shmget(0, 64 << 20, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
        if sid < 0:
            stop = os.strerror(ctypes.get_errno())
            break
        ids.append(sid)
        addr = _libc.shmat(sid, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            stop = "shmat " + os.strerror(ctypes.get_errno())
            break
        ctypes.memset(addr, 1, 64 << 20)  # its pages, now the segment's
        _libc.shmdt(ctypes.c_void_p(addr))  # and none of the address space's
        held += 64
    for sid in ids:
        _libc.shmctl(sid, 0, None)  # IPC_RMID
    return _verdict("shm", held, stop)


def add(a, b):
    print(_memfds())
    print(_segments())
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
