"""The grader's toolkit around a batch (`course grade` options): --roster, --missing-score,
--extensions, --timestamps, --times-from-mtime, --regrade. prepare() reads and checks every
input file before anything is graded (a bad file is a usage error, exit 2); finish() applies
the late policy to the rows and gathers what the reports show (autograder.report.toolkit).
Late policy and time sources: late.py; roster matching: roster.py.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from ..report.toolkit import Toolkit
from .late import LateError, assess, read_extensions, read_timestamps, submission_times
from .roster import RosterError, match, read_roster, student_keys


class ToolkitError(Exception):
    pass


@dataclass
class Plan:
    assignment: object
    tz: ZoneInfo
    times: dict = field(default_factory=dict)
    extensions: dict = field(default_factory=dict)
    roster: list = field(default_factory=list)
    match: object | None = None
    missing_zero: bool = False
    regrade: bool = False
    subs: list = field(default_factory=list)
    similarity_threshold: float = 0.5
    similarity: bool = True
    jobs: int = 1


NO_PENALTY = "no late penalty"


def policy_words(policy, timezone: str) -> str:
    if not policy.penalty_percent and policy.last_accepted is None:
        return NO_PENALTY
    unit = policy.per
    words = [f"-{policy.penalty_percent:g}% of the score per started {unit} late (at most {policy.cap_percent:g}%)"]
    if policy.grace_minutes:
        words.append(f"{policy.grace_minutes:g} minutes' grace")
    last = policy.last_accepted
    if last is not None:
        when = (f"{last.total_seconds() / 3600:g} hours after the due date" if hasattr(last, "total_seconds")
                else f"{last.isoformat(timespec='minutes')} {timezone}")
        words.append(f"nothing accepted after {when}")
    return "; ".join(words)


def prepare(args, course, assignment, subs) -> Plan:
    tz = ZoneInfo(assignment.timezone)
    plan = Plan(assignment, tz, missing_zero=getattr(args, "missing_score", "empty") == "zero",
                regrade=bool(getattr(args, "regrade", False)), subs=subs,
                similarity_threshold=getattr(course, "similarity_threshold", 0.5),
                similarity=not getattr(args, "no_similarity", False),
                jobs=getattr(args, "jobs", None) or os.cpu_count() or 1)
    try:
        roster_path = getattr(args, "roster", None)
        if roster_path:
            plan.roster = read_roster(Path(roster_path))
            plan.match = match(subs, plan.roster)
        ext = getattr(args, "extensions", None)
        if ext is None and roster_path and (Path(roster_path).parent / "extensions.csv").is_file():
            ext = Path(roster_path).parent / "extensions.csv"
        if ext:
            plan.extensions = read_extensions(Path(ext), assignment.slug, tz)
        timestamps = getattr(args, "timestamps", None)
        if timestamps:
            read_timestamps(Path(timestamps), tz)  # checked now, before grading
        plan.times = submission_times(subs, tz, Path(timestamps) if timestamps else None,
                                      bool(getattr(args, "times_from_mtime", False)))
    except (LateError, RosterError) as e:
        raise ToolkitError(str(e)) from None
    return plan


def finish(plan: Plan, rows: dict, previous: dict | None) -> Toolkit:
    """Sets row.late (and the late note in row.reason) on every row; returns the report's kit."""
    from ..report.tables import FAILED
    from ..report.toolkit import score_changes

    a = plan.assignment
    due = a.due_at
    by_name = {s.name: s for s in plan.subs}
    for name, row in rows.items():
        sub = by_name.get(name)
        if sub is None:
            continue
        keys = student_keys(sub, plan.match)
        extension = next((plan.extensions[k] for k in sorted(keys) if k in plan.extensions), None)
        when, source = plan.times.get(name, (None, ""))
        lateness = assess(a.late, due, when, source, extension)
        score = None if row.result.status == FAILED else row.result.score
        late = lateness.as_dict(score)
        if late["note"]:
            row.reason = "; ".join(p for p in [row.reason, late["note"]] if p)
        rows[name] = dataclasses.replace(row, late=late)
    kit = Toolkit(roster=plan.roster, match=plan.match, missing_zero=plan.missing_zero,
                  timezone=a.timezone, due=due.isoformat(timespec="minutes"), policy=policy_words(a.late, a.timezone))
    if plan.regrade:
        kit.changes = score_changes(previous or {}, rows.values())
    if not plan.similarity:
        return kit
    try:
        kit.similarity = similarity(plan, rows)
    except Exception as e:  # noqa: BLE001 - the grades and their reports matter more than this check
        kit.similarity_error = f"{type(e).__name__}: {e}"
    return kit


def similarity(plan: Plan, rows: dict) -> tuple:
    """(pairs, sources, threshold) over the submissions whose code could be read."""
    from ..report.similarity import compare, source_of

    sources = {}
    for sub in plan.subs:
        row = rows.get(sub.name)
        if row is None or row.result.status == "rejected":
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


def summary_lines(kit: Toolkit, rows) -> list[str]:
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
