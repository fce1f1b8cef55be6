"""The handle proxies: what otter's test functions receive in `session.env`.

Anything that is not data stays in the runner behind a Handle, which forwards attribute reads,
calls, len, indexing and iteration, and never decides ==, bool, hash or __array__ on the
runner's say-so."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .limits import MAX_NODES
from .watch import watched_call

if TYPE_CHECKING:
    from .session import SandboxSession


class Handle:
    """An object that stays in the runner. Attribute reads, method calls, len, indexing and
    iteration are forwarded; equality, hashing and truth are decided here, never there."""

    __slots__ = ("_sb_session", "_sb_gen", "_sb_id", "_sb_type", "__weakref__")

    def __init__(self, session, gen: int, hid: int, type_name: str):
        object.__setattr__(self, "_sb_session", session)
        object.__setattr__(self, "_sb_gen", gen)
        object.__setattr__(self, "_sb_id", hid)
        object.__setattr__(self, "_sb_type", type_name)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocols (__array_interface__, ...) are never asked for
        return self._sb_session._op("getattr", self, name=name)

    def __setattr__(self, name: str, value) -> None:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"cannot set {name} on an object from the submission")
        self._sb_session._op("setattr", self, name=name, value=value)

    def __getitem__(self, key):
        return self._sb_session._op("getitem", self, key=key)

    def __setitem__(self, key, value) -> None:
        self._sb_session._op("setitem", self, key=(key, value))

    def __len__(self) -> int:
        n = self._sb_session._op("len", self)
        if type(n) is not int or n < 0:
            raise TypeError("len() of an object from the submission did not give a non-negative int")
        # tuple(got), list(got), np.asarray(got) size their result by len() before iterating:
        # an object saying 500 million made the judge write a 4 GB tuple (attack h03). Its items
        # come one round trip each, so no longer object could be iterated within a deadline.
        if n > MAX_NODES:
            raise OverflowError(f"len() of a {self._sb_type} from the submission is over {MAX_NODES:,}, "
                                "more than the grader takes (return a numpy array for large data)")
        return n

    def __iter__(self):
        return self._sb_session._op("iter", self)

    def __next__(self):
        return self._sb_session._op("next", self)

    def __dir__(self):
        return self._sb_session._op("dir", self)

    def __eq__(self, other) -> bool:
        return self is other

    def __ne__(self, other) -> bool:
        return self is not other

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise TypeError(f"the truth value of a {self._sb_type} from the submission is not defined in the grader")

    def __array__(self, *args, **kwargs):
        raise TypeError(f"a {self._sb_type} from the submission is not an array (the sandbox never asks it to become one)")

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a {self._sb_type} from the submission cannot be copied or pickled")

    def __repr__(self) -> str:
        return f"<{self._sb_type} object in the submission>"

    __str__ = __repr__


class CallableHandle(Handle):
    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return self._sb_session._op("call", self, args=(args, kwargs))


def call_each(function, calls, expect: str | None = None):
    """function(*args) for each args tuple in `calls`, in order, as an iterator: the first call
    that raises raises from it, and no later call runs, exactly as a loop calling the function
    would. With `expect` ("ValueError"), a loop of calls that must raise it: each call comes as
    its replay (no arguments: returns the value or raises what the call raised), and the first
    that does not raise it is the last one run. A submission's function (a handle) gets all the
    calls in one request, answered one by one (SandboxSession.call_each); anything else is
    called in the loop itself."""
    if isinstance(function, CallableHandle):
        return function._sb_session.call_each(function, calls, expect)
    if expect is not None:
        return (functools.partial(function, *args) for args in calls)
    return (function(*args) for args in calls)


def call_printing(function, args: tuple = (), kwargs: dict | None = None) -> tuple:
    """(function(*args, **kwargs), what the call printed to stdout), for a test that checks what
    a function promises to print. A submission's function prints in the runner, so its session
    hands back the text of that call's replies (SandboxSession.call_printing); the text still
    reaches the case's output as any print does. Anything else is called here with stdout
    captured, and the text written on to the stdout it replaced. A call that raises raises."""
    kwargs = dict(kwargs or {})
    if isinstance(function, CallableHandle):
        return function._sb_session.call_printing(function, tuple(args), kwargs)
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            value = function(*args, **kwargs)
    finally:
        sys.stdout.write(buffer.getvalue())
    return value, buffer.getvalue()


def file_head(function, name: str, limit: int = 65536) -> tuple[int, bytes] | None:
    """(size, first `limit` bytes) of the file `name` that a call of `function` wrote in its
    working folder, read without the submission's help: for a submission's function (a handle)
    by its runner's monitor (SandboxSession.file_head), otherwise from the current folder.
    FileNotFoundError when it is not there; None where the grader cannot read it back."""
    if isinstance(function, CallableHandle):
        return function._sb_session.file_head(name, limit)
    with open(name, "rb") as f:
        return os.fstat(f.fileno()).st_size, f.read(limit)


def call_watched(function, args: tuple, kwargs: dict | None = None):
    """(function(*args, **kwargs), changed, returned): the positions and keyword names of the
    numpy array arguments the call modified in place, and of those the value is (or, in a tuple
    or list, holds) or is a view of. A submission's function works on copies of the test's
    arrays, so the runner reports what it saw (SandboxSession.call_watched); anything else is
    watched here, on the arrays themselves."""
    kwargs = dict(kwargs or {})
    if isinstance(function, CallableHandle):
        return function._sb_session.call_watched(function, tuple(args), kwargs)
    return watched_call(function, tuple(args), kwargs)


_MAX_CLASSES = 256  # distinct type names one session names its handles after; then plain Handle


def handle_class(callable_: bool, type_name: str, classes: dict) -> type:
    """The class of a handle, a subclass of Handle named after the submission's type, so a test
    that prints `type(x).__name__` (or a TypeError that quotes it) names the student's own type,
    `Box`, as it would in the student's interpreter, never the grader's `Handle`. `classes` is
    the session's own cache: a submission that names many types fills its own, never the next
    submission's (a process-wide one did)."""
    base = CallableHandle if callable_ else Handle
    name = type_name.rsplit(".", 1)[-1][:100]
    if not name.isidentifier():
        name = "object"
    cls = classes.get((callable_, name))
    if cls is None:
        if len(classes) >= _MAX_CLASSES:
            return base
        cls = type(name, (base,), {"__slots__": (), "__module__": "submission", "__qualname__": name})
        classes[(callable_, name)] = cls
    return cls


class Env(Mapping):
    """The submission's module globals, as otter's test functions receive them."""

    def __init__(self, session: "SandboxSession"):
        self._session = session

    def __getitem__(self, name):
        if not isinstance(name, str):
            raise KeyError(name)
        return self._session.global_value(name)

    def __iter__(self):
        return iter(self._session._op("globals", None))

    def __len__(self) -> int:
        return len(self._session._op("globals", None))

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self._session._op("globals", None)

    def __repr__(self) -> str:
        return "<the submission's globals (sandboxed)>"
