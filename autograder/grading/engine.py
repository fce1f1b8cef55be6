"""The engine interface the grading core talks to, and the in-process engine.

An engine opens a Session for one submission: it imports the submission's module and offers
`env`, the mapping otter's test functions take their arguments from. The sandbox engine
(autograder.sandbox) runs the module in a separate, isolated process and fills `env` with
proxies; the in-process engine here runs it in the grader's own interpreter, which is only
fit for trusted code (validating the course's own solution and stub while developing).
"""

from __future__ import annotations

import contextlib
import io
import sys
import types
from pathlib import Path
from typing import Any, Mapping, Protocol

# Defined below the grading layer (the sandbox raises them and must not import grading);
# re-exported here, where the engines and the core have always found them.
from ..sandbox.faults import Deadline, RunnerFault, SubmissionExit
from .. import messages as M

__all__ = ["Deadline", "Engine", "InProcessEngine", "RunnerFault", "Session", "SubmissionExit", "working_directory"]


class Session(Protocol):
    env: Mapping[str, Any]
    import_error: tuple[str, str] | None  # (status, reason) when the module could not be imported

    def output(self) -> str: ...
    def after_fault(self) -> None: ...  # make the session usable again after a RunnerFault
    def close(self) -> None: ...


class Engine(Protocol):
    name: str

    def open(self, bundle, source: str, filename: str, deadline: Deadline | None = None,
             submission: object | None = None) -> Session: ...
    def expect(self, bundle, submission: object) -> None: ...  # another session of it follows
    def close(self) -> None: ...


class _CappedText(io.TextIOBase):
    def __init__(self, cap: int):
        self.cap, self.parts, self.size, self.dropped = cap, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        room = self.cap - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        return text + (M.dropped(self.dropped) if self.dropped else "")


class InProcessSession:
    def __init__(self, bundle, source: str, filename: str):
        self.bundle = bundle
        self._out = _CappedText(bundle.limits.output_kb * 1024)
        self.import_error = None
        name = bundle.module_name
        self.module = types.ModuleType(name)
        self.module.__file__ = str(Path(bundle.root) / filename)
        sys.modules[name] = self.module
        try:
            with self.capture():
                exec(compile(source, filename, "exec", dont_inherit=True), self.module.__dict__)  # as runner.py
        except SyntaxError as e:
            self.import_error = M.import_syntax_error(e.msg, e.lineno)
        except SystemExit:
            self.import_error = M.import_exit()
        except Exception as e:
            self.import_error = M.import_raised(type(e).__name__, str(e))
        finally:
            sys.modules.pop(name, None)
        self.env = self.module.__dict__

    @contextlib.contextmanager
    def capture(self):
        with contextlib.redirect_stdout(self._out), contextlib.redirect_stderr(self._out):
            yield

    def output(self) -> str:
        return self._out.getvalue()

    def after_fault(self) -> None:
        pass

    def close(self) -> None:
        pass


class InProcessEngine:
    """Trusted code only: the submission shares the grader's interpreter."""

    name = "inprocess"

    def open(self, bundle, source: str, filename: str, deadline: Deadline | None = None,
             submission: object | None = None) -> InProcessSession:
        return InProcessSession(bundle, source, filename)  # trusted code: no deadline is enforced

    def expect(self, bundle, submission: object) -> None:
        pass  # nothing to start ahead in this process

    def close(self) -> None:
        pass


working_directory = contextlib.chdir  # the standard library's (3.11); build/figures.py uses it too
