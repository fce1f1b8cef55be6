"""Step: the oracle store a grading bundle carries (`oracles.bin`, read by grading/oracles.py).

The store is recorded by grading the reference solution once in a separate process (`python -m
autograder.grading.recorder`: the build does not import the grading runtime, and TensorFlow
stays out of the building process). It is kept under <course>/build/oracles/, named by the
bundle's content and the installed library versions, so `course build` records it once and every
later `course grade` of the same tests finds it. Only assignments whose test helpers read the
store get one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..bundle_format import ORACLES, ORACLES_MAGIC
from ..config import Assignment
from ..files import environment_key, write_bytes_atomic, write_tree
from .errors import BuildError

USES_STORE = b"from autograder.grading import oracles"


def wanted(assignment: Assignment, files: dict[str, bytes]) -> bool:
    """A store is worth recording when a test helper reads it and there is a solution to record."""
    return assignment.solution.is_file() and any(
        rel.startswith("tests/_") and USES_STORE in data for rel, data in files.items())


def missing(assignment: Assignment, root: Path) -> bool:
    """A materialised bundle whose helpers read a store, with a solution to record it from, but
    no store: its oracles are computed by every grading process (`course build` records it)."""
    root = Path(root)
    helpers = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "tests").glob("_*.py"))}
    return not (root / ORACLES).is_file() and wanted(assignment, helpers)


def identity(files: dict[str, bytes]) -> str:
    """The bundle's content (the store aside) and what an oracle's numbers depend on."""
    h = hashlib.sha256()
    for rel in sorted(files):
        if rel != ORACLES:
            h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    h.update(environment_key().encode())
    h.update(ORACLES_MAGIC)  # the store's format: a new one is recorded afresh
    return h.hexdigest()[:24]


def cache_path(assignment: Assignment, files: dict[str, bytes]) -> Path:
    return assignment.root / "build" / "oracles" / f"{assignment.slug}-{identity(files)}.bin"


def cached(assignment: Assignment, files: dict[str, bytes]) -> bytes | None:
    """The recorded store for exactly these files, if one was recorded; None otherwise."""
    if not wanted(assignment, files):
        return None
    try:
        return cache_path(assignment, files).read_bytes()
    except OSError:
        return None


def recorded(assignment: Assignment, files: dict[str, bytes]) -> bytes | None:
    """The store for these files: from the cache, or recorded now (BuildError when the reference
    solution does not score full marks while recording)."""
    if not wanted(assignment, files):
        return None
    found = cached(assignment, files)
    if found is not None:
        return found
    target = cache_path(assignment, files)
    with tempfile.TemporaryDirectory(prefix=f"course-oracles-{assignment.slug}-") as tmp:
        root = write_tree({rel: data for rel, data in files.items() if rel != ORACLES}, Path(tmp) / "bundle")
        out = Path(tmp) / ORACLES
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONIOENCODING="utf-8")  # its stderr in UTF-8 on Windows too
        proc = subprocess.run([sys.executable, "-m", "autograder.grading.recorder", str(root),
                               str(assignment.solution), str(out)], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", env=env)
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
            raise BuildError(f"{assignment.solution}: recording the oracles of {assignment.slug} failed: "
                             + " / ".join(tail))
        data = out.read_bytes()
    write_bytes_atomic(target, data)  # two builds at once never leave half a file
    prune(target.parent, assignment.slug)
    return data


KEEP = 3  # stores kept per assignment: the newest, and two to go back to (another branch, an undo)


def prune(folder: Path, slug: str, keep: int = KEEP) -> list[Path]:
    """Remove all but the `keep` most recently written stores of `slug` (each edit of a test file
    records a new one, and nothing else removed the old); returns what was removed. A store
    another build is reading when it goes is recorded again there (`cached` answers None)."""
    stores = sorted(folder.glob(f"{slug}-*.bin"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    gone = []
    for old in stores[keep:]:
        try:
            old.unlink()
            gone.append(old)
        except OSError:
            pass
    return gone
