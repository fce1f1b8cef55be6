"""Step: the leak guard. A student bundle must hold no hidden test case and no body of a
solution function (other than given code that the stub carries identically)."""

from __future__ import annotations

import ast
import json
import re

from .. import testfiles


from .errors import BuildError


class LeakError(BuildError):
    """The student bundle would give away hidden tests or solution code."""


def _functions(tree: ast.AST) -> dict[str, ast.AST]:
    return {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _body(fn) -> list[ast.stmt]:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring is shared with the stub on purpose
    return body


def _dump(stmts: list[ast.stmt]) -> str:
    return "\n".join(ast.dump(s) for s in stmts)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


MARKER_RE = re.compile(r"YOUR CODE|START OF YOUR CODE|TODO", re.IGNORECASE)


def _marked(source: str, fn) -> bool:
    """Whether the solution keeps the exercise banner inside this function."""
    lines = source.splitlines()[fn.lineno - 1: fn.end_lineno]
    return any(l.lstrip().startswith("#") and MARKER_RE.search(l) for l in lines)


def secret_bodies(solution: str, stub: str) -> dict[str, list[ast.stmt]]:
    """Solution function bodies students must not see: every exercise (a solution function
    keeping the YOUR CODE banner), and any other function the stub does not carry identically."""
    given = {name: _dump(_body(fn)) for name, fn in _functions(ast.parse(stub)).items()}
    return {name: _body(fn) for name, fn in _functions(ast.parse(solution)).items()
            if _body(fn) and (_marked(solution, fn) or given.get(name) != _dump(_body(fn)))}


def _python_sources(files: dict[str, bytes]) -> dict[str, str]:
    out = {}
    for name, data in files.items():
        if name.endswith(".py"):
            out[name] = data.decode("utf-8")
        elif name.endswith(".ipynb"):
            nb = json.loads(data)
            out[name] = "\n\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                                    for c in nb["cells"] if c["cell_type"] == "code")
    return out


def check(files: dict[str, bytes], solution: str, stub: str, full_tests: dict[str, str]) -> None:
    """Raise LeakError naming the file and what leaked."""
    secrets = secret_bodies(solution, stub)
    secret_dumps = {_dump(b): name for name, b in secrets.items()}
    # Single statements long enough to be unmistakably solution code when found as text
    # (README, notebook cells, tests), unless the stub itself carries that statement.
    stub_text = _squash(stub)
    secret_texts = {}
    for name, body in secrets.items():
        for stmt in body:
            text = _squash(ast.unparse(stmt))
            if len(text) >= 40 and text not in stub_text:
                secret_texts[text] = name
    hidden_names, hidden_dumps = set(), set()
    for source in full_tests.values():
        for fn in testfiles.hidden_functions(source):
            hidden_names.add(fn.name)
            hidden_dumps.add(_dump(fn.body))

    for name, source in _python_sources(files).items():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # notebooks may hold IPython syntax; the text checks below still apply
        for fname, fn in _functions(tree).items():
            body = _dump(_body(fn))
            if body in secret_dumps:
                raise LeakError(f"{name}: function {fname} has the body of solution function {secret_dumps[body]}")
            if _dump(fn.body) in hidden_dumps or (name.startswith(("tests/", "/tests/")) or "/tests/" in name) and fname in hidden_names:
                raise LeakError(f"{name}: holds hidden test case {fname}")
        if "/tests/" in f"/{name}" and testfiles.hidden_functions(source):
            raise LeakError(f"{name}: holds a test case marked hidden=True")
        if name.rsplit("/", 1)[-1].startswith("_"):  # a test helper (tests/_*.py) students get
            if testfiles.hidden_functions(source):
                raise LeakError(f"{name}: test helper holds a test case marked hidden=True")
            if re.search(r"""["']hidden/""", source):
                raise LeakError(f"{name}: test helper refers to hidden/ files; only hidden test cases may")
    for name, data in files.items():
        try:
            text = _squash(data.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        for secret, fname in secret_texts.items():
            if secret in text:
                raise LeakError(f"{name}: contains the code of solution function {fname}")
