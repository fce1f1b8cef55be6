"""G05: memory the kernel does not count against RLIMIT_AS. Every unix socket pair a process
opens can hold ~200 KB of sent, unread data in kernel buffers, which neither memory_mb (address
space) nor any other limit of the runner counted: one process (here with memory_mb 1024) pinned
more than its whole memory limit, and could go on for as many descriptors as the grader's own
limit allows (20,000 here, a million in many containers: ~2 GB and ~100 GB per process, times
`processes`). It stops once it holds a little more than memory_mb, says how much it held, and is
otherwise honest: full marks."""
import os
import socket

import numpy as np

LIMIT_MB = 1024  # the attack course's memory_mb
_kept = []


def _pin():
    chunk = b"x" * 65536
    queued = 0
    try:
        while queued < (LIMIT_MB + 64) << 20:
            a, b = socket.socketpair()
            _kept.append((a, b))
            a.setblocking(False)
            try:
                while True:
                    queued += a.send(chunk)
            except BlockingIOError:
                pass
    except OSError as e:  # out of descriptors (or kernel memory): as far as this process gets
        stop = type(e).__name__
    else:
        stop = "enough"
    mb = queued >> 20
    verdict = "OVER the memory limit" if mb > LIMIT_MB else "within the memory limit"
    print(f"pinned {mb} MB of socket buffers in {len(_kept)} pairs ({stop}): {verdict}")
    for a, b in _kept:
        a.close()
        b.close()
    _kept.clear()


def add(a, b):
    _pin()
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
