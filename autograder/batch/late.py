"""Late work for `course grade`: when each submission was handed in, and what the late policy
(autograder.config.LatePolicy, course.yml `late:`) takes off.

Submission times, first found wins:
  1. `--timestamps FILE`: a CSV with the columns `submission,time` (the row's name as in
     grades.csv; ISO 8601 times; a time without an offset is in the course's time zone);
  2. a Gradescope export's `submission_metadata.yml` (`:created_at:` of the submission);
  3. with `--times-from-mtime` only: the file's modification time (a folder's newest file).
A submission with no known time is graded, flagged in its reason, and not penalised.

Extensions (`--extensions FILE`, or extensions.csv beside the `--roster` file): a CSV with
`student`, optional `assignment` (a slug; empty means every assignment) and one of `days`,
`hours` (added to the due date) or `due` (a new due date-time, course time zone).
`student` is matched like a roster entry (autograder.batch.roster.identities): submission
name, e-mail, SIS login or id.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from ..config import LatePolicy
from .intake import GRADESCOPE_METADATA, Submission, name_key


class LateError(Exception):
    """A timestamps or extensions file is unreadable or wrong: a usage error (exit 2)."""


@dataclass
class Lateness:
    submitted_at: dt.datetime | None
    source: str                 # "timestamps.csv", "gradescope", "mtime" or ""
    due: dt.datetime            # the due date in force (an extension moves it)
    late_by: dt.timedelta | None
    penalty_percent: float
    note: str = ""              # for the reason column: unknown time, extension, too late

    def as_dict(self, score: float | None) -> dict:
        final = None if score is None else round(score * (1 - self.penalty_percent / 100), 4)
        return {
            "submitted_at": self.submitted_at.isoformat(timespec="seconds") if self.submitted_at else "",
            "source": self.source,
            "due": self.due.isoformat(timespec="minutes"),
            "late_by_hours": round(self.late_by.total_seconds() / 3600, 2) if self.late_by else 0.0,
            "penalty_percent": self.penalty_percent,
            "penalty": None if score is None else round(score - final, 4),
            "final_score": final,
            "note": self.note,
        }


_GS_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$")


def parse_time(text: str, tz: ZoneInfo) -> dt.datetime:
    """ISO 8601 or Gradescope's `2027-01-20 10:00:00.000000000 -08:00`; naive means `tz`."""
    text = str(text).strip()
    m = _GS_TIME.match(text)
    if m:
        day, clock, frac, off = m.groups()
        frac = (frac or "0")[:6].ljust(6, "0")
        off = "+00:00" if off in ("Z", "UTC") else off
        text = f"{day}T{clock}.{frac}" + (off[:3] + ":" + off[-2:] if off else "")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date-time: {text!r} (expected e.g. 2027-01-29T23:30:00-05:00)") from None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def _read_csv(path: Path, required: set[str], what: str) -> list[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = {h.strip().lower() for h in reader.fieldnames or []}
            missing = required - header
            if missing:
                raise LateError(f"{path}: a {what} needs the column(s) {', '.join(sorted(missing))} "
                                f"(found: {', '.join(sorted(header)) or 'no header'})")
            return [(i, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()})
                    for i, row in enumerate(reader, start=2)]
    except OSError as e:
        raise LateError(f"{path}: cannot read the {what} ({e.strerror or e})") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise LateError(f"{path}: not a readable CSV file ({e})") from None


def timestamp_rows(path: Path, tz: ZoneInfo) -> list[tuple[int, str, dt.datetime]]:
    """(line, submission, time) of every row naming a submission, in file order."""
    out = []
    for line, row in _read_csv(path, {"submission", "time"}, "timestamps file"):
        if not row["submission"]:
            continue
        try:
            # the row's name as grades.csv spells it: Unicode NFC (a Mac's list of files is NFD)
            out.append((line, unicodedata.normalize("NFC", row["submission"]), parse_time(row["time"], tz)))
        except ValueError as e:
            raise LateError(f"{path}: line {line}: {e}") from None
    return out


def read_timestamps(path: Path, tz: ZoneInfo) -> dict[str, dt.datetime]:
    """{submission: time}; of two rows for one submission the later line is used
    (timestamp_warnings says so)."""
    return {name: when for _, name, when in timestamp_rows(path, tz)}


def timestamp_warnings(path: Path, tz: ZoneInfo, names: set[str]) -> list[str]:
    """Rows naming no submission of the batch, and submissions named twice."""
    warnings, lines_of = [], {}
    for line, name, _ in timestamp_rows(path, tz):
        lines_of.setdefault(name, []).append(line)
    unknown = [f"{name!r} (line {lines[0]})" for name, lines in lines_of.items() if name not in names]
    if unknown:
        warnings.append(f"{path}: {len(unknown)} row(s) name no submission of this batch, ignored: "
                        + ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else ""))
    for name, lines in lines_of.items():
        if len(lines) > 1 and name in names:
            given = " and ".join(map(str, lines)) if len(lines) == 2 else ", ".join(map(str, lines))
            warnings.append(f"{path}: lines {given} {'both' if len(lines) == 2 else 'all'} give a time for {name!r}; "
                            f"line {lines[-1]} is used")
    return warnings


