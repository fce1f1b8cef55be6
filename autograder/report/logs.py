"""logs/<submission>.log: everything the grader knows about one submission, for staff.

Hidden cases appear with their messages (this file is never shown to students); the
student's captured output closes the log. The text depends only on the stored record, so a
rerun that keeps the result rewrites nothing.
"""

from __future__ import annotations

from .tables import num


def submission_log(row) -> str:
    r = row.result
    lines = [
        f"submission: {row.name}",
        f"origin:     {row.origin}",
        f"sha256:     {row.digest}",
        f"assignment: {r.slug}",
        f"status:     {r.status}",
        f"score:      {num(r.score)}/{num(r.max_score)}" if r.questions else "score:      -",
        f"reason:     {row.reason or '-'}",
        f"engine:     {row.engine or '-'}    worker: {row.worker or '-'}",
        f"graded at:  {row.graded_at or '-'}    took: {r.elapsed:.2f} s",
    ]
    people = (row.student or {}).get("submitters") or []
    for p in people:
        lines.append(f"submitter:  {p.get('name', '')} <{p.get('email', '')}> sid {p.get('sid', '')}")
    lines.append("")
    for q in r.questions:
        lines.append(f"{q.name}: {num(q.score)}/{num(q.max_score)}")
        for c in q.cases:
            mark = "pass" if c.passed else "FAIL"
            hidden = " [hidden]" if c.hidden else ""
            lines.append(f"  {mark}  {c.name}{hidden} ({num(c.score)}/{num(c.points)})")
            if not c.passed and c.message:
                for m in c.message.rstrip().splitlines():
                    lines.append(f"        {m}")
    lines.append("")
    lines.append("--- captured output of the submission (stdout and stderr) ---")
    lines.append(r.output.rstrip() if r.output.strip() else "(none)")
    return "\n".join(lines) + "\n"
