"""A grader without root, as a TA on a shared Linux server runs it: the real `course grade`, as
another user (nobody, through setpriv), on a copy of the attack course. bubblewrap then runs
unprivileged (a user namespace), the runner keeps the grader's uid and there are no cgroups;
the engine says so and grades. p01 looks for the bundle and finds nothing in bubblewrap's
private /tmp and PID namespace; n01 looks for root processes to stop (there are none: every
process is the grader's); f03_a plants marks everywhere for f03_b, the next submission but
one: before each runner took a read-only view of its own (sandbox/ownview.py), f03_a wrote to
bubblewrap's /, /etc, /dev, /tmp and the template's settings folder, and f03_b found all 28."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, open_folder, readable_interpreter

NOBODY = 65534

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only"),
    pytest.mark.skipif(os.geteuid() != 0, reason="root is needed to become another user for the test"),
    pytest.mark.skipif(not (shutil.which("setpriv") and shutil.which("bwrap")), reason="needs setpriv and bubblewrap"),
]


def _as_nobody(*args: str, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture
def shared_folder():
    with open_folder("course-nonroot-") as folder:
        yield folder


@pytest.mark.parametrize("bwrap", [True, False], ids=["bubblewrap", "no-bubblewrap"])
def test_a_grader_without_root(shared_folder, bwrap):
    """Without bubblewrap too (COURSE_SANDBOX_BWRAP=0): before each runner had a PID namespace of
    its own, f03_a's kill(-1) killed every process of the grader's user on the machine, the
    grader among them, and the batch ended at the sixth submission; and it planted its marks in
    /tmp for f03_b. There a runner still reads whatever the grader's user can (p01 reads the
    bundle: SECURITY.md), which is why the engine says what is off. And j02 (a hidden input as a
    count of forks and files, read by the next submission but one) reads the same numbers."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(shared_folder / "home"), **({} if bwrap else {"COURSE_SANDBOX_BWRAP": "0"})}
    if _as_nobody("bwrap", "--ro-bind", "/", "/", "true", env=env, timeout=60).returncode != 0:
        pytest.skip("unprivileged user namespaces are off here: bubblewrap cannot run without root")
    python = readable_interpreter(shared_folder / "py")
    course, subs, out = shared_folder / "course", shared_folder / "subs", shared_folder / "out"
    shutil.copytree(ROOT / "tests" / "fixtures" / "attack_course", course)
    subs.mkdir()
    out.mkdir()
    (shared_folder / "home").mkdir()
    solution = (course / "solutions" / "duo" / "duo.py").read_text()
    (subs / "honest.py").write_text(solution)
    (subs / "stub.py").write_text((course / "assignments" / "duo" / "duo.py").read_text())
    attacks = ("p01_read_the_bundle_without_bubblewrap", "n01_touch_the_spare", "f03_a_plant_everywhere",
               "f03_b_look_everywhere", "j02_a_count_in_pids", "j02_b_read_the_counters")
    for name in attacks:
        shutil.copy(ROOT / "tests" / "attacks" / f"{name}.py", subs / f"{name}.py")
        (subs / f"{name}_zhonest.py").write_text(solution)
    for path in [shared_folder / "home", out, course, subs, *course.rglob("*"), *subs.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    proc = _as_nobody(python, "-m", "autograder", "--root", str(course), "grade", "duo", str(subs),
                      "--out", str(out), "--jobs", "1", "--no-resume", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "not running as root" in proc.stderr, proc.stderr[-3000:]
    if bwrap:
        assert "bubblewrap refused" not in proc.stderr and "WITHOUT" not in proc.stderr, proc.stderr[-3000:]
    else:
        assert "WITHOUT filesystem isolation" in proc.stderr, proc.stderr[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    scores = {name: (r["status"], float(r["score"])) for name, r in rows.items()}
    honest = ["honest", *(f"{name}_zhonest" for name in attacks)]
    assert {name: scores.pop(name) for name in honest} == {name: ("graded", 4.0) for name in honest}
    # f03_a's own row is its business; with its own PID namespace its signals reach nothing
    # outside (without it, its SIGSTOPs stopped the template's processes and its row was a timeout)
    f03_a = scores.pop("f03_a_plant_everywhere")
    assert f03_a[0] == "graded", (f03_a, rows["f03_a_plant_everywhere"]["reason"])
    assert "refused a user namespace" not in proc.stderr, proc.stderr[-3000:]  # the view was on
    assert scores == {"stub": ("graded", 0.0), "p01_read_the_bundle_without_bubblewrap": ("graded", 4.0),
                      "n01_touch_the_spare": ("graded", 4.0), "f03_b_look_everywhere": ("graded", 4.0),
                      "j02_a_count_in_pids": ("graded", 4.0), "j02_b_read_the_counters": ("graded", 4.0)}, scores
    # j02: a_'s hidden case forked 337 times and made as many files; b_, two submissions later,
    # read its pid and a new file's inode number. Before each runner had a PID namespace and a
    # tmpfs of its own here: 10 -> 355 and 17 -> 371. Now the same numbers.
    def probe(name):
        found = re.findall(r"PID (\d+) .*ino (\d+)", (out / "logs" / f"{name}.log").read_text())
        assert found, name
        return found[0]
    assert probe("j02_a_count_in_pids") == probe("j02_b_read_the_counters")
    p01 = (out / "logs" / "p01_read_the_bundle_without_bubblewrap.log").read_text()
    if bwrap:
        assert re.search(r"BUNDLE-PROBE found \d+ read \[\]", p01), p01[-2000:]
    planted = (out / "logs" / "f03_a_plant_everywhere.log").read_text()
    assert "PLANTED" not in planted, planted[-2000:]
    assert "no mark" in (out / "logs" / "f03_b_look_everywhere.log").read_text()
    assert "refused a user namespace" not in proc.stderr, proc.stderr[-3000:]
    assert not any(p.stat().st_uid != NOBODY for p in out.rglob("*")), "every file the grader wrote is its user's"


READ_BACK = '''
import json, sys
from autograder.build.bundle import bundle_for
from autograder.config import load_course
from autograder.sandbox import SandboxEngine
from autograder.sandbox.proxies import file_head

SOURCE = """
import os
def write(name, n):
    with open(name, "wb") as f:
        f.write(bytes(i % 251 for i in range(n)))
    os.symlink("/etc/passwd", "link")
    return n
"""
course = load_course(sys.argv[1])
engine = SandboxEngine(preload=("numpy",))
try:
    session = engine.open(bundle_for(course.get("tiny"), course.seed), SOURCE, "tiny.py")
    try:
        assert session.env["write"]("out.bin", 5000) == 5000
        got = file_head(session.env["write"], "out.bin", 100)
        try:
            file_head(session.env["write"], "link")
            link = "not refused"
        except FileNotFoundError:
            link = "refused"
        print(json.dumps({"got": None if got is None else [got[0], list(got[1])], "link": link}))
    finally:
        session.close()
finally:
    engine.close()
'''


def test_a_written_file_is_read_back_without_root(shared_folder):
    """A runner with a private view (a grader without root) has a tmpfs of its own that the monitor
    cannot reach by path: the runner hands the monitor a descriptor of its folder before any
    student code runs (ownview.hand_over_view), so a test's read back (yolo q9's .avi header) is
    the monitor's, not the submission's cv2, here too. Before: None (q9 fell back)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(shared_folder / "home")}
    if _as_nobody("bwrap", "--ro-bind", "/", "/", "true", env=env, timeout=60).returncode != 0:
        pytest.skip("unprivileged user namespaces are off here: bubblewrap cannot run without root")
    python = readable_interpreter(shared_folder / "py")
    course = shared_folder / "course"
    shutil.copytree(ROOT / "tests" / "fixtures" / "sandbox_course", course)
    (shared_folder / "home").mkdir()
    script = shared_folder / "read_back.py"
    script.write_text(READ_BACK)
    for path in [shared_folder / "home", script, course, *course.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    proc = _as_nobody(python, str(script), str(course), env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json

    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["got"] == [5000, [i % 251 for i in range(100)]], result
    assert result["link"] == "refused", result
