"""What a batch leaves in its --out folder, all written atomically:

  grades.csv                 one row per submission, sorted by name: submission, score, max_score,
                             status, reason, then one column per question (its score)
  results/<submission>.json  Gradescope results.json schema (what the student would see)
  feedback/<submission>.html the page a student may see (see feedback.py: results.json's rules)
  logs/<submission>.log      the grader's log: origin, hash, status, reason, every case with its
                             message (hidden ones too: this log is for staff), the captured output
  report.html                self-contained summary (see html.py)
  canvas.csv                 Canvas gradebook import (see canvas.py; with a roster, toolkit.py)
  changes.csv                after --regrade: the scores that changed (see toolkit.py)
  similarity.csv             pairs of submissions sharing code (see similarity.py)

Per-submission files are rewritten only when their content changes, so a rerun leaves the
outputs of submissions it did not regrade untouched (modification times included).
"""

from __future__ import annotations

from pathlib import Path

from ..batch.rows import Row
from ..files import json_bytes, write_if_changed, write_text_atomic
from ..grading.results import gradescope_json
from .canvas import canvas_column, canvas_csv
from .feedback import feedback_html
from .similarity import similarity_csv
from .html import report_html
from .logs import submission_log
from .tables import grades_csv
from .toolkit import Toolkit, canvas_roster_csv, changes_csv
from .toolkit import sections as toolkit_sections


def write_submission_files(out: Path, row: Row) -> None:
    out = Path(out)
    write_if_changed(out / "results" / f"{row.name}.json", json_bytes(gradescope_json(row.result)))
    write_text_atomic(out / "logs" / f"{row.name}.log", submission_log(row))


def write_reports(out: Path, assignment, rows: list[Row], canvas_id: str | None = None,
                  kit: Toolkit | None = None) -> dict[str, Path]:
    """grades.csv, canvas.csv and report.html for these rows (per-submission files too, but
    for rows graded by an earlier run and absent from this one);
    `kit` adds the roster, late work and regrade changes (toolkit.py)."""
    out = Path(out)
    rows = sorted(rows, key=lambda r: r.name)
    for row in rows:
        if row.absent:  # graded by an earlier run, not this one: its files stay as that run wrote them
            continue
        write_submission_files(out, row)
        write_text_atomic(out / "feedback" / f"{row.name}.html", feedback_html(row, assignment))
    questions = [q.name for q in assignment.questions]
    paths = {"grades": out / "grades.csv", "canvas": out / "canvas.csv", "html": out / "report.html"}
    write_text_atomic(paths["grades"], grades_csv(rows, questions))
    if kit is not None and kit.match is not None:
        write_text_atomic(paths["canvas"], canvas_roster_csv(rows, assignment, canvas_column(assignment, canvas_id), kit))
    else:
        write_text_atomic(paths["canvas"], canvas_csv(rows, assignment, canvas_id))
    if kit is not None and kit.similarity is not None:
        paths["similarity"] = out / "similarity.csv"
        write_text_atomic(paths["similarity"], similarity_csv(kit.similarity[0]))
    if kit is not None and kit.changes is not None:
        paths["changes"] = out / "changes.csv"
        write_text_atomic(paths["changes"], changes_csv(kit.changes))
    write_text_atomic(paths["html"], report_html(rows, assignment, toolkit_sections(rows, kit, questions)))
    return paths


__all__ = ["Row", "write_reports", "write_submission_files", "grades_csv", "canvas_csv", "report_html",
           "submission_log"]
