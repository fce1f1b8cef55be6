"""logs/<submission>.log: everything the grader knows about one submission, for staff.

Hidden cases appear with their messages (this file is never shown to students); the
student's captured output closes the log. Student-derived text is sanitised (autograder.text):
one-line fields stay on one line, messages and output are indented, so nothing a student
writes can forge a line such as `score: 43/43`. The text depends only on the stored record, so a
rerun that keeps the result rewrites nothing.
"""

from __future__ import annotations

from .. import text as T
from .tables import num


def submission_log(row) -> str:
    r = row.result
    lines = [
        f"submission: {row.name}",
        f"origin:     {T.one_line(row.origin, T.NAME)}",
        f"file:       {T.one_line(r.file, T.NAME) if r.file else '-'}",
        f"sha256:     {row.digest}",
        f"assignment: {r.slug}",
        f"status:     {r.status}",
        f"score:      {num(r.score)}/{num(r.max_score)}" if r.questions else "score:      -",
        f"reason:     {T.one_line(row.reason, T.REASON) if row.reason else '-'}",
        f"engine:     {row.engine or '-'}    worker: {T.one_line(row.worker or '-', T.NAME)}",
        f"graded at:  {row.graded_at or '-'}    took: {r.elapsed:.2f} s",
    ]
    people = (row.student or {}).get("submitters") or []
    for p in people:
        who = f"{p.get('name', '')} <{p.get('email', '')}> sid {p.get('sid', '')}"
        lines.append(f"submitter:  {T.one_line(who, T.NAME)}")
    lines.append("")
    for q in r.questions:
        lines.append(f"{q.name}: {num(q.score)}/{num(q.max_score)}")
        for c in q.cases:
            mark = "pass" if c.passed else "FAIL"
            hidden = " [hidden]" if c.hidden else ""
            lines.append(f"  {mark}  {c.name}{hidden} ({num(c.score)}/{num(c.points)})")
            if not c.passed and c.message:
                lines.append(T.indent(T.block(c.message.rstrip(), T.MESSAGE), "        "))
    lines.append("")
    lines.append("--- captured output of the submission (stdout and stderr) ---")
    lines.append(T.indent(T.block(r.output.rstrip(), T.OUTPUT), "| ") if r.output.strip() else "(none)")
    return "\n".join(lines) + "\n"
