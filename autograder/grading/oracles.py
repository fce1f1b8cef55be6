"""Precomputed oracle results: the judge's reference outputs, made once when the course is built.

A test's oracle (a Keras layer's output, scipy's correlation of a fixed image, TensorFlow's
gradients) depends on the test's inputs only, never on the student. The assignments' test helpers
already keep each result for the life of a grading process (`_checks.oracle`); this module keeps
them across processes: the build grades the reference solution once with recording on (`python -m
autograder.grading.recorder ...`), and the results travel in the grading bundle
(`oracles.bin`). A grading process then finds most oracles there and never imports TensorFlow for
them: the first submission of a batch, and every Gradescope submission, skips seconds of work.

Correctness does not depend on the file. A result is used only when the file was made with the
same versions of the numeric libraries as the grading process, and only for the exact key the
helper computed (function and a content digest of its inputs); anything else is computed as
before. A damaged or foreign file is ignored, with one line on stderr naming it.

Helpers reach this module with `from autograder.grading import oracles` inside a try: the copies
students run have no `autograder` package, and compute everything.

File: b"ORACLES2\\n", u32 header length, a UTF-8 JSON header {"versions": {...}, "entries":
{digest: tree}, "bufs": [lengths]}, then the buffers; trees and buffers are the sandbox wire's
value format (data only, never pickle).
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path

from ..bundle_format import ORACLE_LIBRARIES, ORACLES, ORACLES_MAGIC, library_versions
from ..sandbox.decoder import Decoder
from ..sandbox.encoder import Encoder

MAGIC = ORACLES_MAGIC
_LEN = struct.Struct("!I")
MISSING = object()

_active: dict[str, object] = {}  # digest -> decoded value, for the bundle being graded
_loaded_from: tuple[str, int] | None = None
_recording: dict[str, object] | None = None  # digest -> value, while the build records


class OracleFileError(ValueError):
    """An oracles.bin that cannot be read; the message names the file and the problem."""


def versions() -> dict[str, str]:
    """What a store made now depends on: Python's minor version and the numeric libraries this
    process has imported (an image-only assignment's store does not ask for TensorFlow)."""
    used = [module for module in ORACLE_LIBRARIES if module in sys.modules]
    return {"python": f"{sys.version_info[0]}.{sys.version_info[1]}", **library_versions(used)}


def _installed(recorded: dict) -> dict[str, str]:
    names = [k for k in recorded if k != "python"]
    return {"python": f"{sys.version_info[0]}.{sys.version_info[1]}", **library_versions(names)}


def digest(key) -> str:
    """The store's name for a helper's key: a tuple of strings, numbers and bytes (digests of the
    inputs' content), whose repr is the same in every process."""
    return hashlib.blake2b(repr(key).encode("utf-8", "backslashreplace"), digest_size=20).hexdigest()


def _origin(function) -> tuple:
    """Where a reference function comes from, the same in every process: its test file's name and
    line for the tests' own functions (two test files may both have a `_reference`), its module
    otherwise."""
    code = getattr(function, "__code__", None)
    if code is not None:
        return (Path(code.co_filename).name, code.co_firstlineno)
    return (getattr(function, "__module__", None),)


def cached(key, function, args: tuple):
    """function(*args) for a helper's oracle `key`: the stored result when the active store has
    it, else computed (and kept when recording). The helper's own per-process cache sits above."""
    name = digest((_origin(function), key))
    if _recording is None and _active:
        value = _active.get(name, MISSING)
        if value is not MISSING:
            return value
    value = function(*args)
    if _recording is not None:
        _recording[name] = value
    return value


def dumps(entries: dict[str, object], libraries: dict[str, str] | None = None) -> bytes:
    """The file's bytes; entries whose value is not plain data (the wire refuses it) are left
    out, so those oracles are computed at grading time as before."""
    enc = Encoder()  # one encoder: buffer indices count across all entries
    trees = {}
    for name in sorted(entries):
        before = len(enc.buffers)
        try:
            trees[name] = enc.encode(entries[name])
        except (TypeError, ValueError, RecursionError):
            del enc.buffers[before:]
    buffers = [bytes(memoryview(b).cast("B")) for b in enc.buffers]
    header = {"versions": libraries if libraries is not None else versions(), "entries": trees,
              "bufs": [len(b) for b in buffers]}
    head = json.dumps(header, sort_keys=True, separators=(",", ":"), allow_nan=True).encode()
    return MAGIC + _LEN.pack(len(head)) + head + b"".join(buffers)


def loads(data: bytes, where: str = "oracles.bin") -> tuple[dict[str, str], dict[str, object]]:
    """(versions, {digest: value}); OracleFileError naming `where` when the bytes are not a store."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _LEN.size:
        raise OracleFileError(f"{where}: not an oracle store (bad header)")
    at = len(MAGIC)
    (n,) = _LEN.unpack_from(data, at)
    at += _LEN.size
    try:
        header = json.loads(data[at:at + n])
        sizes = header["bufs"]
        entries, libraries = header["entries"], header["versions"]
        if not (isinstance(sizes, list) and isinstance(entries, dict) and isinstance(libraries, dict)):
            raise TypeError("bad field types")
    except (ValueError, KeyError, TypeError) as e:
        raise OracleFileError(f"{where}: not an oracle store ({e})") from None
    at += n
    buffers = []
    for size in sizes:
        if type(size) is not int or size < 0 or at + size > len(data):
            raise OracleFileError(f"{where}: truncated (a buffer runs past the end of the file)")
        buffers.append(bytearray(data[at:at + size]))
        at += size
    if at != len(data):
        raise OracleFileError(f"{where}: {len(data) - at} bytes after the last buffer")
    values = {}
    for name, tree in entries.items():
        try:
            values[name] = Decoder(buffers).decode(tree)
        except Exception as e:  # noqa: BLE001 - any damage: the file is not used
            raise OracleFileError(f"{where}: entry {name[:12]} cannot be read ({type(e).__name__})") from None
    return libraries, values


def activate(bundle_root: Path | str) -> int:
    """Use the bundle's store, if it has one made with this process's library versions; returns
    how many results it offers (0: everything is computed). Reads the file once per process."""
    global _loaded_from
    path = Path(bundle_root) / ORACLES
    try:
        stat = path.stat()
    except OSError:
        _active.clear()
        _loaded_from = None
        return 0
    mark = (str(path.resolve()), stat.st_mtime_ns)
    if mark == _loaded_from:
        return len(_active)
    _active.clear()
    _loaded_from = mark
    try:
        libraries, values = loads(path.read_bytes(), str(path))
    except (OSError, OracleFileError) as e:
        print(f"note: {e}; its oracles are computed instead", file=sys.stderr)
        return 0
    here = _installed(libraries)
    if libraries != here:
        differ = sorted(k for k in set(libraries) | set(here) if libraries.get(k) != here.get(k))
        print(f"note: {path}: made with other library versions ({', '.join(differ)}); "
              "its oracles are computed instead", file=sys.stderr)
        return 0
    _active.update(values)
    return len(_active)


def start_recording() -> None:
    """From now on every oracle a helper computes is kept (recorder.py, at build time)."""
    global _recording
    _recording = {}


def stop_recording() -> dict[str, object]:
    global _recording
    kept, _recording = dict(_recording or {}), None
    return kept
