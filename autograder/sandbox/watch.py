"""What one call did to its numpy array arguments: which it modified in place, and which the value
is, holds or views. In the runner the arguments are copies of the test's arrays (the wire copies),
so a test could never see either in its own arrays; the runner reports what it saw here
(runner.py), and a local call is watched by the same code (proxies.call_watched)."""

from __future__ import annotations


def watched_call(function, args: tuple, kwargs: dict, watching: list | None = None):
    """(function(*args, **kwargs), changed, returned): the positions (ints) and keyword names of
    the array arguments whose dtype, shape or bytes the call changed, and of those the value (or
    an array in a tuple or list it returns) shares memory with. A call that raises raises.
    `watching` (a list) receives the seconds the watching itself took (the copies and the
    comparison), which are the grader's time, not the function's (the time split, issue 16)."""
    import time

    import numpy as np

    began = time.perf_counter()
    arrays = [(k, a) for k, a in [*enumerate(args), *kwargs.items()] if isinstance(a, np.ndarray)]
    kept = [(k, a, a.dtype, a.shape, a.tobytes()) for k, a in arrays]
    called = time.perf_counter()
    try:
        value = function(*args, **kwargs)
    finally:
        returned_at = time.perf_counter()
        if watching is not None:
            watching.append(called - began)
    parts = value if isinstance(value, (tuple, list)) else (value,)
    changed = [k for k, a, dtype, shape, data in kept if a.dtype != dtype or a.shape != shape or a.tobytes() != data]
    returned = [k for k, a in arrays if any(isinstance(v, np.ndarray) and np.may_share_memory(v, a) for v in parts)]
    if watching is not None:
        watching.append(time.perf_counter() - returned_at)
    return value, changed, returned
