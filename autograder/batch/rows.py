"""One row of a batch: a submission's result with what the batch knows about it. The batch
makes rows (batch/cli.py); the reports (autograder.report) read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..grading.results import GradeResult
from ..status import Status

FAILED = Status.FAILED  # the grader itself failed on this submission (a rerun retries it)


@dataclass
class Row:
    name: str
    result: GradeResult
    reason: str = ""          # the result's reason plus intake notes (duplicates, file picked)
    origin: str = ""
    digest: str = ""
    student: dict = field(default_factory=dict)
    worker: str = ""
    engine: str = ""
    graded_at: str = ""
    kept: bool = False        # graded by an earlier run and kept
    absent: bool = False      # graded by an earlier run and not named in this one: in the reports,
                              # its own files (results/, logs/, feedback/) left as they are
    late: dict | None = None  # autograder.batch.late.Lateness.as_dict(): time, penalty, final score

    @property
    def status(self) -> str:
        return self.result.status


def num(x: float | None) -> str:
    """A score as people write it: 2 not 2.0, at most 4 decimals; None as empty."""
    if x is None:
        return ""
    x = round(float(x), 4)
    return str(int(x)) if x.is_integer() else format(x, "g")
