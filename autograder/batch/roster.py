"""`course grade --roster roster.csv`: the class list, as Canvas' gradebook export gives it
(columns Student, ID, SIS User ID, SIS Login ID, Section; optional Email, Login ID). Its
"Points Possible" line and Canvas' "Student, Test" preview user are skipped.

A submission belongs to a roster student when one of the submission's identities (its row
name, its name before de-duplication, the e-mail, SIS id and name of each Gradescope
submitter) equals, ignoring case, one of the student's: SIS Login ID, SIS User ID, ID, e-mail,
login, the local part of the e-mail or login, or the Student name. A group submission belongs
to every member. Submissions that match nobody and students with no submission are listed in
the summary and the report; canvas.csv then has one line per roster student.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .intake import Submission, name_key

REQUIRED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
OPTIONAL = {"email": ("Email", "E-mail", "Email Address"), "login": ("Login ID", "Login")}


class RosterError(Exception):
    """The roster file is unreadable or lacks Canvas' columns: a usage error (exit 2)."""


@dataclass
class Student:
    name: str
    id: str
    sis_user_id: str
    sis_login_id: str
    section: str
    email: str = ""
    login: str = ""

    def keys(self) -> set[str]:
        keys = {self.sis_login_id, self.sis_user_id, self.id, self.email, self.login, self.name}
        keys |= {k.split("@")[0] for k in (self.email, self.login, self.sis_login_id) if "@" in k}
        return {name_key(k) for k in keys if k and k.strip()}


@dataclass
class Match:
    students_of: dict[str, list[Student]] = field(default_factory=dict)   # submission -> students
    unmatched: list[str] = field(default_factory=list)                    # submissions matching nobody
    missing: list[Student] = field(default_factory=list)                  # students with no submission
    shared: dict[str, list[str]] = field(default_factory=dict)            # student SIS id -> 2+ submissions


ID_COLUMNS = ("ID", "SIS User ID", "SIS Login ID")  # one student each: a repeat is refused


def read_roster(path: Path) -> list[Student]:
    """The roster's students. Refused (RosterError, naming the file and the line): missing
    columns, a row with more or fewer fields than the header, a quote left open (a field
    running over several lines), two rows with the same ID, SIS User ID or SIS Login ID."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            students = _students(path, csv.reader(f))
    except OSError as e:
        raise RosterError(f"{path}: cannot read the roster ({e.strerror or e})") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise RosterError(f"{path}: not a readable CSV file ({e})") from None
    if not students:
        raise RosterError(f"{path}: the roster lists no students")
    return students


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:60] + "...")


def _students(path: Path, reader) -> list[Student]:
    header = [h.strip() for h in next(reader, None) or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError(f"{path}: not a Canvas gradebook export: missing the column(s) "
                          f"{', '.join(missing)} (found: {', '.join(header) or 'no header'})")
    students: list[Student] = []
    seen: dict[tuple[str, str], int] = {}  # (column, id casefolded) -> line
    end = reader.line_num
    for raw in reader:
        line, end = end + 1, reader.line_num  # the row's first line in the file
        if not any(c.strip() for c in raw):
            continue  # a blank line
        if any("\n" in c or "\r" in c for c in raw):
            where = f"a field runs over lines {line}-{end}" if end > line else "a field runs to the end of the file"
            raise RosterError(f"{path}: line {line}: a quote is not closed ({where}); a roster field "
                              "cannot hold a line break")
        if len(raw) != len(header):
            raise RosterError(f"{path}: line {line}: {len(raw)} field(s), but the header has {len(header)}")
        row = {}
        for k, v in zip(header, raw):
            row.setdefault(k, v.strip())
        name = row.get("Student", "")
        if not name or name.startswith("Points Possible") or name == "Student, Test":
            continue
        for column in ID_COLUMNS:
            value = row[column]
            if not value:
                continue
            first = seen.setdefault((column, name_key(value)), line)
            if first != line:
                raise RosterError(f"{path}: line {line}: {column} {_shown(value)} is also on line {first} "
                                  "(two rows for one student)")
        extra = {key: next((row[c] for c in cols if row.get(c)), "") for key, cols in OPTIONAL.items()}
        students.append(Student(name, row["ID"], row["SIS User ID"], row["SIS Login ID"], row["Section"], **extra))
    return students


def identities(sub: Submission) -> set[str]:
    keys = {sub.name, sub.base}
    for person in (sub.student or {}).get("submitters") or []:
        keys |= {person.get("email", ""), person.get("sid", ""), person.get("name", "")}
    return {name_key(k) for k in keys if k and k.strip()}


def match(subs: list[Submission], roster: list[Student]) -> Match:
    index: dict[str, list[Student]] = {}
    for s in roster:
        for k in s.keys():
            index.setdefault(k, [])
            if s not in index[k]:
                index[k].append(s)
    result = Match()
    claimed: dict[int, list[str]] = {}
    for sub in subs:
        found: list[Student] = []
        for k in sorted(identities(sub)):
            for s in index.get(k, []):
                if s not in found:
                    found.append(s)
        if found:
            result.students_of[sub.name] = found
            for s in found:
                claimed.setdefault(id(s), []).append(sub.name)
        else:
            result.unmatched.append(sub.name)
    result.missing = [s for s in roster if id(s) not in claimed]
    result.shared = {(s.sis_user_id or s.name): claimed[id(s)] for s in roster if len(claimed.get(id(s), [])) > 1}
    return result


def student_keys(sub: Submission, m: Match | None) -> set[str]:
    """Everything an extensions file may name this submission's student by."""
    keys = identities(sub)
    for s in (m.students_of.get(sub.name, []) if m else []):
        keys |= s.keys()
    return keys


