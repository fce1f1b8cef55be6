"""canvas.csv: a file Canvas' Gradebook "Import" accepts.

Columns, in Canvas' own export order:
  Student        the student's name (from Gradescope's submission_metadata.yml), else the
                 submission's name
  ID             Canvas' internal user id: not known to the grader, left empty
  SIS User ID    the student id from Gradescope's metadata, else the submission's name (a batch
                 named by file stem is expected to use students' SIS ids or logins as stems)
  Section        left empty (Canvas ignores it on import)
  "<Assignment title> (<id>)"  the final score in points (after any late penalty); <id> is
                 the Canvas assignment id given with
                 `course grade --canvas-id`, else the assignment's slug (Canvas then offers to
                 create a new assignment column with that name)
The second line is Canvas' "Points Possible" row. A group submission from Gradescope gives one
line per submitter; a submitter in two submissions gets one line, from the one handed in
last (by submission time, then by name; the terminal summary warns). A row whose grading failed (status `failed`) has an empty score, so an
import never turns a grader failure into a zero.
"""

from __future__ import annotations

import csv
import io

from ..batch.roster import counted_submitters, submitter_key
from .tables import FAILED, cell, num
from .toolkit import final_score

# With --roster, canvas.csv is written by toolkit.canvas_roster_csv instead (one line per student).


def canvas_column(assignment, canvas_id: str | None = None) -> str:
    return f"{assignment.title} ({canvas_id or assignment.slug})"


def canvas_csv(rows, assignment, canvas_id: str | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Student", "ID", "SIS User ID", "Section", canvas_column(assignment, canvas_id)])
    w.writerow(["Points Possible", "", "", "", num(assignment.total_points)])
    counted = counted_submitters(rows)  # a person in two submissions: the one handed in last counts
    for row in sorted(rows, key=lambda r: r.name):
        score = "" if row.result.status == FAILED else num(final_score(row))  # late penalty applied
        people = (row.student or {}).get("submitters") or [{}]
        for person in people:
            if submitter_key(person) and counted[submitter_key(person)] is not row:
                continue
            w.writerow([cell(person.get("name") or row.name), "", cell(person.get("sid") or row.name), "", score])
    return buf.getvalue()
