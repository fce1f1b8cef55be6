"""`assignments/<slug>/mutants-equivalent.yml`: mutants judged equivalent to the solution.

    # Mutants of solutions/<slug>/<slug>.py that no input the docstring allows tells apart
    # from the solution. `course mutants <slug>` prints the id and fingerprint of each survivor.
    equivalent:
      - id: centre_patch.cmp.L20C11.a3f9c2   # function.family.L<line after def>C<column>.<change hash>
        fingerprint: 9c1e0d4b7a21            # of the solution's centre_patch when this was judged
        reason: "h is an int >= 1 here, so `h < 1` and `h <= 0` agree"

An entry explains a survivor only while its fingerprint matches the function's current code;
when the solution's function changes the entry is stale (reported, and the survivor counts as
unexplained until someone re-judges it and updates the fingerprint).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .discover import MutantsError, Target

FILENAME = "mutants-equivalent.yml"


@dataclass(frozen=True)
class Entry:
    id: str
    fingerprint: str
    reason: str

    @property
    def function(self) -> str:
        return self.id.rsplit(".", 3)[0]


def load(path: Path) -> list[Entry]:
    """The entries (none when the file does not exist); a malformed file is a MutantsError
    naming the file and the entry."""
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise MutantsError(f"{path}: cannot read: {e}") from None
    except yaml.YAMLError as e:
        raise MutantsError(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) - {"equivalent"}:
        raise MutantsError(f"{path}: expected a mapping with one key `equivalent` (a list of entries)")
    items = data.get("equivalent") or []
    if not isinstance(items, list):
        raise MutantsError(f"{path}: `equivalent` must be a list of entries, got {type(items).__name__}")
    entries, seen = [], set()
    for n, item in enumerate(items, 1):
        where = f"{path}: entry {n}"
        if not isinstance(item, dict):
            raise MutantsError(f"{where}: expected a mapping with id, fingerprint and reason")
        unknown = set(item) - {"id", "fingerprint", "reason"}
        if unknown:
            raise MutantsError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        for key in ("id", "fingerprint", "reason"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                raise MutantsError(f"{where}: `{key}` must be a non-empty string")
        if len(item["id"].rsplit(".", 3)) != 4:
            raise MutantsError(f"{where}: id {item['id']!r} is not a mutant id (function.family.L<n>C<n>.<hash>)")
        if item["id"] in seen:
            raise MutantsError(f"{where}: id {item['id']!r} is listed twice")
        seen.add(item["id"])
        entries.append(Entry(item["id"].strip(), str(item["fingerprint"]).strip(), item["reason"].strip()))
    return entries


def stale(entries: list[Entry], targets: list[Target], known_ids: set[str]) -> list[tuple[Entry, str]]:
    """Entries that no longer describe the solution, each with why."""
    prints = {t.name: t.fingerprint for t in targets}
    out = []
    for e in entries:
        if e.function not in prints:
            out.append((e, f"{e.function} is not a student-written function of the solution any more"))
        elif prints[e.function] != e.fingerprint:
            out.append((e, f"{e.function} changed since this was judged (fingerprint {e.fingerprint}, "
                           f"now {prints[e.function]}): re-check it and update the fingerprint"))
        elif e.id not in known_ids:
            out.append((e, "no such mutant of the current solution (was the id copied whole?)"))
    return out
