"""Shared fixtures: the real course, and a tiny course written into a temporary folder."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
COURSE = str(VENV_BIN / "course")
SHARED = ROOT.parent / "shared"

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# What must never reach a terminal, a log, a CSV or a page raw from a student: C0 controls but
# tab and newline, DEL, C1, bidirectional overrides and isolates, lone surrogates.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def run_course(*args, cwd=ROOT, check=True, timeout=1800, env=None):
    """Run the real `course` command; returns the CompletedProcess."""
    proc = subprocess.run([COURSE, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"course {' '.join(map(str, args))} exited {proc.returncode}\n"
                             f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}")
    return proc


MINI_STUB = '''\
"""A tiny assignment for the framework's own tests."""
import numpy as np


def add(a, b):
    """Sum of two numbers.

    Args:
        a: int.
        b: int.
    Returns:
        int, a + b.
    """
    ###########################################################################
    # TODO: add a and b.                                                      #
    ###########################################################################
    raise NotImplementedError("add")
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def scale(x, k):
    """x times k, elementwise.

    Args:
        x: np.ndarray of shape (N,), float64.
        k: float.
    Returns:
        np.ndarray of shape (N,), float64.
    """
    ###########################################################################
    # TODO: scale x by k.                                                     #
    ###########################################################################
    raise NotImplementedError("scale")
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
'''

# The source the stub is generated from (`course stub`): MINI_STUB with the boxes filled.
MINI_SOLUTION = (MINI_STUB
                 .replace('    raise NotImplementedError("add")\n', "    total = a + b\n    return total\n")
                 .replace('    raise NotImplementedError("scale")\n',
                          "    scaled = np.asarray(x, dtype=np.float64) * float(k)\n    return scaled\n"))

MINI_Q1 = '''\
"""Question 1: add."""
from otter.test_files import test_case

OK_FORMAT = False

name = "q1_add"
points = 3

@test_case(points=1)
def test_small(add):
    assert add(2, 3) == 5, f"expected add(2, 3) == 5, got {add(2, 3)}"

# A hidden case: its body must never reach students.
@test_case(points=2, hidden=True)
def test_hidden_negative_marker_7f3a(add):
    got = add(-40, 2)
    assert got == -38, f"expected -38, got {got}"
'''

MINI_Q2 = '''\
"""Question 2: scale."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False

name = "q2_scale"
points = 2

@test_case(points=1)
def test_scale(scale):
    got = scale(np.arange(3.0), 2.0)
    np.testing.assert_allclose(got, np.arange(3.0) * 2, err_msg="scale(arange(3), 2)")

@test_case(points=1)
def test_scale_asset(scale):
    data = np.loadtxt("assets/numbers.txt")
    np.testing.assert_allclose(scale(data, 0.5), data / 2, err_msg="scale on assets/numbers.txt")
'''

MINI_README = '''{% extends "student_README.md.j2" %}
{% block intro %}Add and scale numbers.{% endblock %}
'''

MINI_NOTEBOOK = '''# %% [markdown]
# # {{ title }}
# A tiny walkthrough.

# %%
import otter
grader = otter.Notebook(tests_dir="tests")
from {{ module }} import *

# %%
print(add(1, 2))

# %%
grader.check("q1_add")
'''


def write_mini_course(root: Path) -> Path:
    files = {
        "course.yml": """\
            name: Mini course
            term: Test term
            seed: 1
            assignments:
              - slug: mini
                title: Mini assignment
                due: 2027-01-01
                released: true
            """,
        "assignments/mini/assignment.yml": """\
            questions:
              - name: q1_add
                points: 3
              - name: q2_scale
                points: 2
            assets:
              - mini/numbers.txt
            """,
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    (root / "assignments/mini/mini.py").write_text(MINI_STUB)
    (root / "assignments/mini/tests").mkdir(parents=True, exist_ok=True)
    (root / "assignments/mini/tests/q1_add.py").write_text(MINI_Q1)
    (root / "assignments/mini/tests/q2_scale.py").write_text(MINI_Q2)
    (root / "assignments/mini/templates").mkdir(parents=True, exist_ok=True)
    (root / "assignments/mini/templates/README.md.j2").write_text(MINI_README)
    (root / "assignments/mini/templates/walkthrough.py.j2").write_text(MINI_NOTEBOOK)
    (root / "solutions/mini").mkdir(parents=True, exist_ok=True)
    (root / "solutions/mini/mini.py").write_text(MINI_SOLUTION)
    (root / "reference/mini").mkdir(parents=True, exist_ok=True)
    (root / "reference/mini/numbers.txt").write_text("1\n2\n3.5\n")
    return root


@pytest.fixture
def mini_course(tmp_path) -> Path:
    return write_mini_course(tmp_path / "course")


@pytest.fixture(scope="module")
def numpy_engine():
    """A sandbox engine whose template preloads numpy only, for one test module."""
    from autograder.sandbox import SandboxEngine

    engine = SandboxEngine(preload=("numpy",))
    yield engine
    engine.close()


@contextlib.contextmanager
def open_tiny_session(engine, source: str):
    """A sandbox session of `source` as the `tiny` assignment of tests/fixtures/sandbox_course,
    imported without error (the sandbox tests' submissions are written in each test file);
    closed on leaving."""
    from autograder.build.bundle import bundle_for
    from autograder.config import load_course

    course = load_course(ROOT / "tests" / "fixtures" / "sandbox_course")
    session = engine.open(bundle_for(course.get("tiny"), course.seed), source, "tiny.py")
    try:
        assert session.import_error is None, session.import_error
        yield session
    finally:
        session.close()


ATTACK_COURSE = ROOT / "tests" / "fixtures" / "attack_course"
DUO_HIDDEN = ("13.371337", "4242.4242")  # the hidden case's inputs (attack_course duo q1)


def grade_duo_attacks(tmp: Path, attacks: list[str], jobs: int = 1, neighbours: bool = True, env=None):
    """`course grade --jobs 1` of tests/attacks/<name>.py for each name, in the `duo` assignment of
    the attack course, each followed on the same worker by an honest submission (`<name>_zhonest`,
    which sorts right after it), with one more honest one first (`a_honest`). Returns (process,
    out folder, {submission: grades.csv row}, {submission: stored record}). With `jobs` 2 and no
    `neighbours`, the files alone, two at a time (attacks on a submission graded beside them).
    `env`: variables added to `course grade`'s environment (COURSE_SANDBOX_BWRAP=0, say)."""
    shutil.copytree(ATTACK_COURSE, tmp / "course")
    subs, out = tmp / "subs", tmp / "out"
    subs.mkdir()
    honest = (ATTACK_COURSE / "solutions" / "duo" / "duo.py").read_text()
    if neighbours:
        (subs / "a_honest.py").write_text(honest)
    for name in attacks:
        shutil.copy(ROOT / "tests" / "attacks" / f"{name}.py", subs / f"{name}.py")
        if neighbours:
            (subs / f"{name}_zhonest.py").write_text(honest)
    proc = run_course("--root", tmp / "course", "grade", "duo", subs, "--out", out, "--jobs", str(jobs),
                      "--no-resume", "--submission-timeout", "20", check=False, timeout=900, env=env)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    records = {name: json.loads((out / "state" / "records" / f"{name}.json").read_text()) for name in rows}
    return proc, out, rows, records


def check_honest_neighbours(graded, attacks: list[str]) -> None:
    """No grader failure, and every honest submission of grade_duo_attacks keeps full marks."""
    proc, _out, rows, _records = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not [r for r in rows.values() if r["status"] == "failed"], rows
    for name in ["a_honest"] + [f"{a}_zhonest" for a in attacks]:
        assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]


