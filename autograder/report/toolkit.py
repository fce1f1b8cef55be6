"""The grader's toolkit in the reports: late work, the roster and regrades.

  canvas.csv   with a roster: Canvas' full header (Student, ID, SIS User ID, SIS Login ID,
               Section, the assignment) and one line per roster student, scored with the
               final (late-adjusted) score of their submission; a student with no submission
               gets an empty cell, or 0 with `--missing-score zero`.
  changes.csv  after `--regrade`: submission, old_score, new_score, questions_changed (the
               questions whose score moved, `;`-separated), one line per submission whose score
               or per-question scores changed.
  report.html  sections "Item analysis", "Similarity", "Late work", "Roster" and "Regrade changes"
               (sections()); similarity.csv: see similarity.py.

Every student-derived string goes through autograder.text (one_line; tables.cell for CSV) and,
in HTML, is escaped.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field

from .. import text as T
from ..batch.roster import counted_rows
from ..grading.results import GradeResult
from .tables import FAILED, cell, num

NAME, REASON = T.NAME, T.REASON
one_line = T.one_line


@dataclass
class Toolkit:
    """What the batch knows beyond the grades (all optional)."""

    roster: list = field(default_factory=list)       # roster.Student, in roster order
    match: object | None = None                      # roster.Match
    missing_zero: bool = False
    changes: list[dict] | None = None                # after --regrade
    timezone: str = ""
    due: str = ""
    policy: str = ""                                 # the late policy in words
    similarity: tuple | None = None                  # (pairs, sources, threshold): similarity.py
    similarity_error: str = ""                       # why similarity was not computed


def final_score(row) -> float | None:
    if row.result.status == FAILED:
        return None
    late = getattr(row, "late", None) or {}
    final = late.get("final_score")
    return row.result.score if final is None else final


def canvas_roster_csv(rows, assignment, column: str, kit: Toolkit) -> str:
    # Two submissions for one student: the later one counts (else the second by name).
    best = counted_rows(kit.match, rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
    w.writerow(["Points Possible", "", "", "", "", num(assignment.total_points)])
    for s in kit.roster:
        row = best.get(id(s))
        if row is None:
            score = "0" if kit.missing_zero else ""
        else:
            score = num(final_score(row))
        w.writerow([cell(s.name), cell(s.id), cell(s.sis_user_id), cell(s.sis_login_id), cell(s.section), score])
    return buf.getvalue()


def changes_csv(changes: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "old_score", "new_score", "questions_changed"])
    for c in changes:
        w.writerow([cell(c["submission"]), num(c["old_score"]), num(c["new_score"]), cell(";".join(c["questions"]))])
    return buf.getvalue()


def score_changes(old: dict[str, dict], rows) -> list[dict]:
    """old: {submission: stored result dict before the regrade}; rows: after it."""
    out = []
    for row in sorted(rows, key=lambda r: r.name):
        before = old.get(row.name)
        if before is None or row.result.status == FAILED:
            continue
        was = GradeResult.from_dict(before)  # question scores are computed from the cases, not stored
        old_q = {q.name: q.score for q in was.questions}
        new_q = {q.name: q.score for q in row.result.questions}
        moved = sorted(q for q in set(old_q) | set(new_q) if abs(old_q.get(q, 0.0) - new_q.get(q, 0.0)) > 1e-9)
        old_score = was.score if was.status != FAILED else None
        if moved or old_score is None or abs((old_score or 0.0) - row.result.score) > 1e-9:
            out.append({"submission": row.name, "old_score": old_score, "new_score": row.result.score,
                        "questions": moved})
    return out


def _table(headers, body) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _e(text, limit=NAME) -> str:
    return html.escape(one_line(str(text), limit))


MOST_FAILED = 15     # cases in the "failed most" table
MESSAGES = 6         # message groups shown per question
STUDENTS = 12        # names listed per message group


def _message_key(message: str) -> str:
    """Failures group by their message's last non-empty line (the exception and its text;
    the lines above locate the test, the same for everyone), whitespace collapsed."""
    last = next((line for line in reversed(str(message).splitlines()) if line.strip()), "")
    return " ".join(last.split())[:300] or "(no message)"


def _names(names: list[str]) -> str:
    shown = ", ".join(_e(n) for n in names[:STUDENTS])
    return shown + (f" and {len(names) - STUDENTS} more" if len(names) > STUDENTS else "")


def item_analysis(rows, questions: list[str]) -> str:
    """For each question, its failure messages grouped (count, who), and the cases failed
    most: which mistake the class made. Staff-only, so hidden cases count too."""
    counted = [r for r in rows if r.result.status != FAILED and r.result.questions]
    if not counted:
        return ""
    fails: dict[tuple, list[str]] = {}
    hidden: dict[tuple, bool] = {}
    groups: dict[str, dict[str, list[str]]] = {}
    for r in counted:
        for q in r.result.questions:
            for c in q.cases:
                if c.passed:
                    continue
                fails.setdefault((q.name, c.name), []).append(r.name)
                hidden[(q.name, c.name)] = c.hidden
                groups.setdefault(q.name, {}).setdefault(_message_key(c.message), []).append(r.name)
    n = len(counted)
    worst = sorted(fails.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:MOST_FAILED]
    parts = ['<h2 id="items">Item analysis</h2>',
             f"<p>Over the {n} graded submission(s). Failure messages are grouped by their last line (the error raised).</p>"]
    if not worst:
        return "".join(parts) + "<p>No case failed.</p>"
    parts.append("<h3>Cases failed most</h3>" + _table(
        ["question", "case", "failed by", "share"],
        [[_e(q), _e(c) + (" <small>(hidden)</small>" if hidden[(q, c)] else ""), str(len(who)),
          f"{100 * len(who) / n:.0f}%"] for (q, c), who in worst]))
    for q in questions:
        msgs = groups.get(q)
        if not msgs:
            continue
        top = sorted(msgs.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:MESSAGES]
        parts.append(f"<h3>{_e(q)}: most common failures</h3>" + _table(
            ["failure message", "times", "submissions"],
            [[f"<code>{_e(m, REASON)}</code>", str(len(who)), _names(sorted(set(who)))] for m, who in top]))
    return "".join(parts)


def sections(rows, kit: Toolkit | None, questions: list[str] | None = None) -> list[str]:
    """HTML sections for report.html (each starts with its <h2>)."""
    kit = kit or Toolkit()
    parts = []
    analysis = item_analysis(rows, questions or [])
    if analysis:
        parts.append(analysis)
    if kit.similarity is not None:
        from .similarity import section

        parts.append(section(*kit.similarity))
    late_rows = [r for r in rows if getattr(r, "late", None)]
    if late_rows and (any(r.late["submitted_at"] for r in late_rows) or kit.policy not in ("", "no late penalty")):
        flagged = [r for r in late_rows if r.late["note"] or r.late["penalty_percent"]]
        body = [[_e(r.name), _e(r.late["submitted_at"] or "unknown"), _e(r.late["due"]),
                 f'{r.late["late_by_hours"]:g} h', f'{r.late["penalty_percent"]:g}%',
                 num(final_score(r)), _e(r.late["note"], REASON)] for r in flagged]
        intro = (f"<p>Due {_e(kit.due)} ({_e(kit.timezone)}). Policy: {_e(kit.policy, REASON)}. "
                 f"{len(flagged)} of {len(late_rows)} submissions late, extended or without a known time.</p>")
        parts.append('<h2 id="late">Late work</h2>' + intro
                     + (_table(["submission", "submitted", "due", "late by", "penalty", "final score", "note"], body)
                        if body else ""))
    if kit.match is not None:
        m = kit.match
        unmatched = "".join(f"<li>{_e(n)}</li>" for n in m.unmatched) or "<li>none</li>"
        missing = "".join(f"<li>{_e(s.name)} ({_e(s.sis_login_id or s.sis_user_id)}, {_e(s.section)})</li>"
                          for s in m.missing) or "<li>none</li>"
        shared = "".join(f"<li>{_e(k)}: {_e(', '.join(v))}</li>" for k, v in m.shared.items())
        parts.append('<h2 id="roster">Roster</h2>'
                     f"<p>{len(kit.roster)} students on the roster; {len(m.students_of)} submissions matched.</p>"
                     f"<h3>Submissions that match no roster student ({len(m.unmatched)})</h3><ul>{unmatched}</ul>"
                     f"<h3>Students with no submission ({len(m.missing)})</h3><ul>{missing}</ul>"
                     + (f"<h3>Students with more than one submission (the latest counts)</h3><ul>{shared}</ul>"
                        if shared else ""))
    if kit.changes is not None:
        body = [[_e(c["submission"]), num(c["old_score"]) or "-", num(c["new_score"]), _e(", ".join(c["questions"]))]
                for c in kit.changes]
        parts.append('<h2 id="changes">Regrade changes</h2>'
                     f"<p>{len(kit.changes)} submission(s) changed score (changes.csv).</p>"
                     + (_table(["submission", "old score", "new score", "questions changed"], body) if body else ""))
    return parts
