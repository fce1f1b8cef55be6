"""Batch intake: from the SUBMISSIONS arguments to a list of uniquely named submissions,
each with a content hash and the bytes a worker needs (see the package docstring for the
rules). Nothing here runs or unpacks student code; unpacking happens on the worker."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import text as T
from ..config import YamlLoader
from ..submission import (ACCEPTED, MAX_BYTES, JsonValueCount, SubmissionRejected, file_limit, folder_digest,
                          folder_files, pack_files, too_big)

SUBMISSION_SUFFIXES = ACCEPTED  # the file kinds the reader takes
GRADESCOPE_METADATA = "submission_metadata.yml"


class IntakeError(Exception):
    """The SUBMISSIONS arguments themselves are wrong (a path that does not exist, nothing to
    grade, an unreadable Gradescope export): a usage error, not a row."""


@dataclass
class Submission:
    name: str                   # unique row name (file-name safe)
    origin: str                 # where it came from, as a person would write the path
    kind: str                   # "file" | "folder" | "missing"
    path: Path | None
    digest: str                 # sha256 of the content
    student: dict = field(default_factory=dict)   # {"submitters": [{name, email, sid}]} from Gradescope
    notes: list[str] = field(default_factory=list)
    problem: str | None = None  # rejected before grading (reason)
    base: str = ""              # the name before de-duplication

    def payload(self) -> dict:
        """What a worker gets: plain data (bytes), no paths it could not see."""
        task = {"name": self.name, "kind": self.kind, "filename": "", "data": b"",
                "problem": self.problem, "digest": self.digest}
        if self.problem:
            return task
        try:
            if self.kind == "file":
                task["filename"] = self.path.name
                task["data"] = self.path.read_bytes()
            elif self.kind == "folder":
                task["data"] = pack_files(folder_files(self.path))
        except SubmissionRejected as e:
            task["problem"] = str(e)
        except OSError as e:
            task["problem"] = f"the submission could not be read ({e.strerror or e})"
        return task


def name_key(text: str) -> str:
    """A name as a person reads it, for matching a grader's lists to submissions: Unicode NFC
    (macOS writes file names decomposed, NFD: e + a combining accent), no case, no outer spaces."""
    return T.folded(str(text).strip())


def safe_name(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text))
    text = re.sub(r"[^\w@.+-]+", "_", text).strip("._-")
    return text[:120] or "submission"


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
        return rel if not rel.startswith("..") else str(path)
    except ValueError:
        return str(path)


def _sha256_file(path: Path, also=None) -> str:
    """The file's digest, read in 1 MiB pieces; `also(chunk)` sees each piece of that one read."""
    h = hashlib.sha256(b"file\0" + path.name.encode("utf-8", "surrogateescape") + b"\0")
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            if also is not None:
                also(chunk)
    return h.hexdigest()


def _problem_digest(reason: str) -> str:
    return hashlib.sha256(b"problem\0" + reason.encode()).hexdigest()


def _refused(kind: str, path: Path | None, origin: str, reason: str, base: str) -> Submission:
    """A submission that gets a `rejected` row with `reason` and is never sent to a worker."""
    return Submission("", origin, kind, path, _problem_digest(reason), problem=reason, base=base)


def _file_submission(path: Path, base: str | None = None) -> Submission:
    base = base or path.stem
    origin = _display(path)
    try:
        size = path.stat().st_size
        # A file over its limit is refused here, so its bytes never travel to a worker; the
        # worker's reader checks again with the same sentence (Gradescope has no client side).
        limit = file_limit(path.suffix, MAX_BYTES)
        if size > limit:
            raise SubmissionRejected(too_big(path.name, size, limit))
        if path.suffix.lower() != ".ipynb":
            return Submission("", origin, "file", path, _sha256_file(path), base=base)
        count = JsonValueCount()  # likewise a notebook too large to parse, counted while hashing
        digest = _sha256_file(path, count.feed)
        count.check(path.name)
        return Submission("", origin, "file", path, digest, base=base)
    except SubmissionRejected as e:
        return _refused("file", path, origin, str(e), base)
    except OSError as e:
        return _refused("file", path, origin, f"{path.name} could not be read ({e.strerror or e})", base)


def _folder_submission(path: Path, base: str | None = None) -> Submission:
    base = base or path.name
    origin = _display(path)
    try:
        return Submission("", origin, "folder", path, folder_digest(folder_files(path)), base=base)
    except SubmissionRejected as e:
        return _refused("folder", path, origin, str(e), base)
    except OSError as e:
        return _refused("folder", path, origin, f"the folder could not be read ({e.strerror or e})", base)


# What Windows and macOS leave in folders: thumbnails, folder settings, a custom icon, the
# recycle bin of a USB stick. Never a student's submission, so never a row.
SYSTEM_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r", "$recycle.bin", "system volume information"}


