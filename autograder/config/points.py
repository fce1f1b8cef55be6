"""Points resolved once: assignment.yml's points, the test file's `points` and each case's
`points=`, read by AST (no test code runs) and checked against each other."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError


def _literal_number(path: Path, key: str, node: ast.expr) -> float:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise ConfigError(path, key, "must be a literal number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(path, key, f"must be a non-negative number, got {value!r}")
    return value


@dataclass(frozen=True)
class _Case:
    function: str
    points: float | None  # None: the decorator states none
    hidden: bool


def _test_file_spec(path: Path) -> tuple[float | list | None, list[_Case]]:
    """The file's top-level `points` and its @test_case functions, read by AST (no code runs)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as e:
        raise ConfigError(path, f"line {e.lineno}", f"test file does not parse: {e.msg}") from None
    declared: float | list | None = None
    cases: list[_Case] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "points" for t in node.targets):
            if isinstance(node.value, (ast.List, ast.Tuple)):
                declared = [_literal_number(path, f"points[{i}]", v) for i, v in enumerate(node.value.elts)]
            else:
                declared = _literal_number(path, "points", node.value)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if not ((isinstance(target, ast.Name) and target.id == "test_case")
                    or (isinstance(target, ast.Attribute) and target.attr == "test_case")):
                continue
            kw = {k.arg: k.value for k in deco.keywords} if isinstance(deco, ast.Call) else {}
            points = _literal_number(path, f"{node.name}: points", kw["points"]) if "points" in kw else None
            hidden = False
            if "hidden" in kw:
                try:
                    hidden = bool(ast.literal_eval(kw["hidden"]))
                except ValueError:
                    raise ConfigError(path, f"{node.name}: hidden", "must be a literal True or False") from None
            cases.append(_Case(node.name, points, hidden))
    return declared, cases


def _fmt(x: float) -> str:
    return f"{x:g}"


def resolve_points(test_file: Path, question: str, expected: float) -> tuple[float, ...]:
    """Each case's points, resolved once, here, the way otter resolves them at grading time; every
    disagreement between assignment.yml (`expected`), the file's `points` and the cases' own
    `points=` is a ConfigError naming the test file and the key."""
    declared, cases = _test_file_spec(test_file)
    if not cases:
        raise ConfigError(test_file, None, "defines no @test_case function: the question could score nothing")
    if isinstance(declared, list):
        if len(declared) != len(cases):
            raise ConfigError(test_file, "points",
                              f"lists {len(declared)} values for {len(cases)} test cases")
        stated = [_Case(c.function, p, c.hidden) for c, p in zip(cases, declared)]
        declared, cases = None, stated
    if declared is not None and declared != expected:
        raise ConfigError(test_file, "points",
                          f"declares {_fmt(declared)} points but assignment.yml gives {question!r} {_fmt(expected)}")
    given = sum(c.points for c in cases if c.points is not None)
    open_cases = [c for c in cases if c.points is None]
    if declared is not None:
        if given > declared:
            raise ConfigError(test_file, "points",
                              f"the cases' points= add up to {_fmt(given)}, more than the file's points = {_fmt(declared)}")
        if not open_cases and given != declared:
            raise ConfigError(test_file, "points",
                              f"the cases' points= add up to {_fmt(given)} but the file declares {_fmt(declared)} "
                              f"(assignment.yml: {_fmt(expected)}): students could never earn the rest")
        share = (declared - given) / len(open_cases) if open_cases else 0.0
        return tuple(c.points if c.points is not None else share for c in cases)
    # No file-level total: otter gives cases without points= nothing (or 1 shared, when none
    # states any), so the cases must state them all and add up to assignment.yml.
    if open_cases:
        raise ConfigError(test_file, f"{open_cases[0].function}: points",
                          "states no points= and the file declares no `points`: otter would give it "
                          f"{'a share of 1 point' if given == 0 else '0 points'}; state points= or `points = {_fmt(expected)}`")
    if given != expected:
        raise ConfigError(test_file, "points",
                          f"the cases' points= add up to {_fmt(given)} but assignment.yml gives {question!r} {_fmt(expected)}")
    return tuple(c.points for c in cases)
