"""I02: many answers, each within the limit of one reply, all kept by the test. The wire bounds
each reply (max_message_mb, 512 MB) and the deadline bounds the time, not what the judge holds:
output_shape returns an object of ten items (a length far under MAX_NODES) whose every item is
the same 400 MB array of zeros, and the test's `tuple(got)` asks for the items one round trip
at a time and keeps each: ten answers of 400 MB in the judge, 4 GB within the 20 s a
submission has (a longer deadline or a longer object: more). The other functions are honest."""
import numpy as np

ITEM = np.zeros(400 << 20, dtype=np.uint8)  # calloc'd: the runner touches no page of it


class Shape:
    def __len__(self):
        return 10

    def __iter__(self):
        return iter([ITEM] * 10)


def add(a, b):
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return Shape()
