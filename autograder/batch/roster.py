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

from .intake import Submission

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
        return {k.strip().casefold() for k in keys if k and k.strip()}


@dataclass
class Match:
    students_of: dict[str, list[Student]] = field(default_factory=dict)   # submission -> students
    unmatched: list[str] = field(default_factory=list)                    # submissions matching nobody
    missing: list[Student] = field(default_factory=list)                  # students with no submission
    shared: dict[str, list[str]] = field(default_factory=dict)            # student SIS id -> 2+ submissions


def read_roster(path: Path) -> list[Student]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise RosterError(f"{path}: not a Canvas gradebook export: missing the column(s) "
                                  f"{', '.join(missing)} (found: {', '.join(header) or 'no header'})")
            students = []
            for row in reader:
                row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
                name = row.get("Student", "")
                if not name or name.startswith("Points Possible") or name == "Student, Test":
                    continue
                extra = {key: next((row[c] for c in cols if row.get(c)), "") for key, cols in OPTIONAL.items()}
                students.append(Student(name, row["ID"], row["SIS User ID"], row["SIS Login ID"], row["Section"],
                                        **extra))
    except OSError as e:
        raise RosterError(f"{path}: cannot read the roster ({e.strerror or e})") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise RosterError(f"{path}: not a readable CSV file ({e})") from None
    if not students:
        raise RosterError(f"{path}: the roster lists no students")
    return students


def identities(sub: Submission) -> set[str]:
    keys = {sub.name, sub.base}
    for person in (sub.student or {}).get("submitters") or []:
        keys |= {person.get("email", ""), person.get("sid", ""), person.get("name", "")}
    return {k.strip().casefold() for k in keys if k and k.strip()}


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
