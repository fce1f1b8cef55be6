"""G02: the number of characters of output a runner says it dropped ("dropped", a JSON int in
every reply) was added up by the judge without a bound, across the runners of a session (each
new runner starts its count at 0). Every reply here claims a 4,300-digit count (the most Python
converts to text), and the public cases make the runner start again once (os._exit in add), so
the session's total has 4,301 digits: printing the "... more characters of output dropped"
marker raised ValueError in the judge, out of grade_source, and the row was the grader's
failure ("rerun to retry", failing again on every rerun). The functions are otherwise honest."""
import os
import sys

import numpy as np

_wire = sys.modules.get("autograder.sandbox.wire")
if _wire is not None:  # inside the runner: every reply the runner sends claims the huge count
    _send = _wire.send_frame

    def _claiming(sock, header, buffers=()):
        header["dropped"] = 9 * 10 ** 4299
        return _send(sock, header, buffers)

    _wire.send_frame = _claiming

_calls = [0]


def add(a, b):
    _calls[0] += 1
    if _calls[0] == 1:
        os._exit(3)  # a new runner for the next case: its count starts again from 0
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
