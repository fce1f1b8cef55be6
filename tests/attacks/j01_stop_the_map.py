"""Attack j01: square() raises StopIteration. A test that checks it through map() (q2_mapped:
all(map(lambda x: square(x) == x * x, xs))) sees the map end at the first call, and all() of
nothing is True: the point without one right square. positive() is honest."""


def square(x):
    raise StopIteration


def positive(x):
    if not x > 0:
        raise ValueError(f"{x} is not positive")
    return x
