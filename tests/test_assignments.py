"""For every assignment in course.yml, through the real paths: `course validate` (solution full
marks, stub zero, via the sandboxed engine), the student zip's walkthrough notebook runs top to
bottom with the solution in place, and the real `otter check` CLI on the unzipped student
bundle passes every public test with the solution and fails them with the stub."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.config import load_course
from conftest import ROOT, VENV_BIN, run_course

COURSE = load_course(ROOT)
SLUGS = [a.slug for a in COURSE.assignments]


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run_course("build", *SLUGS, "--out", out)
    return out


def unpack_student(dist: Path, slug: str, dest: Path, with_solution: bool) -> Path:
    with zipfile.ZipFile(dist / "student" / f"{slug}.zip") as zf:
        zf.extractall(dest)
    folder = dest / slug
    a = COURSE.get(slug)
    if with_solution:
        shutil.copy(a.solution, folder / a.submission)
    return folder


@pytest.mark.parametrize("slug", SLUGS)
def test_validate_solution_full_stub_zero(slug):
    proc = run_course("validate", slug, "--skip-walkthrough")  # the walkthrough runs in its own test below
    a = COURSE.get(slug)
    row = next(line for line in proc.stdout.splitlines() if f" {slug} " in line)
    assert f"{a.total_points:g}/{a.total_points:g}" in row, row
    assert f"0/{a.total_points:g}" in row and "ok" in row, row


@pytest.mark.parametrize("slug", SLUGS)
def test_walkthrough_notebook_runs(slug, dist, tmp_path):
    folder = unpack_student(dist, slug, tmp_path, with_solution=True)
    nb = nbformat.read(folder / "walkthrough.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    outputs = "\n".join(o.get("text", "") + json.dumps(o.get("data", {}))
                        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    checks = sum('grader.check(' in c.source for c in nb.cells if c.cell_type == "code")
    assert checks >= len(COURSE.get(slug).questions) // 2, "the walkthrough should check each exercise"
    assert "Test case failed" not in outputs and "❌" not in outputs, outputs[-3000:]
    assert "image/png" in outputs, "the walkthrough should show at least one picture"


def otter_check(folder: Path, submission: str) -> str:
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    proc = subprocess.run([str(VENV_BIN / "otter"), "check", submission], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=900)
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("slug", SLUGS)
def test_otter_check_on_student_bundle(slug, dist, tmp_path):
    a = COURSE.get(slug)
    solved = unpack_student(dist, slug, tmp_path / "solved", with_solution=True)
    out = otter_check(solved, a.submission)
    assert "All tests passed!" in out, out[-3000:]

    stub = unpack_student(dist, slug, tmp_path / "stub", with_solution=False)
    out = otter_check(stub, a.submission)
    assert "All tests passed!" not in out
    for q in a.questions:
        assert f"{q.name} results:" in out, f"otter check should report {q.name}:\n{out[-3000:]}"
    assert "passed" not in out.replace("Test case passed", "").lower() or "✅" not in out, out[-3000:]
