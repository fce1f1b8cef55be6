"""One file's bytes to the source of the module to grade: UTF-8, no NUL, within the limits,
parseable by Python's parser; a notebook's code cells (notebook.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from .. import text as T
from .errors import READABLE, SubmissionRejected, file_limit, too_big, wrong_kind
from .notebook import check_json_size, notebook_source


def check_source(source: str, name: str) -> str:
    """Code Python can take: UTF-8-encodable (no lone surrogates from a notebook's JSON), no NUL,
    within SOURCE_CHARS, and not nested so deeply that the parser itself gives up."""
    if len(source) > T.SOURCE_CHARS:
        raise SubmissionRejected(f"{name} holds more than {T.SOURCE_CHARS:,} characters of code (the limit)")
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as e:
        raise SubmissionRejected(f"{name} holds text that is not valid Unicode (character {e.start}: "
                                 f"{source[e.start]!r})") from None
    if "\x00" in source:
        raise SubmissionRejected(f"{name} holds a NUL character (\\x00), which Python source cannot contain")
    try:
        ast.parse(source)
    except (MemoryError, RecursionError):
        raise SubmissionRejected(f"{name} is nested too deeply for Python's parser (brackets, operators or "
                                 "blocks thousands of levels deep)") from None
    except (SyntaxError, ValueError):
        pass  # an ordinary syntax error: graded, and reported like any import error
    return source


def decode_source(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise SubmissionRejected(f"{name} is not a text file (it holds binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SubmissionRejected(f"{name} is not UTF-8 text (byte {e.start}: {data[e.start:e.start + 1]!r})") from None


def _check_kind_and_size(name: str, size: int) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in READABLE:
        raise SubmissionRejected(wrong_kind(name))
    limit = file_limit(suffix, 0)
    if size > limit:
        raise SubmissionRejected(too_big(name, size, limit))
    return suffix


def source_from_bytes(data: bytes, name: str) -> str:
    """The module source of a .py or .ipynb file's content; `name` is the file's name as the
    student sent it (messages name it)."""
    suffix = _check_kind_and_size(name, len(data))
    if suffix == ".ipynb":
        check_json_size(data, name)  # before decoding: a refused notebook costs only its bytes
    text = decode_source(data, name)
    if suffix == ".ipynb":
        return check_source(notebook_source(text, name), name)
    if not text.strip():
        raise SubmissionRejected(f"{name} is empty")
    return check_source(text, name)


def source_from_file(path: Path) -> str:
    path = Path(path)
    _check_kind_and_size(path.name, path.stat().st_size)  # before reading a byte of it
    return source_from_bytes(path.read_bytes(), path.name)
