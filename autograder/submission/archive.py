"""Safe unpacking of a submitted zip, safe listing of a submitted folder (and its packing for transport).

Everything is checked before a byte is written: names that would land outside the target
(zip slip: `../x`, `/etc/x`, `C:\\x`), symbolic links and other special files, encrypted
entries, duplicate names, too many entries. Sizes are counted while unpacking (a zip's
headers can lie), so a zip bomb stops at MAX_BYTES. Each problem raises SubmissionRejected
with a sentence a student or a TA understands.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path

from ..files import pack
from .errors import SubmissionRejected

MAX_FILES = 1000                 # entries in one archive or folder
MAX_BYTES = 100 * 1024 * 1024    # unpacked bytes of one archive or folder
MAX_DEPTH = 32                   # folders inside folders (deeper would make path walks recurse)
_CHUNK = 1 << 16
SKIPPED_PARTS = ("__MACOSX",)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _safe_name(raw: str) -> str:
    """The entry's relative path with / separators, or SubmissionRejected."""
    name = raw.replace("\\", "/")
    if "\x00" in name:
        raise SubmissionRejected(f"the zip has an entry with a NUL byte in its name ({raw!r})")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise SubmissionRejected(f"the zip has an entry with an absolute path ({raw!r}); "
                                 "zip the files themselves, not their full paths")
    if ".." in parts:
        raise SubmissionRejected(f"the zip has an entry pointing outside the folder it unpacks to "
                                 f"({raw!r}, a 'zip slip'); it was not unpacked")
    if len(parts) > MAX_DEPTH:
        raise SubmissionRejected(f"the zip has an entry {len(parts)} folders deep (the limit is {MAX_DEPTH}): "
                                 f"{raw[:80]!r}...")
    return "/".join(parts)


def check_zip(zf: zipfile.ZipFile, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> list[tuple[zipfile.ZipInfo, str]]:
    """Validate every entry; returns (info, safe relative name) for the files to write."""
    infos = zf.infolist()
    if len(infos) > max_files:
        raise SubmissionRejected(f"the zip holds {len(infos):,} entries, more than the limit of "
                                 f"{max_files:,} (a zip bomb?); it was not unpacked")
    declared = sum(i.file_size for i in infos)
    if declared > max_bytes:
        raise SubmissionRejected(f"the zip would unpack to {_mb(declared)}, more than the limit of "
                                 f"{_mb(max_bytes)} (a zip bomb?); it was not unpacked")
    files, seen = [], {}
    for info in infos:
        name = _safe_name(info.filename)
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):  # unix attributes: a symbolic link
            raise SubmissionRejected(f"the zip holds a symbolic link ({info.filename!r}); "
                                     "symbolic links are not accepted, zip the file itself")
        if info.create_system == 3 and mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise SubmissionRejected(f"the zip holds a special file ({info.filename!r}); only plain files are accepted")
        if info.flag_bits & 0x1:
            raise SubmissionRejected(f"the zip is password-protected ({info.filename!r}); submit it without a password")
        if info.is_dir() or not name:
            continue
        key = name.casefold()
        if key in seen:
            raise SubmissionRejected(f"the zip holds two entries named {seen[key]!r}")
        seen[key] = name
        files.append((info, name))
    return files


def safe_extract(data: bytes, dest: Path, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> list[Path]:
    """Unpack zip bytes into the (empty) folder dest; returns the files written."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - whatever a crafted archive makes zipfile raise
        raise SubmissionRejected(f"the file is not a valid zip archive ({type(e).__name__}: {e})") from None
    with zf:
        files = check_zip(zf, max_files, max_bytes)
        if not files:
            raise SubmissionRejected("the zip archive is empty (it holds no files)")
        written, total = [], 0
        for info, name in files:
            target = (root / name)
            try:
                if not target.resolve().is_relative_to(root):  # belt and braces after _safe_name
                    raise SubmissionRejected(f"the zip has an entry pointing outside its folder ({info.filename!r})")
                # A file and a folder of the same name, a name too long for the filesystem: the
                # student's zip, so a `rejected` row (below), never a grader failure.
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(_CHUNK):
                        total += len(chunk)
                        if total > max_bytes:
                            raise SubmissionRejected(
                                f"the zip unpacks to more than the limit of {_mb(max_bytes)} "
                                "(a zip bomb?); unpacking stopped")
                        dst.write(chunk)
            except SubmissionRejected:
                raise
            except OSError as e:
                raise SubmissionRejected(f"the zip's entry {info.filename!r} cannot be unpacked here "
                                         f"({e.strerror or e})") from None
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, ValueError) as e:
                raise SubmissionRejected(f"the zip is damaged: {info.filename!r} cannot be unpacked ({e})") from None
            written.append(target)
        return written


# --- folders: read on the client, packed as a deterministic zip for transport ---------------

def _skipped(rel_parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p.startswith("__") or p in SKIPPED_PARTS for p in rel_parts)


def folder_files(folder: Path, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> list[tuple[str, Path]]:
    """(relative path, path) of the files of a student's folder, sorted; hidden (`.x`) and
    `__x` entries are left out. Symbolic links, too many files or too many bytes raise
    SubmissionRejected (a folder is held to the same caps as a zip)."""
    try:
        return _folder_files(Path(folder), max_files, max_bytes)
    except RecursionError:  # os.walk recurses once per level on Python 3.11
        raise SubmissionRejected("the folder is nested too deeply (hundreds of levels of folders)") from None


def _folder_files(folder: Path, max_files: int, max_bytes: int) -> list[tuple[str, Path]]:
    found, total = [], 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        rel_here = here.relative_to(folder).parts
        if len(rel_here) >= MAX_DEPTH:
            raise SubmissionRejected(f"the folder is nested more than {MAX_DEPTH} folders deep "
                                     f"({'/'.join(rel_here)[:80]}...)")
        for d in list(dirnames):
            if (here / d).is_symlink():
                raise SubmissionRejected(f"the folder holds a symbolic link ({'/'.join(rel_here + (d,))}); "
                                         "symbolic links are not accepted")
            if _skipped(rel_here + (d,)):
                dirnames.remove(d)
        dirnames.sort()
        for f in sorted(filenames):
            rel = rel_here + (f,)
            if _skipped(rel):
                continue
            path = here / f
            try:
                "/".join(rel).encode("utf-8")
            except UnicodeEncodeError:
                raise SubmissionRejected(f"the folder holds a file whose name is not UTF-8 ({'/'.join(rel)!r})") from None
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                raise SubmissionRejected(f"the folder holds a symbolic link ({'/'.join(rel)}); "
                                         "symbolic links are not accepted")
            if not stat.S_ISREG(st.st_mode):
                raise SubmissionRejected(f"the folder holds a special file ({'/'.join(rel)})")
            total += st.st_size
            found.append(("/".join(rel), path))
            if len(found) > max_files:
                raise SubmissionRejected(f"the folder holds more than {max_files:,} files")
            if total > max_bytes:
                raise SubmissionRejected(f"the folder holds more than {_mb(max_bytes)}")
    return sorted(found)


def folder_digest(files: list[tuple[str, Path]]) -> str:
    h = hashlib.sha256(b"folder\0")
    for rel, path in files:
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def pack_files(files: list[tuple[str, Path]]) -> bytes:
    """A deterministic zip of the given files (autograder.files.pack: fixed times, sorted, 0644)."""
    return pack({rel: path.read_bytes() for rel, path in files}, compresslevel=6, executable=frozenset())
