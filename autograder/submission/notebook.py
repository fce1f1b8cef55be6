"""A notebook's code cells as one module: IPython-only lines removed, IPython's display() and
get_ipython() given their plain-Python meaning, malformed notebooks refused with the reason (see
notebook_code)."""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize

from .. import text as T
from .errors import SubmissionRejected

# Lines only IPython understands: `%magic`, `!shell`, `x = !ls`, `x = %time f()`, `?obj`, `obj?`, `obj??`.
IPYTHON_LINE_RE = re.compile(r"^\s*(?:[%!]|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]"
                             r"|\?+\s*[A-Za-z_]|[A-Za-z_][\w.]*\?{1,2}\s*$)")


def _protected_lines(src: str) -> set[int]:
    """1-based numbers of lines that are not the start of a statement: inside a multi-line
    string or inside open brackets. A `%` or `!` there is Python, not IPython."""
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


def strip_ipython(src: str) -> str:
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


# Outside a running kernel IPython's display() prints its objects and get_ipython() returns None
# (IPython.display.display and IPython.get_ipython do exactly this when no shell is initialised); a
# notebook uses both without importing them. One line, in the submission's own module, calling only
# the submission's own print: it adds no power. Only the names the code reads are defined.
IPYTHON_NAMES = {"display": "display = lambda *objs, **kwargs: print(*objs)",
                 "get_ipython": "get_ipython = lambda: None"}


def prelude_line(names) -> str:
    """The grader's line defining these of IPYTHON_NAMES, in IPYTHON_NAMES' order."""
    return "; ".join(v for k, v in IPYTHON_NAMES.items() if k in names) + \
        "  # added by the grader: IPython's names outside a notebook"


def _leading(stmt: ast.stmt, first: bool) -> bool:
    """A statement that must stay before any other: the module docstring, a __future__ import."""
    if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
        return True
    return first and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
        and isinstance(stmt.value.value, str)


def with_ipython_names(src: str) -> tuple[str, int]:
    """The notebook's module with prelude_line on a line of its own before its first statement
    (after a docstring and __future__ imports), when the code reads `display` or `get_ipython`;
    and the number of that line (0: nothing added: neither name read, or code Python cannot
    parse anyway)."""
    if not any(name in src for name in IPYTHON_NAMES):
        return src, 0
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return src, 0  # reported as it is (a syntax error names its own cell and line)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in IPYTHON_NAMES}
    if not names:
        return src, 0
    at = 1
    for i, stmt in enumerate(tree.body):
        if not _leading(stmt, i == 0):
            if stmt.lineno < at:
                return src, 0  # `from __future__ import x; display(y)` on one line: left as it is
            break
        at = stmt.end_lineno + 1
    lines = src.split("\n")
    lines.insert(at - 1, prelude_line(names))
    return "\n".join(lines), at


