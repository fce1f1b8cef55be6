"""Turn what a student handed in (a .py, an .ipynb, or a folder holding one) into the source
of the module to grade. Problems become SubmissionRejected with a reason a person understands.
(Archives and batch inputs are unpacked safely by autograder.batch before they get here.)"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from .. import text as T


class SubmissionRejected(Exception):
    """The submission cannot be graded as handed in; the message says why."""


MAGIC_RE = re.compile(r"^\s*(%|!)")
# Lines only IPython understands: `%magic`, `!shell`, `x = !ls`, `x = %time f()`, `?obj`, `obj?`, `obj??`.
IPYTHON_LINE_RE = re.compile(r"^\s*(?:[%!]|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]"
                             r"|\?+\s*[A-Za-z_]|[A-Za-z_][\w.]*\?{1,2}\s*$)")


def _protected_lines(src: str) -> set[int]:
    """1-based numbers of lines that are not the start of a statement: inside a multi-line
    string or inside open brackets. A `%` or `!` there is Python, not IPython."""
    import io
    import tokenize
    protected: set[int] = set()
    depth, seen = 0, set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            row = tok.start[0]
            if row not in seen:
                seen.add(row)
                if depth > 0:
                    protected.add(row)
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                protected.update(range(tok.start[0] + 1, tok.end[0] + 1))
            elif tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth = max(0, depth - 1)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # IPython-only syntax can stop the tokenizer; what was learnt so far still holds
    return protected


def _strip_ipython(src: str) -> str:
    """Remove IPython-only lines from one code cell. An indented one becomes `pass` so the
    block it sat in stays valid Python; line numbers are kept."""
    lines = src.splitlines()
    if not any(IPYTHON_LINE_RE.match(line) for line in lines):
        return "\n".join(lines)  # nothing to strip: skip the (pure-Python, slow) tokenizer
    protected = _protected_lines(src)
    out = []
    for n, line in enumerate(lines, start=1):
        if n not in protected and IPYTHON_LINE_RE.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}pass  # IPython-only line removed" if indent else ""
        out.append(line)
    return "\n".join(out)


def _without_outputs(pairs: list) -> dict:
    """Cell outputs and attachments are dropped as soon as they are parsed: never graded."""
    return {k: v for k, v in pairs if k not in ("outputs", "attachments")}


def notebook_source(text: str, name: str) -> str:
    """The code cells of a notebook as one module; IPython magics, shell escapes (`!cmd`,
    `x = !cmd`), help lines (`obj?`) and whole `%%` cell-magic cells removed.

    Anything that is not a notebook as nbformat writes it is rejected with the reason: JSON
    nested deeper than the parser's recursion limit, cells that are not objects, a `source`
    that is not text or a list of text, more code than SOURCE_CHARS."""
    # An upper bound on the number of JSON values, at C speed: every value but a container's
    # first is preceded by a comma, strings have two quotes. It bounds what json.loads builds.
    values = text.count('"') // 2 + text.count("[") + text.count("{") + text.count(",")
    if values > T.JSON_VALUES:
        raise SubmissionRejected(f"{name} holds about {values:,} JSON values, more than the limit of "
                                 f"{T.JSON_VALUES:,}; clear its outputs (Kernel > Restart & Clear Output), "
                                 "save and submit again")
    try:
        nb = json.loads(text, object_pairs_hook=_without_outputs)
    except json.JSONDecodeError as e:
        raise SubmissionRejected(f"{name} is not a valid Jupyter notebook (not notebook JSON: {e})") from None
    except RecursionError:
        raise SubmissionRejected(f"{name} is not a valid Jupyter notebook (its JSON is nested too deeply "
                                 "to read)") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        what = "no 'cells' list" if isinstance(nb, dict) else f"a JSON {type(nb).__name__}, not an object"
        raise SubmissionRejected(f"{name} is not a valid Jupyter notebook (expected notebook JSON, found {what})")
    chunks, total = [], 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        if isinstance(src, list) and all(isinstance(line, str) for line in src):
            src = "".join(src)
        elif not isinstance(src, str):
            what = "a list holding non-text items" if isinstance(src, list) else f"a JSON {type(src).__name__}"
            raise SubmissionRejected(f"{name} is not a valid Jupyter notebook: code cell {number} has a 'source' "
                                     f"that is {what}; expected text or a list of lines of text")
        total += len(src)
        if total > T.SOURCE_CHARS:
            raise SubmissionRejected(f"{name} holds more than {T.SOURCE_CHARS:,} characters of code (the limit); "
                                     "submit the assignment's code only")
        if src.lstrip().startswith("%%"):
            continue  # a cell magic makes the whole cell non-Python (%%bash, %%time, ...)
        chunks.append(_strip_ipython(src))
    if not any(c.strip() for c in chunks):
        raise SubmissionRejected(f"{name} has no code cells to grade")
    return "\n\n".join(chunks) + "\n"


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


def source_from_file(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".py", ".ipynb"):
        raise SubmissionRejected(f"{path.name}: expected a .py or .ipynb file")
    size = path.stat().st_size
    limit = T.NOTEBOOK_BYTES if suffix == ".ipynb" else T.SOURCE_CHARS * 4  # UTF-8: up to 4 bytes a character
    if size > limit:
        raise SubmissionRejected(f"{path.name} is {size / 2**20:.1f} MB, more than the limit of "
                                 f"{limit / 2**20:.0f} MB for a {suffix} file")
    data = path.read_bytes()
    if suffix == ".ipynb":
        return check_source(notebook_source(decode_source(data, path.name), path.name), path.name)
    source = decode_source(data, path.name)
    if not source.strip():
        raise SubmissionRejected(f"{path.name} is empty")
    return check_source(source, path.name)


def pick_file(folder: Path, expected: str) -> Path:
    """The file to grade in a folder: the expected name anywhere inside, else the only .py/.ipynb."""
    try:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(
            part.startswith((".", "__")) for part in p.relative_to(folder).parts))
    except RecursionError:  # rglob recurses once per folder level
        raise SubmissionRejected("the submission's folders are nested too deeply to search") from None
    exact = [p for p in files if p.name == expected]
    nb = [p for p in files if p.name == Path(expected).stem + ".ipynb"]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        listed = ", ".join(str(p.relative_to(folder)) for p in exact)
        raise SubmissionRejected(f"two or more files named {expected}: {listed}")
    if len(nb) == 1:
        return nb[0]
    candidates = [p for p in files if p.suffix in (".py", ".ipynb")]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise SubmissionRejected(f"no {expected} (nor any .py or .ipynb file) in the submission")
    listed = ", ".join(str(p.relative_to(folder)) for p in candidates[:5])
    raise SubmissionRejected(f"no file named {expected}, and several candidates ({listed}): submit {expected}")


def read_submission(path: Path, expected: str) -> str:
    path = Path(path)
    if path.is_dir():
        return source_from_file(pick_file(path, expected))
    if not path.is_file():
        raise SubmissionRejected(f"{path} does not exist")
    return source_from_file(path)
