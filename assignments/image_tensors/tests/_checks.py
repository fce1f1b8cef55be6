"""Helpers the image_tensors tests share. Shipped to students beside image_tensors.py.

Two caches make grading cost what the student's code costs (issue 16):
- `asset`, `oracle` and `computed` keep judge-side work (decoded asset files, PIL reference
  outputs) for the life of the grading process, which serves every submission of a batch: they depend on the
  inputs only, never on the student.
- `student` calls a student's function once per distinct input within one session (the public
  cases, then the hidden ones in a fresh runner) and hands the same result to every case that
  inspects it. A case that must call twice (to see the input is not modified) calls directly.
"""

import numpy as np
from _oracles import Memo, content_key, file_key, file_mark
from _readable import explain as _explain_unreadable
from _watch import untouched
from PIL import Image

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("image_tensors.py")

try:  # the grader's results, recorded when the course was built (autograder/grading/oracles.py)
    from autograder.grading import oracles as _recorded
except ImportError:  # a student's copy: every oracle is computed
    _recorded = None

_ASSETS = {}
_STUDENT = []  # [(function, {input key: result})], most recent last; a few functions per session
_STUDENT_KEEP = 16
# What the memo keeps, all functions together: a result past it is handed over without being kept
# (asked again, the function is called again). Honest results are ~1 MB; a submission answering
# hundreds of MB a call would otherwise have the grader hold them for the next submissions too.
_STUDENT_BYTES = 64 * 2**20


def expect_error(error, call, function, *args, hint=""):
    """Call function(*args) and require `error`; any other outcome fails with a message saying
    what was expected (`call` describes the call) and what happened instead."""
    try:
        function(*args)
    except error:
        return
    except Exception as raised:
        raise AssertionError(f"{call}: expected {error.__name__}, got {type(raised).__name__}: {raised}{hint}") from None
    raise AssertionError(f"{call}: expected {error.__name__}, but nothing was raised{hint}")


def _key(value):
    # Layout and writability too: a function may (wrongly) depend on them.
    return content_key(value, layout=True)


def _frozen(value):
    if isinstance(value, np.ndarray) and value.flags.writeable:
        value = value.copy()
        value.setflags(write=False)  # a case cannot spoil the copy the next case gets
    return value


def asset(path, mode=None, reader=None):
    """numpy.asarray(Image.open(path)) (or of .convert(mode)), or reader(path), decoded once per
    grading process (keyed by the file's place, size and time). The array is read-only, exactly
    as numpy.asarray of a PIL image is."""
    key = ("asset", *file_mark(path), mode, None if reader is None else (reader.__module__, reader.__qualname__))
    if key not in _ASSETS:
        if reader is not None:
            _ASSETS[key] = _frozen(reader(path))
        else:
            with Image.open(path) as image:
                _ASSETS[key] = np.asarray(image if mode is None else image.convert(mode))
    return _ASSETS[key]


def _arg_key(value):
    # A path to a file is keyed by the path as given and the file's bytes, not by its name alone.
    return file_key(value) or _key(value)


# The memo (_oracles.py), keyed argument by argument; a result is kept as `_frozen` makes it.
_memo = Memo(_recorded, args_key=lambda args: tuple(_arg_key(a) for a in args), frozen=_frozen)
oracle = _memo.oracle  # the result read-only
computed = _memo.computed  # for what is cheaper to compute than to store: never recorded


_PLAIN = (np.ndarray, int, float, str, bool, np.integer, np.floating, type(None))


def student(function, *args, **kwargs):
    """function(*args, **kwargs) for a student's function, once per distinct input while the same
    function object is graded (a new submission, or the hidden cases' fresh runner, brings a new
    object and an empty memo). Exceptions are not kept: each case sees its own. Results that are
    not plain data (a handle to an object in the runner), or past what the memo holds
    (_STUDENT_BYTES), are not kept either."""
    # Held strongly, so an object's id cannot be reused by another submission's function.
    entry = next((e for e in _STUDENT if e[0] is function), None)
    if entry is None:
        entry = (function, {})
        _STUDENT.append(entry)
        del _STUDENT[:-_STUDENT_KEEP]
    key = (_key(args), _key(kwargs))
    results = entry[1]
    if key in results:
        return results[key]
    # The module's promise, "functions never modify their input arrays", checked on every first call.
    got = untouched("this call", function, *args, **kwargs)
    if isinstance(got, _PLAIN) and _nbytes(got) + sum(_nbytes(v) for _, kept in _STUDENT for v in kept.values()) \
            <= _STUDENT_BYTES:
        results[key] = _frozen(got)
        return results[key]
    return got


def _nbytes(value):
    return value.nbytes if isinstance(value, np.ndarray) else len(value) if isinstance(value, str) else 0
