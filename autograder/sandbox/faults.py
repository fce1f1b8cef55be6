"""How a call into a submission can end without an answer, and the judge's deadline for a
whole submission. Defined here, below the grading layer, so that the sandbox never imports
autograder.grading; grading.engine re-exports them for the engines and the core."""

from __future__ import annotations

import time
from dataclasses import dataclass


class RunnerFault(Exception):
    """A call into the submission ended without an answer: timeout, crash, memory.

    `kind` is the batch status it maps to ("timeout", "crashed", "error"); `reason` is the
    plain sentence shown to people ("timed out after 30 s").
    """

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


class SubmissionExit(Exception):
    """The submission's code called sys.exit / raised SystemExit / os._exit."""


class SandboxSetupError(RuntimeError):
    """The sandbox could not start or confine a runner: the grader's problem, never the
    submission's (the row is a grader failure that a rerun retries, not a student's error)."""


@dataclass(frozen=True)
class Deadline:
    """The judge's deadline for one whole submission (limits.submission_timeout): intake,
    import, every call and every handle round trip, decoding included. Per-call timeouts cannot
    stop a test that makes endless fast calls (iterating a never-ending handle); this does."""

    at: float        # time.monotonic() value
    seconds: float   # the limit, for messages

    @classmethod
    def after(cls, seconds: float, start: float | None = None) -> "Deadline":
        return cls((time.monotonic() if start is None else start) + float(seconds), float(seconds))

    def left(self) -> float:
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return self.left() <= 0

    @property
    def reason(self) -> str:
        return f"grading stopped: the submission took more than its {self.seconds:g} s in all"