def _ipython_call(node) -> bool:
    """`get_ipython().anything(...)`: how nbconvert writes a magic or a shell escape in a .py."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call) and not node.func.value.args
            and isinstance(node.func.value.func, ast.Name) and node.func.value.func.id == "get_ipython")


def strip_exported_ipython(src: str) -> tuple[str, int]:
    """A notebook exported as a .py (Jupyter's "Download as Python", nbconvert --to script) with
    its IPython-only lines made `pass`, as strip_ipython does in a notebook: statements that are
    `get_ipython().run_line_magic(...)`, `.system(...)`, `.run_cell_magic(...)` (the whole %%
    cell, as a notebook's), or `x = get_ipython().getoutput(...)`, each on lines of its own.
    Returns the source and how many were removed; code Python cannot parse is left as it is."""
    if "get_ipython" not in src:
        return src, 0
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return src, 0
    lines = src.split("\n")
    removed = 0
    for stmt in ast.walk(tree):
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        if value is None or not _ipython_call(value):
            continue
        first, last = lines[stmt.lineno - 1], lines[stmt.end_lineno - 1]
        indent = first[: len(first) - len(first.lstrip())]
        tail = last.encode("utf-8")[stmt.end_col_offset:].decode("utf-8", "replace").strip()
        if stmt.col_offset != len(indent) or (tail and not tail.startswith("#")):
            continue  # shares its line with another statement (`a = 1; get_ipython()...`): left
        lines[stmt.lineno - 1] = f"{indent}pass  # IPython-only line removed"
        for n in range(stmt.lineno, stmt.end_lineno):
            lines[n] = ""  # the statement's other lines: line numbers are kept
        removed += 1
    return "\n".join(lines), removed


def _without_outputs(pairs: list) -> dict:
    """Cell outputs and attachments are dropped as soon as they are parsed: never graded."""
    return {k: v for k, v in pairs if k not in ("outputs", "attachments")}


class JsonValueCount:
    """An upper bound on the number of values a notebook's JSON would build, counted at C speed
    over its bytes or text, whole or in pieces: every value but a container's first is preceded
    by a comma, strings have two quotes."""

    def __init__(self):
        self.quotes = self.marks = 0

    def feed(self, data: bytes | str) -> None:
        q, o, b, c = (('"', "[", "{", ",") if isinstance(data, str) else (b'"', b"[", b"{", b","))
        self.quotes += data.count(q)
        self.marks += data.count(o) + data.count(b) + data.count(c)

    def check(self, name: str) -> None:
        values = self.quotes // 2 + self.marks
        if values > T.JSON_VALUES:
            raise SubmissionRejected(f"{name} holds about {values:,} JSON values, more than the limit of "
                                     f"{T.JSON_VALUES:,}; clear its outputs (Kernel > Restart & Clear Output), "
                                     "save and submit again")


def check_json_size(data: bytes | str, name: str) -> None:
    """Refuse a notebook whose JSON would build too many values, before it is decoded or parsed.
    Run on the raw bytes, a refused notebook costs the grader no more memory than the bytes it sent."""
    count = JsonValueCount()
    count.feed(data)
    count.check(name)


def _parse(text: str, name: str):
    check_json_size(text, name)  # again: callers may hand over text that never was bytes here
    try:
        return json.loads(text, object_pairs_hook=_without_outputs)
    except json.JSONDecodeError as e:
        raise SubmissionRejected(f"{name} is not a valid Jupyter notebook (not notebook JSON: {e})") from None
    except RecursionError:
        raise SubmissionRejected(f"{name} is not a valid Jupyter notebook (its JSON is nested too deeply "
                                 "to read)") from None


def notebook_source(text: str, name: str) -> str:
    """The code cells of a notebook as one module (see notebook_code)."""
    return notebook_code(text, name)[0]


def notebook_code(text: str, name: str) -> tuple[str, tuple[tuple[int, int], ...], int]:
    """The code cells of a notebook as one module; IPython magics, shell escapes (`!cmd`,
    `x = !cmd`), help lines (`obj?`), whole `%%` cell-magic cells and statements that are
    get_ipython() magic calls removed; `display` and `get_ipython` defined when the code uses them
    (with_ipython_names). Also where each line came from: (first line in the
    module, cell number) for each code cell kept, and the line of the display prelude (0: none).

    Anything that is not a notebook as nbformat writes it is rejected with the reason: JSON
    nested deeper than the parser's recursion limit, cells that are not objects, a `source`
    that is not text or a list of text, more code than SOURCE_CHARS."""
    nb = _parse(text, name)
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        what = "no 'cells' list" if isinstance(nb, dict) else f"a JSON {type(nb).__name__}, not an object"
        raise SubmissionRejected(f"{name} is not a valid Jupyter notebook (expected notebook JSON, found {what})")
    chunks, total, start, kept = [], 0, 1, []
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
        chunks.append(strip_ipython(src))
        kept.append((start, number))
        start += chunks[-1].count("\n") + 2  # the cell's lines, then the blank line joining the next
    if not any(c.strip() for c in chunks):
        raise SubmissionRejected(f"{name} has no code cells to grade")
    # magics written out as get_ipython() calls (as a .py export has them) are IPython-only too
    source, _ = strip_exported_ipython("\n\n".join(chunks) + "\n")
    source, prelude = with_ipython_names(source)
    return source, tuple(kept), prelude
