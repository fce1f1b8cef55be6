"""Checks every assignment's asset tests share (test_<slug>_assets.py): a generator script loaded
from reference/, the assets the tests and the walkthrough use being shipped, and the points of
the test files agreeing with assignment.yml."""
from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"


def load_module(path: Path, name: str):
    """Import a reference/ generator script by path (reference/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def config(slug: str) -> dict:
    return yaml.safe_load((ROOT / "assignments" / slug / "assignment.yml").read_text())


def assert_used_assets_shipped(slug: str, missing_on_purpose: set[str]) -> None:
    """Every asset assignment.yml lists exists under reference/, and every `assets/NAME` a test file
    or the walkthrough names is listed (but the paths that must not exist, for missing-file cases)."""
    assignment = ROOT / "assignments" / slug
    assets = config(slug)["assets"]
    shipped = {Path(asset).name for asset in assets}
    for asset in assets:
        assert (REFERENCE / asset).is_file(), f"assignment.yml lists {asset}, missing under reference/"
    sources = sorted((assignment / "tests").glob("q*.py")) + [assignment / "templates" / "walkthrough.py.j2"]
    for source in sources:
        text = source.read_text()
        used = set(re.findall(r"assets/([\w.]+\.\w+)", text)) - missing_on_purpose
        assert used <= shipped, f"{source.name} uses assets not in assignment.yml: {sorted(used - shipped)}"
        assert "hidden/" not in text, f"{source.name}: this assignment has no hidden assets"


def assert_points_agree(slug: str) -> None:
    """Per question: the cases' points, the file's `points` and assignment.yml's agree, and there
    are public and hidden cases."""
    from autograder.testfiles import load  # otter's loader, with the tests' helper modules importable

    for question in config(slug)["questions"]:
        path = ROOT / "assignments" / slug / "tests" / f"{question['name']}.py"
        test_file = load(path, shared=(ROOT / "assignments" / "_shared",))  # the course-wide helpers too
        case_points = sum(case.points for case in test_file.test_cases)
        assert test_file.name == question["name"]
        declared = next(ast.literal_eval(node.value) for node in ast.parse(path.read_text()).body  # the file's `points`
                        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "points")
        assert case_points == declared, f"{question['name']}: cases give {case_points}, the file says {declared}"
        assert case_points == question["points"], (
            f"{question['name']}: cases give {case_points} points, assignment.yml says {question['points']}")
        hidden = [case for case in test_file.test_cases if case.hidden]
        public = [case for case in test_file.test_cases if not case.hidden]
        assert hidden and public, f"{question['name']}: needs public and hidden cases"
