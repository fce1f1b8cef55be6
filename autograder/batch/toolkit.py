"""The grader's toolkit around a batch (`course grade` options): --roster, --missing-score,
--extensions, --timestamps, --times-from-mtime, --regrade. prepare() reads and checks every
input file before anything is graded (a bad file is a usage error, exit 2); apply_late() sets
the late policy's outcome on every row; what the reports show besides is gathered at the
command level (autograder.commands.grade), so the batch never imports the reports.
Late policy and time sources: late.py; roster matching: roster.py.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import messages as M
from .late import LateError, assess, read_extensions, read_timestamps, submission_times
from .roster import RosterError, match, read_roster, student_keys
from .rows import FAILED


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


def apply_late(plan: Plan, rows: dict) -> None:
    """Sets row.late (and the late note in row.reason) on every row."""
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
            row.reason = M.join_reason(row.reason, late["note"])
        rows[name] = dataclasses.replace(row, late=late)