def notebook_text(*cells: str) -> str:
    """A notebook as Jupyter saves it: a markdown cell first, then the code cells."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# My answers")] + [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb)


def grade_sampled(tmp: Path, attacks: list[str], measure, env=None):
    """grade_duo_attacks, and how far each figure `measure()` returns ({name: MB}, read from
    /proc/meminfo, say) rose above its level at the start of the batch: its highest sample, every
    0.05 s."""
    import threading
    import time

    base = measure()
    peak, stop = dict(base), threading.Event()

    def sample():
        while not stop.is_set():
            for k, v in measure().items():
                peak[k] = max(peak[k], v)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        graded = grade_duo_attacks(tmp, attacks, env=env)
    finally:
        stop.set()
        sampler.join()
    return graded, {k: peak[k] - base[k] for k in base}


def meminfo_mb(*fields: str) -> dict:
    """/proc/meminfo's fields in MB; "Used" is MemTotal - MemAvailable."""
    with open("/proc/meminfo", encoding="utf-8") as f:
        info = {k: int(v.split()[0]) // 1024 for k, v in (line.split(":", 1) for line in f)}
    info["Used"] = info["MemTotal"] - info["MemAvailable"]
    return {k: info[k] for k in fields}


def readable_interpreter(folder: Path) -> str:
    """A Python whose files every user can read, as on Gradescope (the image's python3, or uv's
    under /autograder/.python, which setup.sh opens to all) or on a shared server, with this
    checkout's libraries: this interpreter when it already is; else a copy of its base (binary,
    libpython, standard library) in `folder` and a venv over it whose .pth adds the development
    venv's site-packages as a site folder (its .pth files run: the editable install). Here the
    base is under /root, which no other user can enter: without the copy a runner could not
    switch uid (no mount namespace can open /root in a container) and a non-root grader could
    not start at all, neither of which is what those tests are about."""
    import sysconfig

    from autograder.sandbox.policy import closed_paths

    if not closed_paths():
        return sys.executable
    base = folder / "python"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    (base / "bin").mkdir(parents=True)
    (base / "lib").mkdir()
    real = os.path.realpath(sys.executable)
    binary = base / "bin" / Path(real).name
    data = Path(real).read_bytes()
    libdir, soname = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME")
    if libdir and soname and (Path(libdir) / soname).is_file():
        shutil.copy2(Path(libdir) / soname, base / "lib" / soname)
        # The binary finds libpython by its run path, the base's lib folder: for another user that
        # is unreachable, and the loader would take the system's libpython of another release.
        old, new = os.fsencode(libdir) + b"\0", b"$ORIGIN/../lib"
        if data.count(old) == 1 and len(new) < len(old):
            data = data.replace(old, new + b"\0" * (len(old) - len(new)))
    binary.write_bytes(data)
    binary.chmod(0o755)
    shutil.copytree(stdlib, base / "lib" / stdlib.name,
                    ignore=shutil.ignore_patterns("site-packages", "test", "__pycache__", "idlelib", "tkinter"))
    (base / "lib" / stdlib.name / "site-packages").mkdir()
    venv = folder / "venv"
    subprocess.run([str(binary), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = sysconfig.get_paths()["purelib"]
    (venv / "lib" / stdlib.name / "site-packages" / "course-dev.pth").write_text(
        f"import site; site.addsitedir({purelib!r})\n")
    for path in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        os.chmod(path, 0o755)
    return str(venv / "bin" / "python")


@contextlib.contextmanager
def open_folder(prefix: str):
    """A fresh folder under /tmp that every user may enter, as /autograder is on Gradescope and a
    TA's folders are on a shared server (pytest's tmp_path sits under a 0700 folder, which would
    hide from another uid whatever lies inside); removed afterwards."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
