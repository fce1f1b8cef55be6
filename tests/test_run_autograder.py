"""run_autograder, the script Gradescope runs per submission, when the engine cannot write a
results.json: Gradescope must still get a valid page that blames us, not the student, and shows no
internal detail. (The happy paths run in tests/test_gradescope_e2e.py, from a real setup.sh.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, notebook_text

TEMPLATE = ROOT / "autograder" / "templates" / "run_autograder"


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    shutil.copy(TEMPLATE, root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    return root


def _run(root: Path, **env: str) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "AUTOGRADER_ROOT": str(root), **env})
    results = root / "results" / "results.json"
    assert proc.returncode == 0, proc.stderr
    assert results.is_file(), f"no results.json\n{proc.stderr}"
    return proc, json.loads(results.read_text())


def _is_fallback(data: dict) -> None:
    assert data["score"] == 0 and data["tests"] == []
    assert data["stdout_visibility"] == "hidden"
    assert "internal error, not because of your code" in data["output"]
    assert "Traceback" not in data["output"]


def test_missing_environment_gives_a_fallback_page(tmp_path):
    root = _root(tmp_path)
    proc, data = _run(root)  # no venv: setup.sh never ran
    _is_fallback(data)
    assert "setup.sh has not built the environment" in proc.stderr


def test_engine_crash_gives_a_fallback_page_and_no_stale_results(tmp_path):
    root = _root(tmp_path)
    (root / "results").mkdir()
    # A results.json left from an earlier run must not be taken for this submission's.
    (root / "results" / "results.json").write_text(json.dumps({"score": 100, "tests": []}))
    crash = tmp_path / "python"
    crash.write_text("#!/bin/sh\necho 'Traceback (most recent call last): boom' >&2\nexit 3\n")
    crash.chmod(0o755)
    proc, data = _run(root, AUTOGRADER_PYTHON=str(crash))
    _is_fallback(data)
    assert "status 3" in proc.stderr and "boom" in proc.stderr  # the staff log keeps the detail


@pytest.mark.parametrize("damage", ["no_bundle", "broken_config"])
def test_broken_bundle_through_the_real_engine(tmp_path, damage):
    root = _root(tmp_path)
    if damage == "broken_config":
        (root / "source" / "bundle").mkdir()
        (root / "source" / "bundle" / "assignment.yml").write_text("questions: [unclosed\n")
    (root / "submission" / "image_tensors.py").write_text("x = 1\n")
    proc, data = _run(root, AUTOGRADER_PYTHON=sys.executable, AUTOGRADER_ENGINE="inprocess")
    _is_fallback(data)
    assert "wrote no results" in proc.stderr


def test_a_hanging_submission_ends_before_gradescopes_own_timeout(tmp_path):
    """Gradescope kills a run at its timeout (10 minutes by default) and then shows no page. A
    course without its own submission_timeout gets what is left of that budget (here the budget is
    40 s, as COURSE_GRADESCOPE_TIMEOUT says when an assignment raises it: 6 s, at least 10), not
    10x the per-call timeout (40 s for this fixture's 4 s): a page, in time, that says why."""
    import time
    from autograder.build.bundle import bundle_for
    from autograder.config import load_course
    from conftest import run_course

    course = load_course(ROOT / "tests" / "fixtures" / "sandbox_course")
    bundle = bundle_for(course.get("tiny"), course.seed)
    sub = tmp_path / "tiny.py"
    sub.write_text("import time\n\ndef add(a, b):\n    time.sleep(60)\n\nsafe_div = scale = load_numbers = add\n")
    results = tmp_path / "results.json"
    started = time.monotonic()
    proc = run_course("gradescope", "--bundle", bundle.root, "--submission", sub, "--results", results,
                      env={"COURSE_GRADESCOPE_TIMEOUT": "40"}, timeout=300)
    wall = time.monotonic() - started
    data = json.loads(results.read_text())
    assert "10 s for the whole submission" in proc.stderr
    assert data["score"] == 0 and "timeout" in data["output"] and "10 s in all" in data["output"], data["output"]
    assert wall < 25, wall  # six 4 s timeouts would be 24 s, plus the start


@pytest.mark.parametrize("files, score, says", [
    # A file renamed by the browser's download, and one in a folder: graded, and named on the page.
    ({"my_tiny (1).py": "SOLUTION"}, 6, "Status: graded. Graded file: my_tiny (1).py."),
    ({"work/tiny.py": "SOLUTION"}, 6, "Status: graded. Graded file: work/tiny.py."),
    # IPython's display(), bare and imported, in a notebook: graded in full, not a NameError.
    ({"tiny.ipynb": ("display('hi')", "from IPython.display import display", "SOLUTION")}, 6,
     "Status: graded. Graded file: tiny.ipynb."),
    # A syntax error names the file (a notebook's cell) and the line.
    ({"my_tiny (1).py": "import numpy as np\n\ndef add(a, b)\n    return a + b\n"}, 0,
     "(my_tiny (1).py, line 3)"),
    ({"tiny.ipynb": ("display(1)", "SOLUTION", "for i in range(3)\n    print(i)")}, 0,
     "(tiny.ipynb, code cell 4, line 1)"),
], ids=["renamed", "nested", "notebook-display", "syntax-py", "syntax-notebook"])
def test_what_a_student_reads_names_the_file_graded(tmp_path, files, score, says):
    """Through run_autograder and the real engine (sandbox), on the tiny fixture's bundle."""
    from autograder.build.bundle import bundle_for
    from autograder.config import load_course

    course = load_course(ROOT / "tests" / "fixtures" / "sandbox_course")
    bundle = bundle_for(course.get("tiny"), course.seed)
    solution = (ROOT / "tests" / "fixtures" / "sandbox_course" / "solutions" / "tiny" / "tiny.py").read_text()
    root = _root(tmp_path)
    shutil.copytree(bundle.root, root / "source" / "bundle")
    for name, body in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = notebook_text(*(solution if c == "SOLUTION" else c for c in body)) if isinstance(body, tuple) \
            else body.replace("SOLUTION", solution)
        path.write_text(text)
    _, data = _run(root, AUTOGRADER_PYTHON=sys.executable)
    assert data["score"] == score and says in data["output"], data["output"]
    assert data["tests"] and "internal error" not in data["output"]
