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

from conftest import ROOT, check_honest_neighbours, grade_duo_attacks, open_folder, readable_interpreter

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


def _run_autograder(root: Path, bundle_root, submission: str, env: dict, prefix: tuple = ()):
    """The zip as Gradescope unpacks it under `root` (folders 0755, files 0644: readable by all),
    with `submission` as duo.py, graded by its run_autograder (after `prefix`, a command that
    drops privileges); (the process, results.json)."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "submission").mkdir(parents=True)
    shutil.copytree(bundle_root, root / "source" / "bundle")
    for folder, _dirs, files in os.walk(root / "source"):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    (root / "submission" / "duo.py").write_text(submission)
    shutil.copy(ROOT / "autograder" / "templates" / "run_autograder", root / "run_autograder")
    proc = subprocess.run([*prefix, "bash", str(root / "run_autograder")], capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "AUTOGRADER_ROOT": str(root), **env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, json.loads((root / "results" / "results.json").read_text())


@pytest.fixture
def gradescope_folder():
    with open_folder("course-p01-") as folder:
        yield folder


def test_the_gradescope_bundle_is_closed_to_the_runner(gradescope_folder):
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
    root = gradescope_folder / "autograder"
    proc, data = _run_autograder(root, bundle.root, (ROOT / "tests" / "attacks" / f"{ATTACK}.py").read_text(),
                                 {"AUTOGRADER_PYTHON": sys.executable, **NO_BWRAP})
    assert "WITHOUT filesystem isolation" in proc.stderr, proc.stderr[-3000:]  # the degraded mode it is about
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


# --- p02: the grader's disk and the shared folders, without bubblewrap -----------------------

DISK_ATTACKS = ["f03_a_plant_everywhere", "f03_b_look_everywhere", "g01_fill_the_shared_tmp",
                "k02_empty_files_by_the_million"]


def _disk_used_mb() -> dict:
    """MB used on the filesystems a runner without bubblewrap may write to."""
    from autograder.sandbox.limits import WORLD_WRITABLE

    seen, used = set(), 0
    for folder in [tempfile.gettempdir(), *WORLD_WRITABLE]:
        try:
            dev = os.stat(folder).st_dev
        except OSError:
            continue
        if dev not in seen:
            seen.add(dev)
            st = os.statvfs(folder)
            used += (st.f_blocks - st.f_bfree) * st.f_frsize // 2**20
    return {"disk": used}


def _left_by_runners() -> list[str]:
    from autograder.sandbox.limits import UID_BASE, UID_COUNT, WORLD_WRITABLE

    left = []
    for folder in WORLD_WRITABLE:
        try:
            with os.scandir(folder) as it:
                left += [e.path for e in it if UID_BASE <= e.stat(follow_symlinks=False).st_uid < UID_BASE + UID_COUNT]
        except OSError:
            continue
    return left


def test_without_bubblewrap_a_session_writes_what_a_tmpfs_would_hold(tmp_path):
    """Before (the rounds f, g and k graded with COURSE_SANDBOX_BWRAP=0): g01, which fills the
    1 GiB tmpfs bubblewrap gives it, filled this machine's disk instead (66 GB, until the grader
    itself could not write: the batch stopped on ENOSPC); k02's empty files were bounded by
    nothing but the deadline; f03_a's marks in /tmp, /var/tmp, /dev/shm and /run/lock stayed
    there after its session, and f03_b, the next submission but one, read them. Now the monitor
    watches the filesystems (diskwatch.py): g01 is stopped past 1 GiB (its hidden case: a
    crash, no detail), k02 past 16,384 files, each with a reason, and every file a runner's
    uid left at the top of the shared folders is removed with its session: f03_b finds no mark,
    none is left after the batch, and every honest neighbour keeps full marks."""
    from conftest import grade_sampled

    graded, rise = grade_sampled(tmp_path, DISK_ATTACKS, _disk_used_mb, env=NO_BWRAP)
    check_honest_neighbours(graded, DISK_ATTACKS)
    proc, _out, rows, records = graded
    assert "WITHOUT filesystem isolation" in proc.stderr, proc.stderr[-3000:]
    # 1 GiB allowed, plus what 20 ms of writing adds before the next look (fallocate refused).
    assert rise["disk"] < 2500, f"the disk filled by {rise['disk']} MB during the batch"
    assert (rows["g01_fill_the_shared_tmp"]["status"], float(rows["g01_fill_the_shared_tmp"]["score"])) == ("graded", 3.0)
    assert "crashed in a hidden case" in rows["g01_fill_the_shared_tmp"]["reason"], rows["g01_fill_the_shared_tmp"]
    k02 = rows["k02_empty_files_by_the_million"]
    assert "the runner was stopped during the call: it made more than 16,384 files" in k02["reason"], k02
    # A call that ends in time prints its count (one stopped midway prints nothing): at most what
    # a tenth of a second adds past the bound (the count's period, COUNT_EVERY), on a busy machine
    # a little more; without the watch, ~80,000 a second for as long as the call lasts.
    made = [int(n) for n in re.findall(r"empty files made: (\d+)", records["k02_empty_files_by_the_million"]["result"]["output"])]
    assert all(n <= 2 * 16_384 for n in made), made
    assert "no mark" in records["f03_b_look_everywhere"]["result"]["output"], records["f03_b_look_everywhere"]["result"]["output"]
    assert float(rows["f03_b_look_everywhere"]["score"]) == 4.0
    assert not _left_by_runners()


def test_the_disk_watch_counts_only_the_runners_own_and_clears_them(tmp_path):
    """DiskWatch on its own: nothing to say while the filesystems hold; once one has dropped by
    more than the runner could still add it counts the runner's folder and what its uid owns at the top of the
    shared folders (another uid's files, even large, are not the runner's), says which bound was
    passed, and sweep() removes the uid's entries and nothing else."""
    from autograder.sandbox.diskwatch import DiskWatch

    uid = 64_999
    work, shared = tmp_path / "work", tmp_path / "shared"
    work.mkdir()
    shared.mkdir()
    watch = DiskWatch(str(work), uid)
    watch.shared = [str(shared)]
    watch.max_bytes, watch.max_files = 4 * 2**20, 50
    watch._room(*watch.usage())
    # what it may still add: the allowance less its empty folder, and the floor of 64 files (50 - 1 is below)
    assert 2**20 <= watch.room[0] <= 4 * 2**20 and watch.room[1] == 64, watch.room
    watch.base = {dev: (free + 10 * 2**30, inodes) for dev, (free, inodes) in watch.base.items()}  # "dropped"
    assert watch.check() is None  # nothing of its own yet: another process's writes
    assert watch.base != {dev: (free + 10 * 2**30, inodes) for dev, (free, inodes) in watch.base.items()}
    other = shared / "someone-elses"
    other.write_bytes(os.urandom(6 * 2**20))
    watch.base = {dev: (free + 10 * 2**30, inodes) for dev, (free, inodes) in watch.base.items()}
    assert watch.check() is None
    mine = shared / "mine"
    mine.mkdir()
    (mine / "big").write_bytes(os.urandom(5 * 2**20))
    os.lchown(mine, uid, uid)
    watch.base = {dev: (free + 10 * 2**30, inodes) for dev, (free, inodes) in watch.base.items()}
    assert watch.check() == "wrote more than 4 MB to disk"
    (mine / "big").unlink()
    for i in range(60):
        (work / f"f{i}").touch()
    watch.base = {dev: (free + 10 * 2**30, inodes) for dev, (free, inodes) in watch.base.items()}
    assert watch.check() == "made more than 50 files"
    watch.sweep()
    assert not mine.exists() and other.exists() and work.exists()  # the folder is the monitor's to remove


