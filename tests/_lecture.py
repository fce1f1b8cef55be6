"""The lecture's code as a submission, and the harness the four test_lecture_* files share.

A file in tests/fixtures/lecture/ holds only what the lecture contributes: the imports it adds and,
per function it writes, the body a student would paste (adapted in names and signatures). The
submission is either that file alone (a student who wrote only those functions: the rest are
"missing"), or the GENERATED stub with each of those functions' `raise NotImplementedError` box
line replaced by the lecture body, so the fixture cannot drift from what students get and never
repeats the stub's docstrings and given helpers.
"""
from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import pytest

from conftest import ROOT, run_course

LECTURE = ROOT / "tests" / "fixtures" / "lecture"


class LectureFixtureError(ValueError):
    """A lecture fixture that does not fit the stub; the message names the file and the function."""


def signatures(path: Path) -> dict[str, str]:
    """Top-level function name -> its argument list, as source."""
    tree = ast.parse(path.read_text())
    return {n.name: ast.unparse(n.args) for n in tree.body if isinstance(n, ast.FunctionDef)}


def _body_lines(lines: list[str], func: ast.FunctionDef) -> list[str]:
    """The function's body source, comments just above its first statement included, dedented."""
    start = func.body[0].lineno
    if isinstance(func.body[0], ast.Expr) and isinstance(func.body[0].value, ast.Constant) \
            and isinstance(func.body[0].value.value, str) and len(func.body) > 1:
        start = func.body[1].lineno   # a docstring in the fixture is the fixture's own note, not pasted
    while start - 1 > func.lineno and lines[start - 2].strip().startswith("#"):
        start -= 1
    body = lines[start - 1:func.end_lineno]
    indent = min(len(l) - len(l.lstrip()) for l in body if l.strip())
    return [l[indent:] if l.strip() else "" for l in body]


def _is_box_raise(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
            and isinstance(node.exc.func, ast.Name) and node.exc.func.id == "NotImplementedError")


def fill_stub(stub_source: str, lecture_source: str, lecture_name: str = "lecture fixture") -> str:
    """The stub with each function the lecture file defines filled in with the lecture's body.

    Every lecture function must exist in the stub with the same arguments and a
    `raise NotImplementedError(...)` box there; the lecture file's imports that the stub lacks go
    after the stub's last top-level import (where a student adds an import)."""
    stub_tree, lecture_tree = ast.parse(stub_source), ast.parse(lecture_source)
    stub_lines, lecture_lines = stub_source.splitlines(), lecture_source.splitlines()
    stub_funcs = {n.name: n for n in stub_tree.body if isinstance(n, ast.FunctionDef)}
    stub_imports = [n for n in stub_tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    have = {ast.unparse(n) for n in stub_imports}
    replacements: list[tuple[int, int, list[str]]] = []   # (first line, last line, new lines), 1-based
    for node in lecture_tree.body:
        if isinstance(node, ast.FunctionDef):
            target = stub_funcs.get(node.name)
            if target is None:
                raise LectureFixtureError(f"{lecture_name}: {node.name} is not a function of the stub")
            if ast.unparse(node.args) != ast.unparse(target.args):
                raise LectureFixtureError(f"{lecture_name}: {node.name}({ast.unparse(node.args)}) differs from the "
                                          f"stub's {node.name}({ast.unparse(target.args)})")
            box = [s for s in target.body if _is_box_raise(s)]
            if len(box) != 1:
                raise LectureFixtureError(f"{lecture_name}: the stub's {node.name} has no single "
                                          "`raise NotImplementedError` box to fill")
            pad = " " * box[0].col_offset
            new = [pad + l if l else "" for l in _body_lines(lecture_lines, node)]
            replacements.append((box[0].lineno, box[0].end_lineno, new))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if ast.unparse(node) not in have:
                after = stub_imports[-1].end_lineno if stub_imports else 0
                text = lecture_lines[node.lineno - 1:node.end_lineno]
                replacements.append((after + 1, after, text))   # an insertion: empty range
    out = list(stub_lines)
    # Bottom-up so earlier line numbers stay valid; insertions at one place keep the file's order.
    for first, last, new in sorted(replacements, key=lambda r: (r[0], r[1]), reverse=True):
        out[first - 1:last] = new
    return "\n".join(out) + "\n"


def submission(slug: str, folder: Path, *, into_stub: bool) -> Path:
    """Write the lecture submission for `slug` into folder/<slug>.py and return its path."""
    fixture = LECTURE / f"{slug}.py"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.py"
    if into_stub:
        stub = ROOT / "assignments" / slug / f"{slug}.py"
        path.write_text(fill_stub(stub.read_text(), fixture.read_text(), str(fixture.relative_to(ROOT))))
    else:
        path.write_text(fixture.read_text())
    return path


def assert_stub_api(slug: str, folder: Path) -> Path:
    """Each lecture function has the stub's signature, and the submission built from the current stub
    has exactly the stub's API (so it cannot drift from what students get). Returns the submission."""
    stub = signatures(ROOT / "assignments" / slug / f"{slug}.py")
    assert signatures(LECTURE / f"{slug}.py").items() <= stub.items()
    built = submission(slug, folder, into_stub=True)
    assert signatures(built) == stub
    return built


def grade(slug: str, tmp: Path, *, into_stub: bool) -> tuple[dict, dict, dict[str, str]]:
    """Grade the lecture submission through the real `course grade`: (grades.csv row, results.json,
    test name -> its output)."""
    path = submission(slug, tmp / "submissions", into_stub=into_stub)
    out = tmp / "out"
    run_course("grade", slug, path, "--out", out, "--jobs", "1")
    with open(out / "grades.csv", newline="") as f:
        row = next(csv.DictReader(f))
    results = json.loads((out / "results" / f"{slug}.json").read_text())
    outputs = {t["name"]: t.get("output") or "" for t in results["tests"]}
    return row, results, outputs


def graded_fixture(slug: str):
    """A module-scoped `graded` fixture: (grades.csv row, results.json) of the lecture code filled
    into the stub, graded once per test module."""
    @pytest.fixture(scope="module")
    def graded(tmp_path_factory):
        row, results, _ = grade(slug, tmp_path_factory.mktemp("lecture"), into_stub=True)
        return row, results
    return graded


def case(outputs: dict[str, str], question: str, n: int) -> str:
    """The output block of case n of a question (public or hidden part)."""
    text = outputs.get(question, "") + "\n" + outputs.get(f"{question} (hidden)", "")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{question} - {n}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(f"{question} - ")), len(lines))
    return "\n".join(lines[start:end])
