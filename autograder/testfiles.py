"""Otter exception-based test files: loading them with otter's own machinery, and stripping
hidden cases for the student copy without changing the points of the cases that remain."""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import sys
import threading
import types
from dataclasses import dataclass
from pathlib import Path


def _otter_without_its_api() -> None:
    """Let `otter.test_files` load without otter/__init__.py, which imports otter's whole API
    (nbconvert, pandas: seconds of start-up in every grading process, issue 16) for nothing the
    judge uses. The stand-in package completes itself (runs the real __init__) the first time
    something asks it for an attribute it lacks (otter.Notebook, otter.__version__)."""
    if "otter" in sys.modules:
        return
    spec = importlib.util.find_spec("otter")
    if spec is None or not spec.submodule_search_locations or not spec.origin:
        return
    package = types.ModuleType("otter")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__, package.__file__, package.__package__ = spec, spec.origin, "otter"

    def complete(name: str):
        if package.__dict__.pop("__getattr__", None) is not None:
            exec(compile(Path(spec.origin).read_text(encoding="utf-8"), spec.origin, "exec"), package.__dict__)
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module 'otter' has no attribute {name!r}") from None

    package.__getattr__ = complete
    sys.modules["otter"] = package


_otter_without_its_api()
from otter.test_files import ExceptionTestFile  # noqa: E402 - after the stand-in above


@dataclass(frozen=True)
class CaseInfo:
    name: str
    function: str  # the test function's name in the file
    points: float
    hidden: bool


_LOADING = threading.RLock()


def helper_names(tests_dir: Path) -> list[str]:
    """Module names of the test helpers beside the test files (tests/_<name>.py)."""
    return sorted(p.stem for p in Path(tests_dir).glob("_*.py") if p.name != "__init__.py")


def load(path: Path, source: str | None = None, shared: tuple[Path, ...] = ()) -> ExceptionTestFile:
    """Parse a test file exactly as otter does (points resolved by otter's rules).

    The test file's folder is on sys.path while it runs, so it can import its assignment's
    helpers (`from _checks import close`) as it does under a student's `otter check`, where
    they sit in the working directory; `shared` folders come after it (the course's shared
    helpers, which a bundle carries in tests/ but a course's source tree keeps apart). Helper
    modules are imported afresh for each file: two assignments may both have a `_checks` and
    must not share the first one loaded."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if source is None else source
    folders = [str(Path(f).resolve()) for f in (path.parent, *shared)]
    names = sorted({n for f in (path.parent, *shared) for n in helper_names(f)})
    with _LOADING:  # sys.path and sys.modules are process-wide: one load at a time
        for name in names:
            sys.modules.pop(name, None)
        sys.path[0:0] = folders
        try:
            return ExceptionTestFile.from_string(text, path=str(path))
        finally:
            for folder in folders:
                with contextlib.suppress(ValueError):
                    sys.path.remove(folder)
            for name in names:
                sys.modules.pop(name, None)  # the loaded test functions keep their own reference


def cases(test_file: ExceptionTestFile) -> list[CaseInfo]:
    return [CaseInfo(tc.name, tc.body.test_func.__name__, float(tc.points), bool(tc.hidden))
            for tc in test_file.test_cases]


def _is_test_case_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Name) and target.id == "test_case") or (
        isinstance(target, ast.Attribute) and target.attr == "test_case")


def _decorator_kw(node: ast.expr, key: str):
    if isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg == key:
                return ast.literal_eval(kw.value)
    return None


def strip_hidden(source: str, path: str = "<test>", shared: tuple[Path, ...] = ()) -> str:
    """Remove every `@test_case(hidden=True)` function; pin the points of the rest.

    Otter spreads a file-level `points` over cases that state none, so removing cases would
    change what the remaining ones are worth. The rewritten file states each remaining case's
    resolved points and a file-level total equal to their sum.
    """
    resolved = {c.function: c.points for c in cases(load(Path(path), source, shared))}
    tree = ast.parse(source, filename=path)
    lines = source.splitlines(keepends=True)
    drop: list[tuple[int, int]] = []  # 1-based inclusive line ranges
    public_total = 0.0
    needs_unparse = False
    points_line: ast.Assign | None = None

    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "points" for t in node.targets):
            points_line = node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        decorators = [d for d in node.decorator_list if _is_test_case_decorator(d)]
        if not decorators:
            continue
        if _decorator_kw(decorators[0], "hidden"):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            while start > 1 and lines[start - 2].lstrip().startswith("#"):
                start -= 1  # a comment right above a hidden case describes it: it goes too
            drop.append((start, node.end_lineno))
            continue
        public_total += resolved[node.name]
        if _decorator_kw(decorators[0], "points") is None:
            needs_unparse = True
            deco = decorators[0]
            if not isinstance(deco, ast.Call):
                deco = ast.Call(func=deco, args=[], keywords=[])
                node.decorator_list[node.decorator_list.index(decorators[0])] = deco
            deco.keywords.append(ast.keyword("points", ast.Constant(resolved[node.name])))

    total = int(public_total) if float(public_total).is_integer() else public_total
    if needs_unparse:
        # Comments are lost on this path; test files that state every case's points avoid it.
        tree.body = [n for n in tree.body if not any(
            s <= getattr(n, "lineno", 0) <= e for s, e in drop)]
        for n in tree.body:
            if n is points_line:
                n.value = ast.Constant(total)
        return ast.unparse(tree) + "\n"

    keep = []
    for i, line in enumerate(lines, start=1):
        if any(s <= i <= e for s, e in drop):
            continue
        if points_line is not None and i == points_line.lineno:
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}points = {total}\n"
        keep.append(line)
    # Collapse the blank runs left where hidden cases stood.
    out, blank = [], 0
    for line in keep:
        blank = blank + 1 if not line.strip() else 0
        if blank <= 2:
            out.append(line)
    return "".join(out).rstrip() + "\n"


def hidden_functions(source: str) -> list[ast.FunctionDef]:
    """The hidden test-case functions of a test file (for the leak guard)."""
    tree = ast.parse(source)
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for d in node.decorator_list:
                if _is_test_case_decorator(d) and _decorator_kw(d, "hidden"):
                    found.append(node)
    return found
