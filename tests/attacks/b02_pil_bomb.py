"""Attack b02 (issue 11, finding 2): a 16-byte reply that claims a 24000x24000 RGB image.

add() writes its own reply on the runner's socket (fd 3) in the wire's format: a PIL image
whose buffer is 16 bytes. Before the fix, the judge called Image.frombytes for the claimed size
(1.6 GB) before noticing the data was short.
"""
import json
import os
import socket
import struct
import time

import numpy as np


def _forge(value, buffers=()):
    sock = socket.socket(fileno=os.dup(3))
    head = json.dumps({"ok": value, "out": "", "dropped": 0, "bufs": [len(b) for b in buffers]}).encode()
    sock.sendall(struct.pack("!I", len(head)) + head + b"".join(buffers))
    time.sleep(60)  # never answer for real: the judge must give up on this reply by itself


def add(a, b):
    _forge({"~": "pil", "mode": "RGB", "size": [24000, 24000], "b": 0}, [b"\0" * 16])


def scale(x, k):
    # An array whose shape claims far more than its 16 bytes.
    _forge({"~": "nd", "dtype": "<f8", "shape": [2**31, 2**31], "b": 0}, [b"\0" * 16])


def output_shape(shape):
    return tuple(shape)
