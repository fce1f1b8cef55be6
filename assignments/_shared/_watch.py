"""A helper every assignment's tests share (assignments/_shared/, shipped beside each
assignment's own helpers, to the grader and to students): did a call leave its inputs alone?"""
import numpy as np

try:  # the grader's: what a call did to the arrays it was given, seen where it ran (autograder/sandbox/watch.py)
    from autograder.sandbox.proxies import call_watched as _call_watched
except ImportError:  # a student's copy: untouched() watches the arrays themselves
    _call_watched = None


def untouched(call, function, *args, copy=False, **kwargs):
    """function(*args, **kwargs), failing the case if the call modified one of its numpy array
    arguments in place, or (copy=True) if what it returned is one of them or a view of one.
    `call` describes the call for the message. The grader watches the call where it runs: a
    submission's function works on copies of the test's arrays, so the arrays here never show it."""
    if _call_watched is not None:
        value, changed, returned = _call_watched(function, args, kwargs)
    else:  # a student's copy: the same check, on the arrays themselves
        named = [(k, a) for k, a in [*enumerate(args), *kwargs.items()] if isinstance(a, np.ndarray)]
        kept = [(k, a, a.dtype, a.shape, a.tobytes()) for k, a in named]
        value = function(*args, **kwargs)
        parts = value if isinstance(value, (tuple, list)) else (value,)
        changed = [k for k, a, dtype, shape, data in kept if (a.dtype, a.shape, a.tobytes()) != (dtype, shape, data)]
        returned = [k for k, a in named if any(isinstance(v, np.ndarray) and np.may_share_memory(v, a) for v in parts)]
    def which(keys):  # "argument 1", "arguments 4, 5" (counted from 1), "argument out="
        return "argument" + "s" * (len(keys) > 1) + " " + ", ".join(f"{k}=" if isinstance(k, str) else str(k + 1) for k in keys)
    if changed:
        raise AssertionError(f"{call} modified its array {which(changed)} in place: the inputs must be left unchanged")
    if copy and returned:
        raise AssertionError(f"{call} returned its array {which(returned)} itself (or a view of it): "
                             "expected a new array, a copy")
    return value
