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
from .intake import Submission, _file_submission, _folder_submission
from .late import (LateError, assess, read_extensions, read_timestamps, submission_times,
                   timestamp_warnings)
from .roster import RosterError, match, read_roster, shared_warnings, student_keys, submitter_warnings
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
    earlier: list = field(default_factory=list)     # graded by earlier runs, not named in this one
    warnings: list = field(default_factory=list)    # shown once in the summary (not fatal)


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


def prepare(args, course, assignment, subs, earlier_records=(), warnings=()) -> Plan:
    """The plan of a run over `subs`; `earlier_records` (the --out store's records of
    submissions not in `subs`) stay in the reports: their rows, roster matches and times."""
    tz = ZoneInfo(assignment.timezone)
    names = {s.name for s in subs}
    earlier = [earlier_submission(r) for r in earlier_records if r["name"] not in names]
    everyone = list(subs) + earlier
    plan = Plan(assignment, tz, missing_zero=getattr(args, "missing_score", "empty") == "zero",
                regrade=bool(getattr(args, "regrade", False)), subs=everyone,
                similarity_threshold=getattr(course, "similarity_threshold", 0.5),
                similarity=not getattr(args, "no_similarity", False),
                jobs=getattr(args, "jobs", None) or os.cpu_count() or 1, earlier=earlier, warnings=list(warnings))
    try:
        roster_path = getattr(args, "roster", None)
        if roster_path:
            plan.roster = read_roster(Path(roster_path))
            plan.match = match(everyone, plan.roster)
        ext = getattr(args, "extensions", None)
        if ext is None and roster_path and (Path(roster_path).parent / "extensions.csv").is_file():
            ext = Path(roster_path).parent / "extensions.csv"
        if ext:
            slugs = {a.slug for a in getattr(course, "assignments", ())} or None
            plan.extensions = read_extensions(Path(ext), assignment.slug, tz, slugs, plan.warnings)
            plan.warnings += _unclaimed_extensions(Path(ext), plan)
        timestamps = Path(args.timestamps) if getattr(args, "timestamps", None) else None
        if timestamps:
            plan.warnings += timestamp_warnings(timestamps, tz, {s.name for s in everyone})  # checks it too
        plan.times = {r["name"]: t for r in earlier_records if r["name"] not in names
                      for t in [_stored_time(r)] if t is not None}
        plan.times.update(submission_times(subs, tz, timestamps, bool(getattr(args, "times_from_mtime", False))))
        if timestamps:
            given = read_timestamps(timestamps, tz)
            plan.times.update({s.name: (given[s.name], "timestamps.csv") for s in earlier if s.name in given})
    except (LateError, RosterError) as e:
        raise ToolkitError(str(e)) from None
    return plan


def _unclaimed_extensions(path: Path, plan: Plan) -> list[str]:
    """Extension rows that name no submission of the batch and no roster student."""
    known: set[str] = set()
    for sub in plan.subs:
        known |= student_keys(sub, plan.match)
    for s in plan.roster:
        known |= s.keys()
    lost = [f"{ext.student!r} (line {ext.line})" for key, ext in plan.extensions.items() if key not in known]
    if not lost:
        return []
    return [f"{path}: {len(lost)} extension(s) for {plan.assignment.slug} match no submission or roster student, "
            "so none applies: " + ", ".join(lost[:5]) + (" ..." if len(lost) > 5 else "")]


def _stored_time(record: dict):
    """The submission time an earlier run recorded, as (datetime, source), or None."""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(str(record.get("submitted_at") or ""))
    except ValueError:
        return None
    return (when, str(record.get("time_source") or "")) if when.tzinfo else None


def earlier_submission(record: dict) -> Submission:
    """A submission graded by an earlier run into the same --out and not named in this one:
    what its record says (the file itself only when it is still there unchanged)."""
    name = record["name"]
    student = record.get("student") if isinstance(record.get("student"), dict) else {}
    sub = Submission(name, str(record.get("origin") or ""), str(record.get("kind") or "file"), None,
                     str(record.get("digest") or ""), student=student,
                     notes=[str(n) for n in record.get("notes") or [] if n], base=str(record.get("base") or name))
    path = Path(str(record.get("path") or ""))
    if record.get("path") and path.is_absolute() and (path.is_file() or path.is_dir()):
        again = _folder_submission(path) if path.is_dir() else _file_submission(path)
        if not again.problem and again.digest == sub.digest:
            sub.path = path  # unchanged: the similarity check may read it
    return sub


def stored_fields(plan: Plan, sub: Submission) -> dict:
    """What a record keeps about its submission so a later run over part of the class still
    reports this one as it was: submitters, intake notes, where it was, when it was handed in."""
    when, source = plan.times.get(sub.name, (None, ""))
    return {"student": sub.student, "notes": list(sub.notes), "base": sub.base,
            "path": str(sub.path.resolve()) if sub.path is not None else "",
            "submitted_at": when.isoformat() if when is not None else "", "time_source": source}


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


def row_warnings(plan: Plan, rows: dict) -> list[str]:
    """Every warning of the run: the inputs' (plan.warnings) and, after apply_late, roster
    students matched by two or more submissions (which one counts)."""
    out = list(plan.warnings)
    if plan.match is not None:
        out += shared_warnings(plan.roster, plan.match, rows.values())
    else:
        out += submitter_warnings(rows.values())
    return out
