"""Every sentence grading shows a student or a TA about how a submission ended, in one place.

The import failure sentences (both engines), the case message of a call that never answered,
the `reason` of a result (assembled from parts), the marker of dropped output, and the scrub
that keeps the framework's own class names (RunnerFault, ...) out of anything a student reads.
Layering: imports status and text only, so the sandbox, grading and batch can all use it.
"""

from __future__ import annotations

import re

from . import text as T
from .status import Status

# --- the submission's import --------------------------------------------------------------------


def import_syntax_error(msg: str, line) -> tuple[Status, str]:
    return Status.ERROR, syntax_error(msg, f"line {line}")


def syntax_error(msg: str, where: str, file: str = "") -> str:
    """`where` is `line 12` or a notebook's `code cell 4, line 2`; `file` the file graded as the
    student named it (student text: made one visible line, capped, like a name anywhere)."""
    place = f"{T.one_line(file, T.NAME)}, {where}" if file else where
    return f"the submission has a syntax error: {T.cap(msg, 500)} ({place})"


def import_exit(code: str = "") -> tuple[Status, str]:
    return Status.ERROR, f"the submission called sys.exit({code}) while being imported"


def import_raised(exc_type: str, message: str) -> tuple[Status, str]:
    return Status.ERROR, f"importing the submission raised {exc_type}: {message}"


def import_out_of_memory(limit: str) -> tuple[Status, str]:
    return Status.ERROR, f"ran out of memory (limit {limit}) while importing the submission"


# --- calls into the submission --------------------------------------------------------------------

# Exceptions of the framework that a test can catch and print (`got {type(e).__name__}: {e}`):
# their names mean nothing to a student. tests/test_submission_reader.py checks that this list
# holds every exception class the grading, sandbox and submission packages define. RemoteError
# carries a submission's own exception type in its message ("ShapeError: ..."), which stays.
INTERNAL_EXCEPTIONS = ("RunnerFault", "SubmissionExit", "SandboxSetupError", "SubmissionRejected",
                       "WireError", "_Malformed", "RemoteError", "OracleFileError")
# The ones that mean a call into the submission ended without an answer.
FAULTS = ("RunnerFault", "SubmissionExit")
# A name followed by a colon, as `{type(e).__name__}: {e}` prints it (a student's own word
# "RunnerFault" elsewhere in a message is left alone).
_INTERNAL_RE = re.compile(r"\b(?:autograder\.[\w.]+\.)?(?:" + "|".join(map(re.escape, INTERNAL_EXCEPTIONS))
                          + r"):\s*")


def did_not_finish(reason: str) -> str:
    """A test case whose call into the submission never answered (timeout, crash, memory)."""
    return f"your function did not finish: {reason}"


def internal_in_chain(error: BaseException) -> BaseException | None:
    """The fault (RunnerFault, SubmissionExit) behind a test's failure, when the test caught it and
    raised its own (`except Exception as e: raise AssertionError(f"... got {type(e).__name__}")`):
    Python keeps the caught one as the new one's __context__, even after `from None`."""
    seen, e = set(), error
    while e is not None and id(e) not in seen and len(seen) < 20:
        seen.add(id(e))
        if type(e).__name__ in FAULTS and type(e).__module__.startswith("autograder."):
            return e
        e = e.__cause__ or e.__context__
    return None


def plain(text: str) -> str:
    """Text a student reads, with the framework's class names taken out (`got RunnerFault:
    timed out after 4 s` reads `got timed out after 4 s`): the sentence after says what happened."""
    return _INTERNAL_RE.sub("", text) if text else text


# --- a result's reason ------------------------------------------------------------------------------


def join_reason(*parts: str) -> str:
    """One reason from its parts ("a; b"), empty parts left out."""
    return "; ".join(p for p in parts if p)


def hidden_fault(case: str, status: str) -> str:
    """A hidden case's fault in the row's reason: what kind, not what it said."""
    return f"{case}: {status} in a hidden case (details are not shown)"


def stopped_early(faults: list[str], shown: int = 3) -> str:
    return f"{len(faults)} case(s) stopped early: " + "; ".join(faults[:shown])


def grader_failed(last_line: str) -> str:
    """A grader failure's row (grades.csv): the last line of its traceback, without the
    framework's class name, after a sentence that says whose fault it was."""
    return "the grader failed (not the submission's fault; rerun to retry): " + plain(last_line)


def reading_timed_out(deadline_reason: str) -> str:
    return f"{deadline_reason} (reading the submission)"


# --- captured output ----------------------------------------------------------------------------------


OUTPUT_DROPPED = "\n[... {n} more characters of output dropped]"


def dropped(n: int) -> str:
    """The marker after captured output that hit its cap."""
    return OUTPUT_DROPPED.format(n=n)


def cap_output(text: str, limit: int, slack: int = 1024) -> str:
    """Captured output within `limit` characters, through text.cap (the grader's one cap) with
    the output marker; `slack` lets output a little over the limit through whole."""
    return T.cap(text, limit, marker=OUTPUT_DROPPED, slack=slack)
