"""Attack d01 (issue 16): forged answers inside a loop of calls sent in one request (call_each).

Every call of `square` writes frames of its own on the runner's socket (fd 3) before it returns
a wrong value: on the first call, answers for calls not made yet and one that says the loop is
over ("more": false) while the runner goes on; on every call, one answer more than was asked for,
saying that more follow. The grader must take them as this submission's own answers and nothing
more: no point for a square it got wrong, no grader failure, no wait beyond the call limits,
nothing of the hidden inputs in what the student sees, and the next submission untouched.
"""
import json
import os
import socket
import struct

_sock = socket.socket(fileno=os.dup(3))
_calls = []


def _frame(header):
    head = json.dumps(dict(header, out="", dropped=0, bufs=[])).encode()
    _sock.sendall(struct.pack("!I", len(head)) + head)


def square(x):
    _calls.append(x)
    if len(_calls) == 1:
        for y in range(2, 6):
            _frame({"ok": y * y, "more": True})  # answers for calls not made yet
        _frame({"ok": 0, "more": False})          # "the loop is over": it is not
    _frame({"ok": x * x + 1, "more": True})       # one answer more than asked for
    return x * x + 1                               # and wrong


def positive(x):
    if not x > 0:
        raise ValueError(f"{x} is not positive")
    return x
