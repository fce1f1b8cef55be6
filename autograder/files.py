"""Writing files so a kill never leaves half of one, zips whose bytes depend only on their
contents, content hashes, and a folder closed to other users: the one place for each (build,
batch, report, the sandbox and the Gradescope entry point all go through here).

Atomic write: a temp file in the same folder (so the rename cannot cross file systems), flush,
fsync, os.replace, then fsync of the folder (so the rename itself survives a power cut). A
reader sees the old file or the new one, never a mix.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: every entry gets it
EXECUTABLE = {"run_autograder", "setup.sh"}  # entries Gradescope runs: packed with mode 0755


def _file_mode() -> int:
    """What open() would give a new file under the current umask (mkstemp makes 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename is still atomic
    finally:
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)  # by name: os.fchmod is missing on Windows before Python 3.13
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)
    return path


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write data unless the file already holds exactly it (so a rerun leaves
    unchanged outputs, and their modification times, alone). True when written."""
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


def write_text_atomic(path: Path, text: str) -> bool:
    return write_if_changed(path, text.encode("utf-8"))


def json_bytes(data) -> bytes:
    """The one JSON layout of every file we write: sorted keys, indented, UTF-8, newline-ended.
    A lone surrogate (a runner's text may hold one: JSON's "\\ud800" decodes to it) is written
    as that escape, which reads back as the same string; UTF-8 cannot hold it, and one in a
    record stopped the whole batch (attack f04)."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace")


def pack(files: dict[str, bytes], compresslevel: int = 9, executable: frozenset[str] | set[str] = EXECUTABLE) -> bytes:
    """{path: bytes} as a zip whose bytes depend only on the contents: sorted names, fixed
    times, fixed permissions (0755 for the `executable` file names, 0644 otherwise)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permission bits below are honoured
            mode = 0o755 if Path(name).name in executable else 0o644
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, files[name], compresslevel=compresslevel)
    return buf.getvalue()


def pack_folder(root: Path, compresslevel: int = 9, skip: frozenset[str] | set[str] = frozenset()) -> bytes:
    """Every file under root (but the relative paths in `skip`), by its path relative to root,
    through pack()."""
    root = Path(root)
    return pack({rel: p.read_bytes() for p in sorted(root.rglob("*"))
                 if p.is_file() and (rel := p.relative_to(root).as_posix()) not in skip}, compresslevel)


def write_tree(files: dict[str, bytes], root: Path) -> Path:
    """{relative path: bytes} written under root (folders made as needed); returns root."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def environment_key() -> str:
    """Names the installed Python and every distribution installed in its site-packages (the
    names of the *.dist-info folders carry name and version): what a build output made by running
    code (generated assets, recorded oracles) may depend on. A cache named by it is never used
    after an upgrade. The same however Python was started (not sys.path, whose first entry is the
    script's folder or the working directory); folder names, not metadata: this runs at every
    `course grade` start."""
    import sys
    import sysconfig

    paths = sysconfig.get_paths()
    found = []
    for folder in sorted({paths["purelib"], paths["platlib"]}):
        try:
            found.extend(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sha256_hex(json.dumps([sys.version, sys.prefix, sorted(found)]))


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def json_key(data) -> str:
    """A content hash of JSON-able data (sorted keys, so dict order never changes it)."""
    return sha256_hex(json.dumps(data, sort_keys=True))


def close_to_others(folder: Path) -> str | None:
    """Take group and other users' access off `folder` (its contents then cannot be reached by
    another uid); None when done or already so, else why not."""
    try:
        mode = os.stat(folder).st_mode & 0o7777
        if mode & 0o077:
            os.chmod(folder, mode & 0o700)
    except OSError as e:
        return str(e)
    return None
