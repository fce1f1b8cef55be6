"""G10: more memory outside RLIMIT_AS, in the runner's own System V IPC namespace (after g06
refused shared memory segments). A semaphore set of 32,000 semaphores is ~2 MB of kernel memory
and a namespace may hold 32,000 sets (~64 GB); a message queue holds 16 KB of messages and a
namespace may hold 32,000 queues (~500 MB). None of it is counted against memory_mb: a runner
whose memory_mb is 1024 held more than that in semaphore sets. It stops a little past
memory_mb, removes what it made, says how far it got, and is otherwise honest: full marks."""
import ctypes
import os

import numpy as np

LIMIT_MB = 1024  # the attack course's memory_mb
IPC_PRIVATE, IPC_CREAT, IPC_RMID, IPC_NOWAIT = 0, 0o1000, 0, 0o4000
_libc = ctypes.CDLL(None, use_errno=True)


def _verdict(what, mb, stop):
    over = "OVER the memory limit" if mb > LIMIT_MB else "within the memory limit"
    return f"{what}: held {mb} MB ({stop}): {over}"


def _semaphores():
    ids, stop = [], "enough"
    while len(ids) * 2 <= LIMIT_MB:  # ~2 MB a set of 32,000
        sid = _libc.semget(IPC_PRIVATE, 32000, IPC_CREAT | 0o600)
        if sid < 0:
            stop = os.strerror(ctypes.get_errno())
            break
        ids.append(sid)
    for sid in ids:
        _libc.semctl(sid, 0, IPC_RMID)
    return _verdict("semaphores", len(ids) * 2, stop)


class _Message(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 8192)]


def _queues():
    ids, held, stop = [], 0, "enough"
    message = _Message(1, b"x" * 8192)
    while held < 64 << 20:  # 64 MB is enough to show it
        qid = _libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
        if qid < 0:
            stop = os.strerror(ctypes.get_errno())
            break
        ids.append(qid)
        while _libc.msgsnd(qid, ctypes.byref(message), 8192, IPC_NOWAIT) == 0:
            held += 8192
    for qid in ids:
        _libc.msgctl(qid, IPC_RMID, None)
    return _verdict("message queues", held >> 20, stop)


def add(a, b):
    print(_semaphores())
    print(_queues())
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
