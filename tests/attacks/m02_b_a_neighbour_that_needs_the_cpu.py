"""m02b: the honest neighbour of m02a. Each of its functions waits 1 s (so that its calls meet
m02a's spinners, which start about 1 s into m02a's grading), then does 0.25 s of its own CPU work
(time.process_time) and answers honestly: four calls, each within the 3 s timeout with a core of
its own. Expected: 4/4, whatever m02a does."""

import time

import numpy as np


def _work(seconds=0.25):
    time.sleep(1.0)
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        x += 1
    return x


def add(a, b):
    _work()
    return a + b


def scale(x, k):
    _work()
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    _work()
    return tuple(shape)
