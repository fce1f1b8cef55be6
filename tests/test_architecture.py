"""The layout rule of autograder/ (docs/ARCHITECTURE.md), checked on the source itself:

(a) imports point down the layer table below and no group of modules imports itself round;
(b) no module is over MAX_LINES lines;
(c) no run of RUN or more logic lines is shared by two modules (a copy to fold into one place).

Everything is read with ast from the files on disk: nothing is imported, nothing runs.
(The committed stubs equal the generated ones: tests/test_stubs.py.)
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "autograder"
MAX_LINES = 400
RUN = 6

# Lowest first; a module may import its own layer and the layers below it, never above.
# The data flows config -> build -> bundle -> sandbox -> grading -> batch -> report -> cli;
# bundle_format sits below build because the build writes it (and the runtime reads it without
# the build). The command level (cli.py, commands/, validate, gradescope, mutants) joins them.
LAYERS: list[tuple[str, set[str]]] = [
    ("base", {"autograder", "text", "status", "messages", "files", "testfiles", "tfquiet"}),
    ("config", {"config"}),
    ("formats", {"bundle_format", "submission"}),
    ("build", {"build"}),
    ("sandbox", {"sandbox"}),
    ("grading", {"grading"}),
    ("batch", {"batch"}),
    ("report", {"report"}),
    ("cli", {"cli", "__main__", "commands", "validate", "gradescope", "mutants"}),
]
LEVEL = {top: i for i, (_, tops) in enumerate(LAYERS) for top in tops}
# What runs inside the Gradescope zip and the batch workers reads the bundle through
# bundle_format, never through the build package.
RUNTIME = {"bundle_format", "submission", "sandbox", "grading", "gradescope"}


def module_name(path: Path, base: Path = PACKAGE.parent) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def top(module: str) -> str:
    """The layer key of a module: its first part under autograder (autograder itself for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(imported autograder module, line) for every import in the file, function-level ones too
    (an import inside a function is still a dependency), `if TYPE_CHECKING:` ones aside.
    `from X import y` counts as importing X.y when that is a module, else X."""
    is_pkg = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only = set()  # `if TYPE_CHECKING:` imports never run: annotations only
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(range(node.lineno, node.end_lineno + 1))
    found = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub if sub in known else target, node.lineno))
    out = []
    for target, line in found:
        if target == "autograder" or target.startswith("autograder."):
            while target not in known and "." in target:  # `import autograder.x.y` of a name, not a module
                target = target.rsplit(".", 1)[0]
            if target != name:
                out.append((target, line))
    return out


def graph() -> tuple[dict[str, Path], dict[str, list[tuple[str, int]]]]:
    mods = modules()
    return mods, {name: imports(name, path, set(mods)) for name, path in mods.items()}


def where(mods: dict[str, Path], name: str, line: int) -> str:
    path = mods[name]
    return f"{path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE.parent) else path}:{line}"


def test_every_module_has_a_layer():
    missing = sorted({top(m) for m in modules()} - set(LEVEL))
    assert not missing, f"autograder modules with no layer in tests/test_architecture.py LAYERS: {missing}"


def upward_imports(mods: dict[str, Path], edges: dict[str, list[tuple[str, int]]]) -> list[str]:
    bad = []
    for name, targets in edges.items():
        for target, line in targets:
            if LEVEL.get(top(target), -1) > LEVEL.get(top(name), len(LAYERS)):
                bad.append(f"{where(mods, name, line)}: {name} ({LAYERS[LEVEL[top(name)]][0]}) imports "
                           f"{target} ({LAYERS[LEVEL[top(target)]][0]}), a layer above it")
            if top(name) in RUNTIME and top(target) == "build":
                bad.append(f"{where(mods, name, line)}: {name} is grading runtime but imports {target} "
                           "(read the bundle through autograder.bundle_format)")
    return bad


def test_imports_point_down_the_layers():
    bad = upward_imports(*graph())
    assert not bad, "imports must point down the layers:\n" + "\n".join(bad)


def test_an_upward_import_is_named_with_file_and_line(tmp_path):
    """The oracle for the layer check: a made-up tree where batch imports report (the cycle
    issue 12 removed) and grading imports build, read by the same imports() the check uses."""
    pkg = tmp_path / "autograder"
    tree = {"__init__.py": "", "batch/__init__.py": "", "report/__init__.py": "from ..batch import x\n",
            "batch/cli.py": "import os\n\nfrom ..report import write_reports\n",
            "grading/core.py": "def f():\n    from ..build.bundle import GradingBundle\n",
            "build/bundle.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..cli import x\n",
            "build/__init__.py": "", "grading/__init__.py": "", "cli.py": ""}
    for rel, text in tree.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    mods = {module_name(p, tmp_path): p for p in pkg.rglob("*.py")}
    edges = {name: imports(name, path, set(mods)) for name, path in mods.items()}
    assert edges["autograder.build.bundle"] == []  # TYPE_CHECKING imports never run
    bad = [line.replace(str(tmp_path) + "/", "") for line in upward_imports(mods, edges)]
    assert sorted(bad) == [
        "autograder/batch/cli.py:3: autograder.batch.cli (batch) imports autograder.report (report), a layer above it",
        "autograder/grading/core.py:2: autograder.grading.core is grading runtime but imports autograder.build.bundle "
        "(read the bundle through autograder.bundle_format)"], bad


def find_cycle(edges: dict[str, list[tuple[str, int]]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted({t for t, _ in edges[start]}))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted({t for t, _ in edges.get(nxt, [])})))
    return None


def package_edges(edges):
    """The graph between top-level parts (config, build, batch, ...): a cycle here is two layers
    leaning on each other even when no single module imports itself round."""
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for name, targets in edges.items():
        out[top(name)] += [(top(t), line) for t, line in targets if top(t) != top(name) and top(t) != "autograder"]
    return out


@pytest.mark.parametrize("level", ["module", "package"])
def test_no_import_cycle(level):
    mods, edges = graph()
    g = edges if level == "module" else package_edges(edges)
    cycle = find_cycle(g)
    if cycle and level == "module":
        steps = [f"{a} -> {b} ({where(mods, a, next(line for t, line in edges[a] if t == b))})"
                 for a, b in zip(cycle, cycle[1:])]
        pytest.fail("import cycle:\n" + "\n".join(steps))
    assert cycle is None, f"import cycle between parts of autograder: {' -> '.join(cycle or [])}"


def test_the_checks_see_a_cycle_and_an_upward_import():
    """The oracle for the two checks above: a hand-made graph with a known cycle."""
    edges = {"a": [("b", 1)], "b": [("c", 2)], "c": [("a", 3)], "d": [("a", 4)]}
    assert find_cycle(edges) in (["a", "b", "c", "a"], ["b", "c", "a", "b"], ["c", "a", "b", "c"])
    assert find_cycle({"a": [("b", 1)], "b": [], "d": [("a", 4)]}) is None
    assert LEVEL["batch"] < LEVEL["report"] < LEVEL["cli"] and LEVEL["config"] < LEVEL["build"]
    assert package_edges({"autograder.batch.cli": [("autograder.report", 9)]}) == {"batch": [("report", 9)]}


def test_no_module_over_the_line_limit():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them along their seams): {long}"


def logic_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, stripped text) of the lines that carry logic: no blank, comment, import or
    docstring line."""
    source = path.read_text(encoding="utf-8")
    skip: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            skip.update(range(node.lineno, node.end_lineno + 1))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            skip.update(range(body[0].lineno, body[0].end_lineno + 1))
    out = []
    for i, line in enumerate(source.splitlines(), start=1):
        text = line.strip()
        if text and not text.startswith("#") and i not in skip:
            out.append((i, text))
    return out


def shared_runs(files: dict[str, list[tuple[int, str]]], run: int = RUN) -> list[str]:
    """Each run of `run` identical logic lines found in two different files, once per pair."""
    seen: dict[tuple[str, ...], tuple[str, int, int]] = {}
    found: dict[tuple[str, str], str] = {}
    for name, lines in sorted(files.items()):
        for k in range(len(lines) - run + 1):
            window = tuple(text for _, text in lines[k:k + run])
            first = seen.setdefault(window, (name, lines[k][0], lines[k + run - 1][0]))
            if first[0] != name and (first[0], name) not in found:
                found[(first[0], name)] = (f"{first[0]}:{first[1]}-{first[2]} ~ "
                                           f"{name}:{lines[k][0]}-{lines[k + run - 1][0]}")
    return sorted(found.values())


def test_shared_runs_oracle():
    body = [(i, f"x{i} = {i}") for i in range(1, 8)]
    files = {"a.py": body, "b.py": [(10, "y = 0")] + [(i + 10, t) for i, t in body[:6]], "c.py": body[:5]}
    assert shared_runs(files) == ["a.py:1-6 ~ b.py:11-16"]  # c.py shares only 5 lines


def test_logic_lines_skip_docstrings_comments_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('"""Doc\nstring."""\nimport os\nfrom a import (b,\n    c)\n\n# note\ndef f():\n'
                 '    """Doc."""\n    return os.sep  # why\n')
    assert logic_lines(f) == [(8, "def f():"), (10, "return os.sep  # why")]


def test_no_logic_shared_by_two_modules():
    files = {str(p.relative_to(PACKAGE.parent)): logic_lines(p) for p in modules().values()}
    runs = shared_runs(files)
    assert not runs, (f"runs of {RUN}+ identical logic lines in two modules (fold each into one place):\n"
                      + "\n".join(runs))
