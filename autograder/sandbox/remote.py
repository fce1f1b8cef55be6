"""Exceptions from the runner, judge side: rebuilt as builtin types where there is one, every
text capped."""

from __future__ import annotations

import builtins

from .limits import EXC_TB_CAP, EXC_TEXT_CAP, EXC_TYPE_CAP

class RemoteError(Exception):
    """An exception raised by the submission whose type has no builtin equivalent."""

    def __init__(self, type_name: str, message: str):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name, self.message = type_name, message


# Builtin exception types the judge re-raises as themselves. Exceptions that control the
# judge's own flow (SystemExit, KeyboardInterrupt, GeneratorExit) or that are only the
# generic roots (Exception, BaseException) come back as RemoteError.
_NOT_REBUILT = {"BaseException", "Exception", "SystemExit", "KeyboardInterrupt", "GeneratorExit",
                "BaseExceptionGroup", "ExceptionGroup"}


def cap_text(text, cap: int) -> str:
    """A runner's string, cut to `cap` characters with a visible mark."""
    text = text if type(text) is str else str(text)[:cap]
    return text if len(text) <= cap else text[:cap] + f"[... {len(text) - cap:,} more characters]"


def rebuild_exception(d) -> BaseException:
    """The judge's copy of an exception from the runner: a builtin type where there is one,
    every text capped (type name, message and args together, traceback)."""
    d = d if isinstance(d, dict) else {}
    type_name = cap_text(d.get("type", "Exception"), EXC_TYPE_CAP)
    base_name = str(d.get("base", ""))[:64]
    msg = cap_text(d.get("msg", ""), EXC_TEXT_CAP)
    args = d.get("args")
    if isinstance(args, list) and (len(args) > 16 or sum(len(a) for a in args if type(a) is str) > EXC_TEXT_CAP
                                   or any(type(a) is int and a.bit_length() > 256 for a in args)):
        args = None  # too big to carry whole: the capped message stands for them
    cls = getattr(builtins, base_name, None)
    exc: BaseException
    if isinstance(cls, type) and issubclass(cls, BaseException) and base_name not in _NOT_REBUILT:
        exc = None
        if isinstance(args, list) and all(a is None or type(a) in (str, int, float, bool) for a in args):
            try:
                exc = cls(*args)
                str(exc), repr(exc)  # built, yet unprintable: a UnicodeEncodeError whose start is
            except Exception:  # noqa: BLE001 - negative (g03); UnicodeDecodeError wants 5 arguments
                exc = None
        if exc is None:
            try:
                exc = cls(msg)
            except Exception:  # noqa: BLE001
                exc = RemoteError(type_name, msg)
    else:
        exc = RemoteError(type_name, msg)
    exc.remote_type = type_name
    tb = d.get("tb")
    if isinstance(tb, str) and tb:
        exc.remote_traceback = tb[-EXC_TB_CAP:]
    return exc


def runaway_stop(e: BaseException) -> RuntimeError:
    """A StopIteration (or StopAsyncIteration) a submission's call raised, as the RuntimeError
    PEP 479 makes of one leaving a generator: outside the iteration protocol it would end the
    judge's own loop (map, filter, next over the test's iterator) as if all had been checked."""
    exc = RuntimeError(f"the submission's code raised {type(e).__name__}"
                       + (f" ({cap_text(str(e), EXC_TEXT_CAP)})" if str(e) else "")
                       + ", taken as an error, as Python takes it from a generator")
    exc.remote_type = getattr(e, "remote_type", type(e).__name__)
    tb = getattr(e, "remote_traceback", None)
    if tb:
        exc.remote_traceback = tb
    return exc
