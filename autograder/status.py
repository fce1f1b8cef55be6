"""How grading one submission can end: the `status` column of grades.csv and of every result.

A StrEnum, so a status is written, compared and serialised as its plain string ("graded",
"timeout", ...): grades.csv, results/*.json and the stored records read as before, and a
record written by an older version (a plain string) still compares equal.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    GRADED = "graded"      # the tests ran; the score is what they gave
    ERROR = "error"        # the submission could not be imported, or a call broke the runner
    TIMEOUT = "timeout"    # the submission, or its import, ran out of time
    CRASHED = "crashed"    # the runner died (a signal) while running the submission
    REJECTED = "rejected"  # never run: the submission could not be read (autograder.submission)
    FAILED = "failed"      # the grader itself failed on this submission (a rerun retries it)

    @classmethod
    def of(cls, value) -> "Status | str":
        """The member for a stored string; an unknown string stays as it is (read, never lost)."""
        try:
            return cls(value)
        except ValueError:
            return value