# --- p03: the Gradescope zip in an unprivileged container ------------------------------------

# Docker's default capabilities (what `docker run` gives root without --privileged or
# --cap-add), and so most likely Gradescope's: no CAP_SYS_ADMIN, hence no bubblewrap, no
# namespace of the runner's own, no mount namespace; CAP_SETUID stays, so runners switch uid.
DOCKER_CAPS = ("chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,"
               "net_bind_service,sys_chroot,kill,audit_write")


@pytest.fixture
def container_folder():
    with open_folder("course-p03-") as folder:  # p03 looks for the bundle under /tmp/course-p03-*
        yield folder


@pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv (util-linux) drops the capabilities")
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="p03 calls mq_open and shmget by their x86_64 numbers")
def test_the_gradescope_zip_in_an_unprivileged_container(container_folder):
    """Before: with Docker's default capabilities every runner exited before the submission ran
    (it could not unshare an IPC namespace, which a root grader's runner had to), so every
    submission got run_autograder's internal-error page, 0 points. Now the template probes the
    IPC namespace as it probes the network's, and a runner that cannot have one shares the
    grader's with System V objects and message queues refused (seccomp); a runner that keeps the
    grader's network has internet sockets refused (EACCES). The solution: 4/4. p03: the runner
    has another uid, reads no bundle, reaches no listener, makes no queue or segment; the mark it
    left in /tmp is gone after its session; 4/4."""
    from autograder.build.bundle import bundle_for
    from autograder.config import load_course

    sys.path.insert(0, str(ROOT / "tests"))
    from test_sandbox_attacks import Listener

    python = readable_interpreter(container_folder / "py")
    course = load_course(ROOT / "tests" / "fixtures" / "attack_course")
    bundle = bundle_for(course.get("duo"), course.seed)
    listener = Listener()
    try:
        pages = {}
        for name, text in [("solution", (ROOT / "tests" / "fixtures" / "attack_course" / "solutions" / "duo" / "duo.py").read_text()),
                           ("p03", (ROOT / "tests" / "attacks" / "p03_in_an_unprivileged_container.py").read_text()
                            .replace("{{PORT}}", str(listener.port)))]:
            caps = f"-all,+{DOCKER_CAPS.replace(',', ',+')}"
            proc, data = _run_autograder(container_folder / "autograder", bundle.root, text, {"AUTOGRADER_PYTHON": python},
                                         ("setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", "--"))
            assert "internal error" not in data["output"], proc.stderr[-3000:]
            pages[name] = (proc.stderr, data)
            assert not os.path.exists("/tmp/p03-mark"), "the runner's file outlived its session"
    finally:
        listener.close()
        if os.path.exists("/tmp/p03-mark"):
            os.unlink("/tmp/p03-mark")
    stderr, solution = pages["solution"]
    assert solution["score"] == 4, json.dumps(solution)[:3000]
    # the container it is about: no bubblewrap, no namespaces, a uid switch
    assert "bubblewrap refused" in stderr and "refused a new IPC namespace" in stderr, stderr[-3000:]
    assert "NO user switch" not in stderr, stderr[-3000:]
    _stderr, page = pages["p03"]
    assert page["score"] == 4, json.dumps(page)[:3000]
    found = re.findall(r"P03 (.*)", json.dumps(page))
    assert found, json.dumps(page)[:3000]
    said = dict(kv.split("=") for kv in found[0].split("\\n")[0].split())
    assert said == {"bundle": "EACCES", "connect": "EACCES", "inet6": "EACCES", "mark": "ok", "mq_open": "ENOSYS",
                    "shmget": "EPERM", "uid": "other"}, said
    assert listener.connections == 0
