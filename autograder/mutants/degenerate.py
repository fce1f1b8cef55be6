"""Degenerate submissions: the stub with every student-written function's body replaced by one
statement (`raise ValueError("x")`, `return None`). A test suite that gives such a submission
any points rewards something other than a correct answer (e.g. an error-path case passed by
raising the expected exception from everywhere)."""

from __future__ import annotations

import ast

from .discover import functions

ALWAYS_RAISE = 'raise ValueError("x")'
ALWAYS_NONE = "return None"


def degenerate(source: str, names: list[str], statement: str) -> str:
    """`source` with the body (docstring kept) of each function in `names` replaced by `statement`."""
    tree = ast.parse(source)
    funcs = functions(tree)
    lines = source.splitlines(keepends=True)
    spans = []
    for name in names:
        node = funcs.get(name)
        if node is None:
            raise ValueError(f"no function {name!r} in the source")
        body = node.body
        if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        first = body[0]
        indent = lines[first.lineno - 1][: len(lines[first.lineno - 1]) - len(lines[first.lineno - 1].lstrip())]
        spans.append((first.lineno, node.end_lineno, f"{indent}{statement}\n"))
    for start, end, text in sorted(spans, reverse=True):  # nested functions: inner spans lie inside outer ones
        if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans):
            continue
        lines[start - 1:end] = [text]
    out = "".join(lines)
    ast.parse(out)
    return out
