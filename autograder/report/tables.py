"""grades.csv and the small formatting helpers the reports share."""

from __future__ import annotations

import csv
import io

from .. import text as T

FAILED = "failed"  # the grader itself failed on this submission (retried on the next run)


def num(x: float | None) -> str:
    if x is None:
        return ""
    x = round(float(x), 4)
    return str(int(x)) if x.is_integer() else format(x, "g")


def cell(text: str) -> str:
    """One line, capped, controls visible, and never a spreadsheet formula (a reason can quote
    a student's text): autograder.text.csv_cell."""
    return T.csv_cell(text)


def question_scores(row) -> dict[str, float]:
    return {q.name: q.score for q in row.result.questions}


def grades_csv(rows, questions: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "score", "max_score", "status", "reason", *questions])
    for row in sorted(rows, key=lambda r: r.name):
        r = row.result
        failed = r.status == FAILED
        scores = question_scores(row)
        w.writerow([cell(row.name), "" if failed else num(r.score),
                    "" if failed or not r.questions else num(r.max_score), r.status, cell(row.reason),
                    *("" if failed or q not in scores else num(scores[q]) for q in questions)])
    return buf.getvalue()
