"""Attack b06 (issue 11, finding 6): remember every argument, show it in a later public case.

Arguments are kept in a module global and in a file in the working folder; every public call
raises with everything recorded so far. Before the fix, public and hidden cases ran interleaved
in one runner, so a public case after a hidden one showed the hidden input in results.json.
"""
import json
import os

import numpy as np

SEEN = []


def _record(name, *args):
    SEEN.append([name, repr(args)])
    with open("seen.json", "a", encoding="utf-8") as f:
        f.write(json.dumps([name, repr(args)]) + "\n")


def _everything():
    text = repr(SEEN)
    if os.path.exists("seen.json"):
        with open("seen.json", encoding="utf-8") as f:
            text += f.read()
    return text


def scale(x, k):
    _record("scale", x, k)
    print("RECORDED", _everything())
    raise ValueError("RECORDED " + _everything())


def add(a, b):
    _record("add", a, b)
    raise ValueError("RECORDED " + _everything())


def output_shape(shape):
    _record("output_shape", shape)
    raise ValueError("RECORDED " + _everything())