def _hidden(name: str) -> str:
    """Why a name is not a submission's whatever it holds ("hidden name", "system file"), or ""."""
    if name.startswith((".", "__")):
        return "hidden name"
    return "system file" if name.casefold() in SYSTEM_FILES else ""


def _visible(entries) -> list[Path]:
    return sorted(e for e in entries if not _hidden(e.name))


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, its symbolic links followed, stays inside `folder`."""
    try:
        target, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError):  # a link loop
        return False
    return target == root or root in target.parents


def _entries(folder: Path, skipped: list[str] | None) -> list[Path]:
    """The entries of a folder of submissions that are files or folders; the others (hidden
    `.`/`__` names, broken links, FIFOs and other special files) are named in `skipped`."""
    out = []
    for entry in sorted(folder.iterdir()):
        why = (_hidden(entry.name)
               or ("broken symbolic link" if entry.is_symlink() and not entry.exists() else "")
               or ("" if entry.is_file() or entry.is_dir() else "not a file or folder"))
        if not why:
            out.append(entry)
        elif skipped is not None:
            skipped.append(f"{entry.name} ({why})")
    return out


def skipped_warning(folder: Path, skipped: list[str], shown: int = 5) -> str:
    n = len(skipped)
    return (f"{_display(folder)}: skipped {n} entr{'y' if n == 1 else 'ies'} that are not submissions: "
            + ", ".join(skipped[:shown]) + (f" and {n - shown} more" if n > shown else ""))


def _outside_link(entry: Path, folder: Path, base: str) -> Submission | None:
    """A top-level symbolic link out of the submissions folder: a `rejected` row, never read."""
    if entry.is_symlink() and not _inside(entry, folder):
        reason = (f"{entry.name} is a symbolic link to a place outside {_display(folder)}: not read "
                  "(a submission must be a file or folder inside the folder graded)")
        return _refused("file", None, _display(entry), reason, base)
    return None


def _entry_submission(entry: Path, folder: Path, base: str | None = None) -> Submission:
    refused = _outside_link(entry, folder, base or (entry.name if entry.is_dir() else entry.stem))
    if refused is not None:
        return refused
    return _folder_submission(entry, base) if entry.is_dir() else _file_submission(entry, base)


def is_one_submission(folder: Path, expected: str) -> bool:
    """A folder is one student's when it directly holds the assignment's file (or notebook), or
    when it holds no submission-like file and at most one sub-folder (a wrapper); otherwise it
    is a folder of submissions."""
    stem = Path(expected).stem
    entries = _visible(folder.iterdir())
    files = {e.name for e in entries if e.is_file()}
    if expected in files or f"{stem}.ipynb" in files:
        return True
    submission_like = [e for e in entries if e.is_file() and e.suffix.lower() in SUBMISSION_SUFFIXES]
    folders = [e for e in entries if e.is_dir()]
    return not submission_like and len(folders) <= 1


# --- Gradescope "export submissions" ------------------------------------------------------

class _MetadataLoader(YamlLoader):
    """Gradescope writes Ruby-flavoured YAML (`:submitters:` keys, sometimes `!ruby/...` tags):
    unknown tags load as plain data, timestamps stay strings (config.YamlLoader)."""


def _construct_any(loader, tag_suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_MetadataLoader.add_multi_constructor("!", _construct_any)
_MetadataLoader.add_multi_constructor("tag:yaml.org,2002:ruby", _construct_any)


def _plain_keys(value):
    if isinstance(value, dict):
        return {str(k).lstrip(":"): _plain_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_keys(v) for v in value]
    return value


def read_gradescope_metadata(path: Path) -> dict[str, list[dict]]:
    """{submission folder name: [{name, email, sid}, ...]} from submission_metadata.yml."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_MetadataLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise IntakeError(f"{_display(path)}: cannot read the Gradescope metadata ({e})") from None
    except RecursionError:
        raise IntakeError(f"{_display(path)}: cannot read the Gradescope metadata (nested too deeply)") from None
    try:
        data = _plain_keys(data or {})
    except RecursionError:
        raise IntakeError(f"{_display(path)}: cannot read the Gradescope metadata (nested too deeply)") from None
    if not isinstance(data, dict):
        raise IntakeError(f"{_display(path)}: expected a mapping of submission folders to their metadata")
    out = {}
    for key, record in data.items():
        submitters = record.get("submitters") if isinstance(record, dict) else None
        people = []
        for s in submitters or []:
            if isinstance(s, dict):
                people.append({k: str(s.get(k) or "") for k in ("name", "email", "sid")})
        out[str(key)] = people
    return out


def _submitters_base(people: list[dict], fallback: str) -> str:
    for key in ("email", "name", "sid"):
        values = [p[key] for p in people if p.get(key)]
        if values and len(values) == len(people):
            return "+".join(values)
    return fallback


