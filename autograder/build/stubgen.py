"""Step: the student stub, generated from the solution (the solution is the one source).

Each exercise in `solutions/<slug>/<slug>.py` is a box inside a function:

    ###########################################################################
    # TODO: what to do (one or more comment lines).                           #
    ###########################################################################
    ...solution code...
    # Hint: a comment starting `# Hint:` stays in the stub, with the comment
    #   lines right after it that are indented further (`#   ...`).
    ...solution code...
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################

The stub is the solution with each box's body replaced by its hint comments and
`raise NotImplementedError("<function>")`; everything outside the boxes is copied verbatim.
A box that does not close, closes twice, or sits outside a function is a ConfigError
naming the solution file and the line.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import Assignment, ConfigError, SourcePair

RULE_RE = re.compile(r"^\s*#{20,}\s*$")
TODO_RE = re.compile(r"^\s*#\s*TODO\b")
END_RE = re.compile(r"^\s*#\s*END OF YOUR CODE\s*#?\s*$")
HINT_RE = re.compile(r"^\s*#\s*Hint:")
HINT_MORE_RE = re.compile(r"^\s*#\s{2,}\S")  # `#   more of the hint`


@dataclass(frozen=True)
class Box:
    function: str
    indent: str
    body_start: int  # 0-based index of the first body line (after the TODO banner)
    body_end: int    # 0-based index of the END banner's opening rule (exclusive end of the body)


def _function_at(tree: ast.AST, lineno: int) -> str | None:
    """The innermost function whose lines include `lineno` (1-based)."""
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= lineno <= node.end_lineno:
            if best is None or node.lineno > best.lineno:
                best = node
    return best.name if best else None


def find_boxes(source: str, path: Path | str = "<solution>") -> list[Box]:
    path = Path(path)
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as e:
        raise ConfigError(path, f"line {e.lineno}", f"solution does not parse: {e.msg}") from None
    lines = source.splitlines()
    boxes: list[Box] = []
    i = 0
    open_at: int | None = None  # line index of the open box's TODO banner
    while i < len(lines):
        line = lines[i]
        opens = RULE_RE.match(line) and i + 1 < len(lines) and TODO_RE.match(lines[i + 1])
        closes = RULE_RE.match(line) and i + 1 < len(lines) and END_RE.match(lines[i + 1])
        if opens:
            if open_at is not None:
                raise ConfigError(path, f"line {open_at + 2}",
                                  f"YOUR CODE box opened here has no END OF YOUR CODE banner "
                                  f"before the next box at line {i + 2}")
            j = i + 1
            while j < len(lines) and lines[j].lstrip().startswith("#") and not RULE_RE.match(lines[j]):
                j += 1
            if j >= len(lines) or not RULE_RE.match(lines[j]):
                raise ConfigError(path, f"line {i + 2}", "TODO banner is not closed by a line of #")
            open_at, body_start, indent = i, j + 1, line[: len(line) - len(line.lstrip())]
            i = j + 1
            continue
        if closes:
            if open_at is None:
                raise ConfigError(path, f"line {i + 2}", "END OF YOUR CODE banner without a TODO banner above it")
            if i + 2 >= len(lines) or not RULE_RE.match(lines[i + 2]):
                raise ConfigError(path, f"line {i + 2}", "END OF YOUR CODE banner is not closed by a line of #")
            function = _function_at(tree, open_at + 2)
            if function is None:
                raise ConfigError(path, f"line {open_at + 2}", "YOUR CODE box is not inside a function")
            boxes.append(Box(function, indent, body_start, i))
            open_at = None
            i += 3
            continue
        if END_RE.match(line) or TODO_RE.match(line) and i > 0 and RULE_RE.match(lines[i - 1]):
            raise ConfigError(path, f"line {i + 1}", "banner line without its line of # around it")
        i += 1
    if open_at is not None:
        raise ConfigError(path, f"line {open_at + 2}", "YOUR CODE box has no END OF YOUR CODE banner")
    return boxes


def _hints(body: list[str]) -> list[str]:
    kept, in_hint = [], False
    for line in body:
        if HINT_RE.match(line):
            kept.append(line.rstrip())
            in_hint = True
        elif in_hint and HINT_MORE_RE.match(line):
            kept.append(line.rstrip())
        else:
            in_hint = False
    return kept


def stub_source(solution: str, path: Path | str = "<solution>") -> str:
    """The stub for a solution's source text."""
    boxes = find_boxes(solution, path)
    if not boxes:
        raise ConfigError(Path(path), None, "no YOUR CODE box: a solution needs at least one exercise")
    lines = solution.splitlines()
    out, pos = [], 0
    for box in boxes:
        out.extend(lines[pos: box.body_start])
        out.extend(_hints(lines[box.body_start: box.body_end]))
        out.append(f'{box.indent}raise NotImplementedError("{box.function}")')
        pos = box.body_end
    out.extend(lines[pos:])
    return "\n".join(out) + "\n"


def generate(assignment: Assignment | SourcePair) -> str:
    """The stub text for an assignment (the build step: assignment -> stub source)."""
    return stub_source(assignment.solution.read_text(encoding="utf-8"), assignment.solution)


def out_of_date(assignment: Assignment | SourcePair) -> str | None:
    """None when the committed stub equals the generated one, else a short unified diff."""
    want = generate(assignment)
    have = assignment.stub.read_text(encoding="utf-8") if assignment.stub.is_file() else ""
    if want == have:
        return None
    rel_stub = assignment.stub.relative_to(assignment.root)
    diff = difflib.unified_diff(have.splitlines(), want.splitlines(),
                                f"{rel_stub} (committed)", f"{rel_stub} (generated)", lineterm="", n=1)
    return "\n".join(list(diff)[:40])


def write(assignment: Assignment | SourcePair) -> bool:
    """Write the generated stub; True when the file changed."""
    want = generate(assignment)
    if assignment.stub.is_file() and assignment.stub.read_text(encoding="utf-8") == want:
        return False
    assignment.stub.write_text(want, encoding="utf-8")
    return True