def _when(row) -> tuple:
    late = getattr(row, "late", None) or {}
    return (late.get("submitted_at") or "", row.name)


def counted_rows(m: Match, rows) -> dict[int, object]:
    """{id(student): the row that counts for them}: of two or more submissions of one student
    the one handed in last counts (by known submission time, then by row name)."""
    by_name = {r.name: r for r in rows}
    best: dict[int, object] = {}
    for name, students in m.students_of.items():
        row = by_name.get(name)
        if row is None:
            continue
        for s in students:
            prev = best.get(id(s))
            if prev is None or _when(row) >= _when(prev):
                best[id(s)] = row
    return best


def shared_warnings(roster: list[Student], m: Match, rows) -> list[str]:
    """One line per roster student matched by two or more submissions, naming the one that counts."""
    best = counted_rows(m, rows)
    claimed: dict[int, list[str]] = {}
    for name, students in m.students_of.items():
        for s in students:
            claimed.setdefault(id(s), []).append(name)
    out = []
    for s in roster:
        names = sorted(claimed.get(id(s), []))
        row = best.get(id(s))
        if len(names) < 2 or row is None:
            continue
        why = "handed in last" if _when(row)[0] else "the last by name: no submission time known"
        out.append(f"roster student {s.name} ({s.sis_login_id or s.sis_user_id or s.id}) is matched by "
                   f"{len(names)} submissions ({', '.join(names)}); {row.name} counts ({why})")
    return out


def submitter_key(person: dict) -> str:
    """A Gradescope submitter's identity without a roster: the student id, else the e-mail."""
    return name_key(person.get("sid") or person.get("email") or "")


def counted_submitters(rows) -> dict[str, object]:
    """Without a roster: {submitter key: the row that counts for that person} (the one handed in
    last, as with a roster), so canvas.csv has one line per person."""
    best: dict[str, object] = {}
    for row in rows:
        for person in (row.student or {}).get("submitters") or []:
            key = submitter_key(person)
            if key and (key not in best or _when(row) >= _when(best[key])):
                best[key] = row
    return best


def submitter_warnings(rows) -> list[str]:
    rows = list(rows)
    best = counted_submitters(rows)
    names: dict[str, list[str]] = {}
    for row in rows:
        for person in (row.student or {}).get("submitters") or []:
            if submitter_key(person):
                names.setdefault(submitter_key(person), []).append(row.name)
    out = []
    for key, found in names.items():
        if len(found) > 1:
            row = best[key]
            why = "handed in last" if _when(row)[0] else "the last by name: no submission time known"
            out.append(f"submitter {key} is in {len(found)} submissions ({', '.join(sorted(found))}); "
                       f"{row.name} counts in canvas.csv ({why})")
    return out
