"""`course grade SLUG SUBMISSIONS... --out DIR`: the batch (autograder.batch.cli.run_grade:
intake, executors, the resumable store, late work) joined to its reports (autograder.report).

The batch never imports the reports: run_grade is handed a Reports object and calls it after
each graded submission (the per-submission files) and once at the end (grades.csv, canvas.csv,
report.html, changes.csv, similarity.csv and the lines the terminal summary adds).
"""

from __future__ import annotations

from pathlib import Path

from ..batch.cli import run_grade
from ..batch.rows import Row
from ..batch.toolkit import NO_PENALTY, Plan, policy_words
from ..report import write_reports, write_submission_files
from ..report.similarity import compare, source_of
from ..report.toolkit import Toolkit, score_changes
from ..status import Status


def run(args, course) -> int:
    canvas_id = getattr(args, "canvas_id", None)
    return run_grade(args, course, lambda out, assignment, plan: Reports(out, assignment, plan, canvas_id))


class Reports:
    """The reports of one batch run (what run_grade calls)."""

    def __init__(self, out: Path, assignment, plan: Plan, canvas_id: str | None = None):
        self.out, self.assignment, self.plan, self.canvas_id = Path(out), assignment, plan, canvas_id

    def submission(self, row: Row) -> None:
        write_submission_files(self.out, row)

    def batch(self, rows: dict[str, Row], previous: dict | None) -> tuple[dict[str, Path], list[str]]:
        """Every report of the run; (the paths written by label, summary lines for the terminal)."""
        kit = toolkit(self.plan, rows, previous)
        listed = list(rows.values())
        paths = write_reports(self.out, self.assignment, listed, self.canvas_id, kit)
        return paths, summary_lines(kit, listed)


def toolkit(plan: Plan, rows: dict[str, Row], previous: dict | None) -> Toolkit:
    """What the reports show beyond the grades: roster, late policy, regrade changes, similarity."""
    a = plan.assignment
    kit = Toolkit(roster=plan.roster, match=plan.match, missing_zero=plan.missing_zero, timezone=a.timezone,
                  due=a.due_at.isoformat(timespec="minutes"),
                  policy=policy_words(a.late, a.timezone))
    if plan.regrade:
        kit.changes = score_changes(previous or {}, rows.values())
    if not plan.similarity:
        return kit
    try:
        kit.similarity = similarity(plan, rows)
    except Exception as e:  # noqa: BLE001 - the grades and their reports matter more than this check
        kit.similarity_error = f"{type(e).__name__}: {e}"
    return kit


def similarity(plan: Plan, rows: dict[str, Row]) -> tuple:
    """(pairs, sources, threshold) over the submissions whose code could be read."""
    sources = {}
    for sub in plan.subs:
        row = rows.get(sub.name)
        if row is None or row.result.status == Status.REJECTED:
            continue
        code = source_of(sub, plan.assignment.submission)
        if code is not None:
            sources[sub.name] = code
    try:
        stub = plan.assignment.stub.read_text(encoding="utf-8")
    except OSError:
        stub = ""
    pairs, used = compare(sources, stub, plan.similarity_threshold, plan.jobs)
    return pairs, used, plan.similarity_threshold


def summary_lines(kit: Toolkit, rows: list[Row]) -> list[str]:
    lines = []
    known = [r for r in rows if r.late and r.late["submitted_at"]]
    late = [r for r in known if r.late["penalty_percent"]]
    unknown = [r for r in rows if r.late and not r.late["submitted_at"]]
    if known or (unknown and kit.policy != NO_PENALTY):
        lines.append(f"late work (due {kit.due}, {kit.timezone}; {kit.policy}): {len(late)} penalised, "
                     f"{len(unknown)} with no known submission time (not penalised)")
    if kit.match is not None:
        m = kit.match
        lines.append(f"roster: {len(kit.roster)} students, {len(m.unmatched)} submission(s) matching nobody, "
                     f"{len(m.missing)} student(s) with no submission")
        if m.unmatched:
            lines.append("  matching nobody: " + ", ".join(m.unmatched[:20]) + (" ..." if len(m.unmatched) > 20 else ""))
        if m.missing:
            names = [s.name for s in m.missing]
            lines.append("  no submission: " + ", ".join(names[:20]) + (" ..." if len(names) > 20 else ""))
    if kit.changes is not None:
        lines.append(f"regrade: {len(kit.changes)} submission(s) changed score (changes.csv)")
    if kit.similarity_error:
        lines.append(f"similarity: not computed ({kit.similarity_error})")
    if kit.similarity is not None:
        pairs, _, threshold = kit.similarity
        high = [p for p in pairs if p.similarity >= threshold]
        lines.append(f"similarity: {len(high)} pair(s) sharing at least {threshold:.0%} of their code"
                     + (": " + ", ".join(f"{p.a} & {p.b} ({p.similarity:.0%})" for p in high[:10]) if high else "")
                     + (" ..." if len(high) > 10 else ""))
    return lines
