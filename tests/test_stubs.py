"""One source per assignment: stubs are generated from the solutions' YOUR CODE boxes
(`course stub`), and `course validate` refuses a committed stub that drifted."""

from __future__ import annotations

import ast

import pytest
import yaml

from autograder.build.stubgen import find_boxes, stub_source
from autograder.config import ConfigError
from conftest import MINI_SOLUTION, MINI_STUB, ROOT, run_course

# Read course.yml directly: these checks need only the two files, not a loadable course.
SLUGS = [e["slug"] for e in yaml.safe_load((ROOT / "course.yml").read_text())["assignments"]]


def files(slug):
    return ROOT / "solutions" / slug / f"{slug}.py", ROOT / "assignments" / slug / f"{slug}.py"

BANNER = "    " + "#" * 75
END = "    #                             END OF YOUR CODE                            #"


def box(todo: str, body: list[str]) -> list[str]:
    return [BANNER, f"    # TODO: {todo}", BANNER, *body, BANNER, END, BANNER]


@pytest.mark.parametrize("slug", SLUGS)
def test_committed_stub_is_the_generated_one(slug):
    solution, stub = files(slug)
    generated = stub_source(solution.read_text(), solution)
    assert generated == stub.read_text(), f"{stub} is not the stub generated from {solution}; run course stub {slug}"


@pytest.mark.parametrize("slug", SLUGS)
def test_generated_stub_keeps_every_function_and_docstring(slug):
    """An independent check of the generator: the same functions with the same docstrings, and
    every exercise body is exactly `raise NotImplementedError(<its name>)`."""
    solution, stub_path = files(slug)
    sol = {n.name: n for n in ast.walk(ast.parse(solution.read_text())) if isinstance(n, ast.FunctionDef)}
    stub = {n.name: n for n in ast.walk(ast.parse(stub_path.read_text())) if isinstance(n, ast.FunctionDef)}
    assert sol.keys() >= stub.keys() and stub, f"{slug}: stub functions {sorted(stub)} not all in the solution"
    exercises = {b.function for b in find_boxes(solution.read_text(), solution)}
    assert exercises, f"{slug}: no exercise found"
    for name in exercises:
        assert ast.get_docstring(stub[name]) == ast.get_docstring(sol[name]), f"{slug}.{name}: docstring differs"
        raises = [s for s in stub[name].body if isinstance(s, ast.Raise)]
        assert raises and ast.unparse(raises[-1]) == f"raise NotImplementedError('{name}')", f"{slug}.{name}"


def test_course_stub_check_passes_on_the_real_course():
    proc = run_course("stub", "--check")
    assert proc.returncode == 0 and "up to date" in proc.stdout


def test_hints_stay_and_code_goes():
    solution = "\n".join([
        "def area(w, h):",
        '    """Area."""',
        *box("multiply.", [
            "    # Hint: width times height;",
            "    #   mind the units.",
            "    # secret derivation: w * h",
            "    return w * h",
        ]),
        "",
        "",
        "class Shape:",
        "    def perimeter(self, w, h):",
        *["    " + line for line in box("add the sides.", ["    return 2 * (w + h)"])],
        "",
    ])
    stub = stub_source(solution, "sol.py")
    assert "# Hint: width times height;\n    #   mind the units.\n    raise NotImplementedError(\"area\")" in stub
    assert "secret derivation" not in stub and "w * h" not in stub.replace("# Hint: width times height", "")
    assert '        raise NotImplementedError("perimeter")' in stub and "2 * (w + h)" not in stub
    ast.parse(stub)


def test_missing_end_banner_is_a_config_error_naming_file_and_line(tmp_path):
    lines = ["def f(x):", '    """F."""', BANNER, "    # TODO: do it.", BANNER, "    return x", ""]
    with pytest.raises(ConfigError) as info:
        stub_source("\n".join(lines), tmp_path / "sol.py")
    err = info.value
    assert err.path == tmp_path / "sol.py" and err.key == "line 4", str(err)
    assert "no END OF YOUR CODE banner" in str(err)


def test_two_boxes_one_unclosed_names_the_first(tmp_path):
    lines = ["def f(x):", BANNER, "    # TODO: one.", BANNER, "    y = x",
             "def g(x):", *box("two.", ["    return x"])]
    with pytest.raises(ConfigError, match=r"sol\.py: line 3: .*no END OF YOUR CODE banner before the next box at line 8"):
        stub_source("\n".join(lines) + "\n", "sol.py")


def test_course_stub_reports_a_malformed_box_through_the_cli(mini_course):
    sol = mini_course / "solutions/mini/mini.py"
    text = sol.read_text()
    first_end = text.index("    ###########################################################################\n"
                           "    #                             END OF YOUR CODE")
    sol.write_text(text[:first_end] + text[first_end:].split("\n", 3)[3])  # drop add's END banner
    proc = run_course("--root", mini_course, "stub", "mini", check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "solutions/mini/mini.py: line " in proc.stderr and "END OF YOUR CODE" in proc.stderr, proc.stderr


def test_stale_stub_fails_check_and_validate_then_course_stub_fixes_it(mini_course):
    stub = mini_course / "assignments/mini/mini.py"
    assert stub.read_text() == MINI_STUB and stub_source(MINI_SOLUTION) == MINI_STUB
    stub.write_text(stub.read_text().replace("Sum of two numbers.", "Sum of two numbers (edited by hand)."))

    check = run_course("--root", mini_course, "stub", "--check", check=False)
    assert check.returncode == 1 and "assignments/mini/mini.py" in check.stderr, check.stderr
    assert "edited by hand" in check.stderr  # the diff shows what drifted

    validate = run_course("--root", mini_course, "validate", "mini", "--engine", "inprocess", check=False)
    assert validate.returncode == 1, validate.stdout + validate.stderr
    assert "assignments/mini/mini.py differs from the stub generated from solutions/mini/mini.py" in validate.stderr

    run_course("--root", mini_course, "stub", "mini")
    assert stub.read_text() == MINI_STUB
    run_course("--root", mini_course, "validate", "mini", "--engine", "inprocess")
