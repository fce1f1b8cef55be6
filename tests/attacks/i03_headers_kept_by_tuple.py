"""I03: I02 with the answers' JSON headers instead of their buffers. A reply's header is at most
REPLY_HEADER_CAP (1 MiB), but each byte of it can cost the judge ~20 bytes of Python objects
(`[],` is a 56-byte list): output_shape returns an object whose every item is a list of 340,000
empty lists (1 MiB of header, ~22 MB in the judge), and the test's `tuple(got)` keeps each item
it asks for, one round trip at a time, until the submission's deadline: gigabytes in the judge
for a 20 s deadline (a course's 300 s: fifteen times that), while the bytes that crossed the wire
stay far under any reply's limit. Each item's reply is written ready-made on the runner's socket
(encoding 340,000 lists would take the runner longer than the judge takes to decode them), and
the runner's own reply to that call goes unsent. The other functions are honest."""
import json
import struct

import numpy as np

from autograder.sandbox import wire

_HEAD = json.dumps({"ok": [[]] * 340_000, "out": "", "dropped": 0, "bufs": []}, separators=(",", ":")).encode()
FRAME = struct.pack("!I", len(_HEAD)) + _HEAD


def _runner():
    import gc
    return next(o for o in gc.get_objects() if type(o).__name__ == "Runner" and hasattr(o, "sock"))


class Items:
    def __init__(self):
        self.sock = _runner().sock

    def __iter__(self):
        return self

    def __next__(self):
        self.sock.sendall(FRAME)
        real = wire.send_frame

        def swallow_once(*args, **kwargs):  # the runner's own reply to this call: not sent
            wire.send_frame = real

        wire.send_frame = swallow_once
        return 0


class Shape:
    def __len__(self):
        return 1000

    def __iter__(self):
        return Items()


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return Shape()