def _gradescope_export(folder: Path, warnings: list[str] | None = None) -> list[Submission]:
    meta = read_gradescope_metadata(folder / GRADESCOPE_METADATA)
    subs = []
    for key in sorted(meta):
        people = meta[key]
        base = _submitters_base(people, key)
        path = folder / key
        if not _inside(path, folder) or path.resolve() == folder.resolve():
            sub = _refused("missing", None, _display(path),
                           f"the Gradescope export lists {key}, a path outside the export folder: not read", base)
        elif path.is_symlink() and not path.exists():
            sub = _refused("missing", None, _display(path),
                           f"the Gradescope export lists {key}, a broken symbolic link: not read", base)
        elif path.is_dir():
            sub = _folder_submission(path, base)
        elif path.is_file():
            sub = _file_submission(path, base)
        else:
            sub = _refused("missing", None, _display(path),
                           f"the Gradescope export lists {key} but holds no file or folder of that name", base)
        sub.student = {"submitters": people, "gradescope_id": key}
        subs.append(sub)
    skipped: list[str] = []
    for entry in _entries(folder, skipped):
        if entry.name in meta or entry.name == GRADESCOPE_METADATA:
            continue
        sub = _entry_submission(entry, folder)
        sub.notes.append(f"not listed in {GRADESCOPE_METADATA}; named after the {'folder' if entry.is_dir() else 'file'}")
        subs.append(sub)
    skipped = [k for k in skipped if k.split(" (")[0] not in meta]
    if skipped and warnings is not None:
        warnings.append(skipped_warning(folder, skipped))
    return subs


# --- the arguments --------------------------------------------------------------------------

def _expand(arg: str, expected: str, exclude: Path | None, warnings: list[str] | None = None) -> list[Submission]:
    path = Path(arg)
    if not path.exists():
        raise IntakeError(f"{arg}: no such file or folder")
    if path.is_file():
        return [_file_submission(path)]
    if not path.is_dir():
        raise IntakeError(f"{arg}: not a file or a folder")
    if (path / GRADESCOPE_METADATA).is_file():
        return _gradescope_export(path, warnings)
    if is_one_submission(path, expected):
        return [_folder_submission(path, safe_name(path.resolve().name))]
    subs = []
    skipped: list[str] = []
    for entry in _entries(path, skipped):
        if exclude is not None and entry.resolve() == exclude:
            continue
        subs.append(_entry_submission(entry, path))
    if skipped and warnings is not None:
        warnings.append(skipped_warning(path, skipped))
    return subs


def collect(args: list[str], expected: str, exclude: Path | None = None,
            warnings: list[str] | None = None) -> list[Submission]:
    """Every submission named by the arguments, uniquely named, sorted by name; what a folder
    held that is not a submission is named in `warnings` (one line per folder)."""
    exclude = exclude.resolve() if exclude else None
    found: list[Submission] = []
    seen: set[Path] = set()
    for arg in args:
        for sub in _expand(arg, expected, exclude, warnings):
            key = sub.path.resolve() if sub.path is not None else Path(sub.origin)
            if key in seen:
                continue  # the same file named twice (`subs/alice.py subs/`): one row
            seen.add(key)
            found.append(sub)
    if not found:
        raise IntakeError("no submissions found in " + ", ".join(args))
    _name(found)
    return sorted(found, key=lambda s: s.name)


def _sort_path(sub: Submission) -> str:
    """Duplicates are numbered in the order of their absolute paths (not of the arguments,
    nor of the current folder), so the same files always get the same names."""
    return str(sub.path.resolve()) if sub.path is not None else str(Path(sub.origin).resolve())


def _name(subs: list[Submission]) -> None:
    """Unique names: the first (by path) of each base keeps it, the rest get -2, -3, ..."""
    for s in subs:
        s.base = safe_name(s.base)
    ordered = sorted(subs, key=lambda s: (s.base.casefold(), _sort_path(s)))
    taken: set[str] = set()
    groups: dict[str, list[Submission]] = {}
    for s in ordered:
        groups.setdefault(s.base.casefold(), []).append(s)
    for group in groups.values():
        taken.add(group[0].base.casefold())
        group[0].name = group[0].base
    for group in groups.values():
        if len(group) == 1:
            continue
        first = group[0]
        k = 2
        for s in group[1:]:
            while f"{s.base}-{k}".casefold() in taken:
                k += 1
            s.name = f"{s.base}-{k}"
            taken.add(s.name.casefold())
            s.notes.append(f"renamed {s.name}: {first.origin} is also named {s.base}")
        others = ", ".join(f"{s.origin} is {s.name}" for s in group[1:])
        first.notes.append(f"another submission has the same name {first.base} ({others})")
