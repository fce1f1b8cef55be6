"""Helpers the convolution tests share. Shipped to students beside convolution.py.

`oracle` keeps the judge's reference results (Keras layers built and run, scipy references,
decoded assets) for the life of the grading process, which serves every submission of a batch:
they depend on the test's inputs only, never on the student (issue 16).
"""

import hashlib
import os

import numpy as np
from _readable import explain as _explain_unreadable

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("convolution.py")

try:  # the grader's results, recorded when the course was built (autograder/grading/oracles.py)
    from autograder.grading import oracles as _recorded
except ImportError:  # a student's copy: every oracle is computed
    _recorded = None
try:  # the grader's: a loop of calls to the submission in one request (autograder/sandbox/proxies.py)
    from autograder.sandbox.proxies import call_each as _call_each
except ImportError:  # a student's copy: each() just loops
    _call_each = None

_ORACLES = {}
_DIGESTS = {}
# Large arrays already hashed, by dtype and shape: [(bytes, digest)], a few each. The same grey
# image comes back to `oracle` in every submission; comparing bytes costs a twentieth of hashing.
_SEEN = {}
_SEEN_MIN_BYTES = 64 * 1024
_SEEN_KEEP = 4


def expect_value_error(call, function, *args):
    """Call function(*args) and require ValueError; `call` describes the call in the message,
    which says what was expected and what happened instead."""
    try:
        function(*args)
    except ValueError:
        return
    except Exception as raised:
        raise AssertionError(f"{call}: expected ValueError, got {type(raised).__name__}: {raised}") from None
    raise AssertionError(f"{call}: expected ValueError, but nothing was raised")


def expect_value_errors(function, cases):
    """expect_value_error(call, function, *args) for each (call, args) in `cases`, in order: the
    first call that does not raise ValueError fails, and no later call runs. The grader sends
    the whole loop to the submission at once (issue 16); a student's copy just loops."""
    cases = [(call, tuple(args)) for call, args in cases]
    if _call_each is None:
        for call, args in cases:
            expect_value_error(call, function, *args)
        return
    for (call, _args), replay in zip(cases, _call_each(function, [args for _call, args in cases], expect="ValueError")):
        expect_value_error(call, replay)


def _key(value):
    """A hashable, content-based key: arrays by dtype, shape and a digest of their bytes; a path
    to a file by the path as given and a digest of the file's bytes."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return ("array", data.dtype.str, data.shape, _digest(data))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_key(v) for v in value)
    if isinstance(value, str) and os.path.isfile(value):
        return ("file", value, _file_digest(value))
    return (type(value).__name__, repr(value))


def _digest(data):
    raw = data.tobytes()
    if len(raw) < _SEEN_MIN_BYTES:
        return hashlib.blake2b(raw, digest_size=16).digest()
    seen = _SEEN.setdefault((data.dtype.str, data.shape), [])
    for known, digest in seen:
        if known == raw:
            return digest
    digest = hashlib.blake2b(raw, digest_size=16).digest()
    seen.append((raw, digest))
    del seen[:-_SEEN_KEEP]
    return digest


def _frozen(value):
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.setflags(write=False)  # a case cannot spoil what the next submission gets
    elif isinstance(value, tuple):
        value = tuple(_frozen(v) for v in value)
    return value


def _file_digest(path):
    """The bytes' digest, read once per version of the file (place, size, time)."""
    stat = os.stat(path)
    mark = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
    if mark not in _DIGESTS:
        with open(path, "rb") as f:
            _DIGESTS[mark] = hashlib.blake2b(f.read(), digest_size=16).digest()
    return _DIGESTS[mark]


def oracle(function, *args):
    """function(*args) for a reference function of the tests (never the student's), computed
    once per distinct input in this grading process; arrays come back read-only."""
    key = (function.__module__, function.__qualname__, _key(args))
    if key not in _ORACLES:
        _ORACLES[key] = _frozen(_recorded.cached(key, function, args) if _recorded else function(*args))
    return _ORACLES[key]


def each(function, arg_tuples):
    """function(*args) for each args tuple, in order, as an iterator: the first call that raises
    raises from it and no later call runs, exactly as a loop calling the function would. The
    grader sends the whole loop to the submission at once (issue 16: one round trip, not one per
    call); a student's copy just loops."""
    if _call_each is not None:
        return _call_each(function, arg_tuples)
    return (function(*args) for args in arg_tuples)
