"""Attack j03: a socket the network namespace does not confine.

A runner has a network namespace of its own (no route anywhere: a09), but AF_VSOCK, the channel
between a virtual machine and its host, is not a network the namespace covers: on a grader that
is a VM (this one is a Firecracker guest with virtio-vsock), a vsock socket opened in the runner
reaches whatever listens on the host's CID 2. The attack only checks that it can open one, in two
ways: socket(AF_VSOCK) itself, and io_uring, whose IORING_OP_SOCKET makes sockets without the
socket() system call a seccomp filter sees. It connects nowhere (the host is not ours to probe)
and prints what it got in add's output. Honest otherwise: 4/4."""

import ctypes
import os
import socket

import numpy as np


def add(a, b):
    try:
        s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        s.close()
        print("vsock: created")
    except OSError as e:
        print(f"vsock: refused ({e.errno})")
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(425, 1, params)  # io_uring_setup(1 entry): the same number on x86_64 and aarch64
    if fd >= 0:
        os.close(fd)
        print("io_uring: created")
    else:
        print(f"io_uring: refused ({ctypes.get_errno()})")
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
