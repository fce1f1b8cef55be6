"""The p round (tests/attacks/p01.py, 2026-12-05): the sandbox where bubblewrap cannot run, as in
an unprivileged container (Gradescope's) or with COURSE_SANDBOX_BWRAP=0. The runner then sees the
grader's filesystem as its own unprivileged user, so what keeps the bundle (its hidden cases and
their answers) from it is the bundle folder's mode. Graded through the Gradescope zip's
run_autograder and through `course grade --jobs 1` beside honest neighbours."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, check_honest_neighbours, grade_duo_attacks

ATTACK = "p01_read_the_bundle_without_bubblewrap"
NO_BWRAP = {"COURSE_SANDBOX_BWRAP": "0"}

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only"),
    # Without root the runner keeps the grader's uid and reads what the grader reads: the
    # degraded mode SECURITY.md describes, with nothing a folder's mode could keep from it.
    pytest.mark.skipif(os.geteuid() != 0, reason="the runner switches to another uid only under root"),
]


def _probe(output: str) -> tuple[int, str, str]:
    found = re.findall(r"BUNDLE-PROBE found (\d+) read \[(.*?)\] refused \[(.*?)\]", output)
    assert found, output[-2000:]
    return int(found[0][0]), found[0][1], found[0][2]


@pytest.fixture
def open_folder():
    """A folder every user may enter, as /autograder is on Gradescope (pytest's own tmp_path sits
    under a 0700 folder, which would hide the bundle from the runner whatever its mode)."""
    folder = Path(tempfile.mkdtemp(prefix="course-p01-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_gradescope_bundle_is_closed_to_the_runner(open_folder):
    """Before: run_autograder on a zip unpacked as Gradescope does (folders 0755, files 0644),
    bubblewrap off: p01 found /autograder/source/bundle in the judge's command line and read the
    hidden case's golden file, a test file and grading.json, printed in a public case's output.
    The engine now closes the bundle folder to other users before the template's first runner
    when it runs without bubblewrap (SandboxEngine._close_to_runners): every read is refused and
    the submission keeps what it earned, 4/4 (the hidden case's assets reach it through its
    monitor's copy, as before)."""
    from autograder.build.bundle import bundle_for
    from autograder.config import load_course

    course = load_course(ROOT / "tests" / "fixtures" / "attack_course")
    bundle = bundle_for(course.get("duo"), course.seed)
    root = open_folder / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copytree(bundle.root, root / "source" / "bundle")
    for folder, dirs, files in os.walk(root / "source"):  # as unzip leaves it: readable by all
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    shutil.copy(ROOT / "tests" / "attacks" / f"{ATTACK}.py", root / "submission" / "duo.py")
    shutil.copy(ROOT / "autograder" / "templates" / "run_autograder", root / "run_autograder")
    proc = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "AUTOGRADER_ROOT": str(root),
                               "AUTOGRADER_PYTHON": sys.executable, **NO_BWRAP})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "WITHOUT filesystem isolation" in proc.stderr, proc.stderr[-3000:]  # the degraded mode it is about
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 4, json.dumps(data)[:3000]
    found, read, refused = _probe(json.dumps(data))
    assert found >= 1, "the probe should find the bundle named on the judge's command line"
    assert read == "", f"the runner read the bundle: {read}"
    assert "secret_golden.json:PermissionError" in refused, refused
    assert (root / "source" / "bundle" / "hidden" / "secret_golden.json").is_file()  # still there for the judge


def test_a_batch_workers_bundle_is_closed_to_the_runner(tmp_path):
    """The same probe through `course grade --jobs 1` without bubblewrap, each submission beside an
    honest neighbour: a worker unpacks its bundle in a folder of its own under /tmp (0700), which
    the probe finds and cannot enter."""
    graded = grade_duo_attacks(tmp_path, [ATTACK], env=NO_BWRAP)
    check_honest_neighbours(graded, [ATTACK])
    proc, _out, rows, records = graded
    assert "WITHOUT filesystem isolation" in proc.stderr, proc.stderr[-3000:]
    assert (rows[ATTACK]["status"], float(rows[ATTACK]["score"])) == ("graded", 4.0), rows[ATTACK]
    found, read, _refused = _probe(records[ATTACK]["result"]["output"])
    assert found >= 1, "the probe should find the worker's bundle folder under /tmp"
    assert read == "", f"the runner read the bundle: {read}"
