"""One file's bytes to the source of the module to grade: UTF-8, no NUL, within the limits,
parseable by Python's parser; a notebook's code cells (notebook.py). Code keeps where each line
came from, so a syntax error can be named as the student would find it (file, cell, line)."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from pathlib import Path

from .. import text as T
from .errors import READABLE, SubmissionRejected, file_limit, too_big, wrong_kind
from .notebook import check_json_size, notebook_code, strip_exported_ipython, with_ipython_names


@dataclass(frozen=True)
class Code:
    """The module source to grade, and for a notebook where its lines came from."""
    source: str
    cells: tuple[tuple[int, int], ...] = ()  # a notebook's: (first line in source, cell number) per code cell kept
    prelude: int = 0                          # the grader's IPython-names line (notebook.with_ipython_names), 0: none

    def where(self, line: int) -> str:
        """A line of the source as the student finds it: `line 12`, or `code cell 4, line 2`."""
        if self.prelude and line > self.prelude:
            line -= 1
        start, number = max(((s, n) for s, n in self.cells if s <= line), default=(1, 0))
        return f"code cell {number}, line {line - start + 1}" if number else f"line {line}"


def find_syntax_error(source: str) -> tuple[str, int] | None:
    """Python's own complaint about the source, as the runner's compile() makes it: (message,
    line), or None when it compiles or when the compiler gives up (too deep, out of memory:
    left to the runner, which reports it as it always did). Compiling runs none of the code."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning and friends: the runner shows its own
            compile(source, "<submission>", "exec", dont_inherit=True)  # as the runner does
    except SyntaxError as e:
        return str(e.msg), int(e.lineno or 0)
    except (ValueError, MemoryError, RecursionError, OverflowError):
        return None
    return None


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
        line = data[:e.start].count(b"\n") + 1  # the editor's line: what a student can find
        raise SubmissionRejected(f"{name} is not UTF-8 text (line {line}, byte {e.start}: {data[e.start:e.start + 1]!r}): "
                                 "it was saved in another encoding (Windows' ANSI, Latin-1); save it as UTF-8") from None


def _check_kind_and_size(name: str, size: int) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in READABLE:
        raise SubmissionRejected(wrong_kind(name))
    limit = file_limit(suffix, 0)
    if size > limit:
        raise SubmissionRejected(too_big(name, size, limit))
    return suffix


def code_from_bytes(data: bytes, name: str) -> Code:
    """The module of a .py or .ipynb file's content; `name` is the file's name as the student
    sent it (messages name it)."""
    suffix = _check_kind_and_size(name, len(data))
    if suffix == ".ipynb":
        check_json_size(data, name)  # before decoding: a refused notebook costs only its bytes
    text = decode_source(data, name)
    if suffix == ".ipynb":
        source, cells, prelude = notebook_code(text, name)
        return Code(check_source(source, name), cells, prelude)
    if not text.strip():
        raise SubmissionRejected(f"{name} is empty")
    text, exported = strip_exported_ipython(text)
    if exported:  # a notebook saved as a .py: graded as that notebook would be, IPython's names included
        text, prelude = with_ipython_names(text)
        return Code(check_source(text, name), (), prelude)
    return Code(check_source(text, name))


def code_from_file(path: Path) -> Code:
    path = Path(path)
    _check_kind_and_size(path.name, path.stat().st_size)  # before reading a byte of it
    return code_from_bytes(path.read_bytes(), path.name)


def source_from_bytes(data: bytes, name: str) -> str:
    return code_from_bytes(data, name).source


def source_from_file(path: Path) -> str:
    return code_from_file(path).source
