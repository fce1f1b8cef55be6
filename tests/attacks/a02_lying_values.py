"""Attack 2: values whose __eq__ / __array__ / arithmetic always agree with the expected answer."""
import numpy as np


class Yes:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __array__(self, *args, **kwargs):
        return np.array([0.0, 2.0, 4.0])

    __hash__ = object.__hash__


class LyingFloat(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __sub__(self, other):
        return LyingFloat(0.0)

    def __abs__(self):
        return 0.0

    def __float__(self):
        return 0.75

    __hash__ = float.__hash__


class LyingInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __array__(self, *args, **kwargs):
        return np.array([0.0, 2.0, 4.0])

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array_function__(self, func, types, args, kwargs):
        return True


def add(a, b):
    return LyingFloat(-1.0) if isinstance(a, float) else Yes()


def safe_div(a, b):
    return LyingFloat(-1.0)


def scale(x, k):
    return np.full(np.shape(x), -7.0).view(LyingArray)


def load_numbers(path):
    return np.full(3, -7.0).view(LyingArray)
