"""Which functions a student writes, read from the stub/solution pair without running either.

A function is student-written when the solution marks an exercise in it (a `YOUR CODE` box:
a `# TODO` banner ... `# END OF YOUR CODE` banner, or a bare `# YOUR CODE` comment), or when the
stub's copy of it raises NotImplementedError. Only the lines inside the box are mutated (the
code around a box is given to students); a function found through the stub alone has its
whole body mutated, docstring excepted.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

RULE_RE = re.compile(r"^\s*#{20,}\s*$")
TODO_RE = re.compile(r"^\s*#\s*TODO\b")
END_RE = re.compile(r"^\s*#\s*END OF YOUR CODE\b")
BARE_RE = re.compile(r"^\s*#\s*YOUR CODE\b")


class MutantsError(Exception):
    """A problem with the assignment's sources or the equivalent list: the message names the file."""


@dataclass(frozen=True)
class Target:
    name: str                          # qualified: `f`, or `Class.method`, or `outer.inner`
    lineno: int                        # the `def` line (1-based)
    end_lineno: int
    regions: tuple[tuple[int, int], ...]  # 1-based inclusive line ranges that may be mutated
    fingerprint: str                   # of the solution function's code (comments and layout ignored)

    def covers(self, node: ast.AST) -> bool:
        first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if first is None or last is None:
            return False
        return any(a <= first and last <= b for a, b in self.regions)


def fingerprint(func: ast.AST) -> str:
    return hashlib.sha256(ast.unparse(func).encode()).hexdigest()[:12]


def functions(tree: ast.AST) -> dict[str, ast.AST]:
    """Every function (and method, and nested function) by qualified name, in source order."""
    found: dict[str, ast.AST] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.setdefault(name, child)
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _innermost(funcs: dict[str, ast.AST], lineno: int) -> str | None:
    best = None
    for name, node in funcs.items():
        if node.lineno <= lineno <= node.end_lineno and (best is None or node.lineno >= funcs[best].lineno):
            best = name
    return best


def _boxes(lines: list[str]) -> list[tuple[int, int]]:
    """1-based inclusive line ranges of box bodies (between the TODO banner and the END banner)."""
    boxes, i, start = [], 0, None
    while i < len(lines):
        if RULE_RE.match(lines[i]) and i + 1 < len(lines) and TODO_RE.match(lines[i + 1]):
            j = i + 1
            while j < len(lines) and not RULE_RE.match(lines[j]):
                j += 1
            start, i = j + 2, j + 1  # first body line, 1-based
            continue
        if END_RE.match(lines[i]) and start is not None:
            end = i - 1 if i > 0 and RULE_RE.match(lines[i - 1]) else i  # 1-based line before the rule
            boxes.append((start, end))
            start = None
        i += 1
    return boxes


def _body_region(func: ast.AST) -> tuple[int, int]:
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str) and len(body) > 1:
        body = body[1:]
    return body[0].lineno, func.end_lineno


def _raises_not_implemented(func: ast.AST) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def parse(path: Path, what: str) -> tuple[str, ast.Module]:
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MutantsError(f"{path}: the {what} file is missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise MutantsError(f"{path}: cannot read the {what}: {e}") from None
    try:
        return source, ast.parse(source, filename=str(path))
    except SyntaxError as e:
        raise MutantsError(f"{path}: line {e.lineno}: the {what} does not parse: {e.msg}") from None


def discover(solution: Path, stub: Path | None = None) -> tuple[str, list[Target]]:
    """The solution's source and its student-written functions, in source order."""
    source, tree = parse(solution, "solution")
    funcs = functions(tree)
    lines = source.splitlines()
    regions: dict[str, list[tuple[int, int]]] = {}
    for a, b in _boxes(lines):
        name = _innermost(funcs, a)
        if name is None:
            raise MutantsError(f"{solution}: line {a}: a YOUR CODE box outside any function")
        if b >= a:
            regions.setdefault(name, []).append((a, b))
    for n, line in enumerate(lines, 1):
        if BARE_RE.match(line):
            name = _innermost(funcs, n)
            if name is not None and name not in regions:
                regions[name] = [(n + 1, funcs[name].end_lineno)]
    if stub is not None and stub.is_file():
        _, stub_tree = parse(stub, "stub")
        for name, node in functions(stub_tree).items():
            if name in funcs and name not in regions and _raises_not_implemented(node):
                regions[name] = [_body_region(funcs[name])]
    targets = [Target(name, node.lineno, node.end_lineno, tuple(regions[name]), fingerprint(node))
               for name, node in funcs.items() if name in regions]
    if not targets:
        raise MutantsError(f"{solution}: no student-written function found (no YOUR CODE box, and no "
                           f"function of the stub raises NotImplementedError)")
    return source, targets


def _names_in(tree: ast.AST) -> set[str]:
    """Names a test file mentions: parameters, loaded names, attributes, strings (env["f"])."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)
    return names


def calls(tree: ast.AST, targets: list[Target]) -> dict[str, set[str]]:
    """For each student-written function, the other student-written functions it calls."""
    funcs = functions(tree)
    short = {t.name.rsplit(".", 1)[-1]: t.name for t in targets}
    out = {}
    for t in targets:
        used = {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(funcs[t.name])
                if isinstance(n, (ast.Name, ast.Attribute))}
        out[t.name] = {short[u] for u in used if u in short and short[u] != t.name}
    return out


def question_functions(tests_dir: Path, questions: list[str], tree: ast.AST,
                       targets: list[Target]) -> dict[str, set[str]]:
    """Which student-written functions each question's tests exercise: those its test file names
    (read, never run: test-case parameters, names, `env["f"]` strings), and the ones those call.
    Shared helpers (`tests/_*.py`) are not followed: they take the function as an argument."""
    short = {t.name.rsplit(".", 1)[-1]: t.name for t in targets}
    graph = calls(tree, targets)
    out: dict[str, set[str]] = {}
    for q in questions:
        path = Path(tests_dir) / f"{q}.py"
        try:
            names = _names_in(ast.parse(path.read_text(encoding="utf-8")))
        except (OSError, SyntaxError, UnicodeDecodeError):
            names = set()
        reached = {short[n] for n in names if n in short}
        todo = list(reached)
        while todo:
            for g in graph.get(todo.pop(), ()):
                if g not in reached:
                    reached.add(g)
                    todo.append(g)
        out[q] = reached
    return out