def _gradescope_times(subs: list[Submission], tz: ZoneInfo) -> dict[str, dt.datetime]:
    """created_at of each submission of a Gradescope export (intake keeps only the submitters)."""
    from .intake import _MetadataLoader, _plain_keys  # the same Ruby-tolerant reader intake uses

    cache: dict[Path, dict] = {}
    out = {}
    for sub in subs:
        key = (sub.student or {}).get("gradescope_id")
        if not key or (sub.path is None and ("/" in key or "\\" in key or key in (".", ".."))):
            continue  # a key naming a path outside the export: its row is rejected, nothing more read
        folder = (sub.path.parent if sub.path is not None else Path(sub.origin).parent)
        meta_path = folder / GRADESCOPE_METADATA
        if meta_path not in cache:
            try:
                cache[meta_path] = _plain_keys(yaml.load(meta_path.read_text(encoding="utf-8"),
                                                         Loader=_MetadataLoader) or {})
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                cache[meta_path] = {}
        record = cache[meta_path].get(key)
        created = record.get("created_at") if isinstance(record, dict) else None
        if created:
            try:
                out[sub.name] = parse_time(created, tz)
            except ValueError:
                continue  # an unreadable time is an unknown time: flagged, not penalised
    return out


def _mtime(sub: Submission, tz: ZoneInfo) -> dt.datetime | None:
    if sub.path is None:
        return None
    try:
        if sub.path.is_dir():
            stamps = [p.stat().st_mtime for p in sub.path.rglob("*") if p.is_file() and not p.is_symlink()]
            if not stamps:
                return None
            stamp = max(stamps)
        else:
            stamp = sub.path.stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(stamp, tz)


def submission_times(subs: list[Submission], tz: ZoneInfo, timestamps: Path | None = None,
                     use_mtime: bool = False) -> dict[str, tuple[dt.datetime, str]]:
    found: dict[str, tuple[dt.datetime, str]] = {}
    if use_mtime:
        for sub in subs:
            when = _mtime(sub, tz)
            if when is not None:
                found[sub.name] = (when, "mtime")
    for name, when in _gradescope_times(subs, tz).items():
        found[name] = (when, "gradescope")
    if timestamps is not None:
        names = {s.name for s in subs}
        for name, when in read_timestamps(timestamps, tz).items():
            if name in names:
                found[name] = (when, "timestamps.csv")
    return found


@dataclass
class Extension:
    student: str
    due: dt.datetime | None = None
    extra: dt.timedelta | None = None
    line: int = 0               # where the extensions file gives it

    def apply(self, due: dt.datetime) -> dt.datetime:
        return self.due if self.due is not None else due + self.extra


def read_extensions(path: Path, slug: str, tz: ZoneInfo, slugs: set[str] | None = None,
                    warnings: list[str] | None = None) -> dict[str, Extension]:
    """{student key (lower case): Extension} for this assignment. With `slugs` (the course's),
    a row naming another slug is ignored with a warning; of two rows for one student the later
    line is used, with a warning."""
    out = {}
    warnings = warnings if warnings is not None else []
    for line, row in _read_csv(path, {"student"}, "extensions file"):
        if not row["student"]:
            continue
        if row.get("assignment") and slugs is not None and row["assignment"] not in slugs:
            warnings.append(f"{path}: line {line}: unknown assignment {row['assignment']!r} "
                            f"(the course has {', '.join(sorted(slugs))}); row ignored")
            continue
        if row.get("assignment") and row["assignment"] != slug:
            continue
        given = [k for k in ("days", "hours", "due") if row.get(k)]
        if len(given) != 1:
            raise LateError(f"{path}: line {line}: give exactly one of days, hours or due "
                            f"(got {', '.join(given) or 'none'})")
        k = given[0]
        try:
            if k == "due":
                ext = Extension(row["student"], due=parse_time(row["due"], tz))
            else:
                n = float(row[k])
                if not n >= 0 or math.isinf(n):
                    raise ValueError
                ext = Extension(row["student"], extra=dt.timedelta(days=n) if k == "days" else dt.timedelta(hours=n))
        except ValueError as e:
            detail = str(e) if k == "due" else f"{k} must be a number >= 0, got {row[k]!r}"
            raise LateError(f"{path}: line {line}: {detail}") from None
        ext.line = line
        key = name_key(row["student"])
        if key in out:
            warnings.append(f"{path}: lines {out[key].line} and {line} both give {row['student']!r} an extension; "
                            f"line {line} is used")
        out[key] = ext
    return out


def assess(policy: LatePolicy, due: dt.datetime, submitted: dt.datetime | None, source: str = "",
           extension: Extension | None = None) -> Lateness:
    """How late, and the percent of the earned score taken off (module docstring of config.LatePolicy)."""
    base_due = due
    note = ""
    if extension is not None:
        due = extension.apply(due)
        note = f"extension to {due.isoformat(timespec='minutes')}"
    if submitted is None:
        inert = not policy.penalty_percent and policy.last_accepted is None
        return Lateness(None, "", due, None, 0.0, "" if inert else "no submission time known: not checked for lateness")
    late_by = submitted - due
    if late_by <= dt.timedelta(minutes=policy.grace_minutes):
        return Lateness(submitted, source, due, None, 0.0, note)
    last = policy.last_accepted
    if isinstance(last, dt.timedelta):
        last = due + last
    elif isinstance(last, dt.datetime):
        last = last.replace(tzinfo=base_due.tzinfo)  # a naive date-time in course.yml: the course's zone
        if extension is not None:
            last = max(last, due + (last - base_due))
    unit = dt.timedelta(days=1) if policy.per == "day" else dt.timedelta(hours=1)
    if last is not None and submitted > last:
        percent = 100.0
        note = "; ".join(p for p in [note, f"submitted after the last accepted time "
                                     f"{last.isoformat(timespec='minutes')}: scores 0"] if p)
    else:
        units = math.ceil(late_by / unit)
        percent = min(policy.cap_percent, units * policy.penalty_percent)
        if percent:
            note = "; ".join(p for p in [note, f"late by {units} {policy.per}{'s' if units != 1 else ''}: "
                                         f"-{percent:g}%"] if p)
    return Lateness(submitted, source, due, late_by, percent, note)
