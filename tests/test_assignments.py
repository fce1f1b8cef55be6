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


@pytest.mark.parametrize("slug", SLUGS)
def test_every_exercise_shows_a_reference_figure(slug, dist):
    """Issue 14: each question's walkthrough section (the cells after the previous question's
    grader.check, up to its own) shows a reference figure named with the question's prefix, and
    that figure ships in the student zip."""
    with zipfile.ZipFile(dist / "student" / f"{slug}.zip") as zf:
        names = zf.namelist()
        nb = nbformat.reads(zf.read(f"{slug}/walkthrough.ipynb").decode(), as_version=4)
    shipped = {n.split("/")[-1] for n in names if n.startswith(f"{slug}/figures/") and n.endswith(".png")}
    sources = [c.source for c in nb.cells]
    start = 0
    for q in COURSE.get(slug).questions:
        prefix = q.name.split("_")[0] + "_"
        pngs = sorted(n for n in shipped if n.startswith(prefix))
        assert pngs, f"{slug}.zip has no figures/{prefix}*.png for {q.name} (it has {sorted(shipped)})"
        check = next((i for i, s in enumerate(sources) if f'grader.check("{q.name}")' in s), None)
        assert check is not None and check >= start, f"{slug}: no grader.check({q.name!r}) after the previous question's"
        section = "\n".join(sources[start:check + 1])
        shown = [n for n in pngs if f'reference("{n[:-4]}"' in section or f"figures/{n}" in section]
        assert shown, f"{slug}: the {q.name} section (cells {start}..{check}) shows none of {pngs}"
        start = check + 1


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
