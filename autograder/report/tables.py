"""grades.csv and the small formatting helpers the reports share."""

from __future__ import annotations

import csv
import io

from .. import text as T
from ..batch.rows import num  # noqa: F401 - the reports' formatter, defined beside Row
from ..status import Status

FAILED = Status.FAILED  # the grader itself failed on this submission (retried on the next run)


def cell(text: str) -> str:
    """One line, capped, controls visible, and never a spreadsheet formula (a reason can quote
    a student's text): autograder.text.csv_cell."""
    return T.csv_cell(text)


def question_scores(row) -> dict[str, float]:
    return {q.name: q.score for q in row.result.questions}


LATE_COLUMNS = ["submitted_at", "late_by", "penalty", "final_score"]


def late_cells(row) -> list[str]:
    """submitted_at (ISO 8601, empty when unknown), late_by (hours past the due date in force,
    0 when on time), penalty (points taken off) and final_score (score minus penalty; the
    score when no late policy applies; empty when the grader failed)."""
    if row.result.status == FAILED:
        return ["", "", "", ""]
    late = getattr(row, "late", None)
    if not late:
        return ["", "", "", num(row.result.score)]
    known = bool(late["submitted_at"])
    return [late["submitted_at"], num(late["late_by_hours"]) if known else "",
            num(late["penalty"] or 0.0), num(late["final_score"])]


def grades_csv(rows, questions: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "score", "max_score", "status", "reason", *questions, *LATE_COLUMNS])
    for row in sorted(rows, key=lambda r: r.name):
        r = row.result
        failed = r.status == FAILED
        scores = question_scores(row)
        w.writerow([cell(row.name), "" if failed else num(r.score),
                    "" if failed or not r.questions else num(r.max_score), r.status, cell(row.reason),
                    *("" if failed or q not in scores else num(scores[q]) for q in questions), *late_cells(row)])
    return buf.getvalue()
