"""The o round (tests/attacks/o01.py on, 2026-12-05): the kernel's machine-wide counters, which no
namespace separates, as a way for a hidden input to reach the next submission (attack j02 did it
through the PID namespace's counter). Graded by the real `course grade --jobs 1` in the `duo`
assignment of tests/fixtures/attack_course, each followed on the same worker by an honest
submission (conftest.grade_duo_attacks)."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

KERNEL_ATTACKS = ["o01_a_count_in_the_kernel", "o01_b_read_the_kernel_counters"]

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only"),
    pytest.mark.skipif(not shutil.which("bwrap"), reason="the counters are masked in bubblewrap's /proc (without it, no filesystem isolation at all)"),
]


@pytest.fixture(scope="module")
def graded_kernel(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-o01"), KERNEL_ATTACKS)


def _counters(record) -> dict[str, int]:
    found = re.findall(r"COUNTERS (.*) cpus (\d+)", record["result"]["output"])
    assert len(found) == 1, record["result"]["output"]
    values = dict(pair.split("=") for pair in found[0][0].split())
    return {**{k: int(v) for k, v in values.items()}, "cpus": int(found[0][1])}


def test_a_hidden_case_leaves_nothing_in_the_kernels_counters(graded_kernel):
    """Before: o01_a's hidden case forked 337 children (its hidden input, 13.371337, as a count)
    and o01_b, the next submission but one on the same worker, read /proc/stat's forks since boot
    337 and the grader's few higher than o01_a had in its own public case (and page faults,
    context switches, the page cache and the thread count moved with them): the hidden input in
    another student's public output. The runners' /proc now shows fixed files for these
    (policy.proc_masks): every submission reads the same values, and os.cpu_count(), which
    reads /proc/stat once a runner cannot read /sys, still counts this machine's CPUs."""
    check_honest_neighbours(graded_kernel, KERNEL_ATTACKS)
    _proc, _out, rows, records = graded_kernel
    for name in KERNEL_ATTACKS:
        assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]
    a, b = (_counters(records[name]) for name in KERNEL_ATTACKS)
    assert a == b, (a, b)
    assert a["cpus"] == os.cpu_count(), a


def test_the_stand_ins_are_fixed_readable_and_keep_the_cpu_count(tmp_path):
    """policy.proc_masks: one world-readable file per /proc entry this kernel has, every counter
    0 (forks, context switches, interrupts, the page cache), a cpuN line per online CPU, the real
    boot time and total memory; bound in that order after bubblewrap's new /proc."""
    from autograder.sandbox.policy import bwrap_args, proc_masks

    pairs = proc_masks(str(tmp_path))
    by_name = {dest: src for src, dest in pairs}
    assert "/proc/stat" in by_name and "/proc/meminfo" in by_name and "/proc/vmstat" in by_name, pairs
    for src, dest in pairs:
        assert os.path.exists(dest), dest
        if os.path.isfile(src):
            assert os.stat(src).st_mode & 0o777 == 0o444, src
    stat = open(by_name["/proc/stat"], encoding="ascii").read().splitlines()
    cpus = [line for line in stat if re.match(r"cpu\d+ ", line)]
    assert len(cpus) == os.cpu_count(), stat
    fields = {line.split()[0]: line.split()[1:] for line in stat}
    assert fields["processes"] == ["0"] and fields["ctxt"] == ["0"] and fields["intr"] == ["0"], stat
    real_btime = next(line.split()[1] for line in open("/proc/stat", encoding="ascii") if line.startswith("btime "))
    assert fields["btime"] == [real_btime]
    meminfo = dict(line.split(":") for line in open(by_name["/proc/meminfo"], encoding="ascii").read().splitlines())
    real_total = next(line.split(":")[1] for line in open("/proc/meminfo", encoding="ascii") if line.startswith("MemTotal:"))
    assert meminfo["MemTotal"].split() == real_total.split() and meminfo["Cached"].split() == ["0", "kB"], meminfo
    assert open(by_name["/proc/vmstat"], encoding="ascii").read() == ""
    args = bwrap_args("bwrap", None, True, 1024, pairs)
    proc = args.index("/proc")
    for src, dest in pairs:
        at = args.index(dest, proc + 1)
        assert args[at - 2:at + 1] == ["--ro-bind", src, dest], args[at - 2:at + 1]


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root (to be the template's uid) and setpriv (to drop every capability)")
def test_a_process_of_the_templates_uid_cannot_open_the_trusted_processes_memory():
    """o02, at the session level (a non-root grader, whose runners keep its uid, cannot run on this
    machine: its interpreter lives under /root). A process of the template's own uid with no
    capabilities (what such a runner is) opened /proc/<pid>/mem of the template and of a session's
    monitor, for reading and writing: it could rewrite the trusted processes, and through them
    every later submission's runner. The template is no longer dumpable, nor anything forked from
    it: the same open is refused (ptrace's rule: another uid, or CAP_SYS_PTRACE, is needed)."""
    import subprocess

    from autograder.build.bundle import bundle_for
    from autograder.config import load_course
    from autograder.sandbox import SandboxEngine

    course = load_course(Path(__file__).resolve().parent / "fixtures" / "sandbox_course")
    bundle = bundle_for(course.get("tiny"), course.seed)
    engine = SandboxEngine(preload=("numpy",))
    try:
        session = engine.open(bundle, "def add(a, b):\n    return a + b\n", "tiny.py")
        try:
            assert session.env["add"](2, 3) == 5
            import psutil
            outer = psutil.Process(session.zygote.proc.pid)
            trusted = [p for p in outer.children(recursive=True)
                       if p.uids().real == 0 and "autograder.sandbox.zygote" in " ".join(p.cmdline())]
            assert len(trusted) >= 2, trusted  # the template and this session's monitor at least
            probe = ("import sys\nfor pid in sys.argv[1:]:\n    try:\n        open(f'/proc/{pid}/mem', 'r+b')\n"
                     "        print(pid, 'opened')\n    except OSError as e:\n        print(pid, type(e).__name__)\n")
            done = subprocess.run(["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--", sys.executable, "-c",
                                   probe, *(str(p.pid) for p in trusted)], capture_output=True, text=True, timeout=60)
            lines = done.stdout.split("\n")
            assert done.returncode == 0 and len([x for x in lines if x]) == len(trusted), (done.stdout, done.stderr)
            assert "opened" not in done.stdout, done.stdout
        finally:
            session.close()
    finally:
        engine.close()


def test_psutil_reads_the_stand_in_meminfo_without_a_warning():
    """Found by an outside round (2026-12-05): every yolo submission's q11 output said "your code
    printed: [warning] RuntimeWarning: shared, active, inactive memory stats couldn't be
    determined", psutil's complaint (Keras's model.save asks it for the available memory) about
    the stand-in /proc/meminfo, which lacked Shmem, Active and Inactive. The stand-in now has every
    field psutil reads, each fixed: psutil warns nothing and sees the machine's total, all free."""
    from autograder.build.bundle import bundle_for
    from autograder.config import load_course
    from autograder.sandbox import SandboxEngine

    source = ("import warnings\n\n"
              "def add(a, b):\n"
              "    import psutil\n"
              "    with warnings.catch_warnings(record=True) as caught:\n"
              "        warnings.simplefilter('always')\n"
              "        memory = psutil.virtual_memory()\n"
              "    psutil.virtual_memory()  # a warning here would reach the case's output, as it did\n"
              "    print('the session prints')\n"
              "    return [str(w.message) for w in caught], memory.total, memory.available\n")
    course = load_course(Path(__file__).resolve().parent / "fixtures" / "sandbox_course")
    engine = SandboxEngine(preload=("numpy",))
    try:
        session = engine.open(bundle_for(course.get("tiny"), course.seed), source, "tiny.py")
        try:
            caught, total, available = session.env["add"](2, 3)
            output = session.output()
        finally:
            session.close()
    finally:
        engine.close()
    real_kb = next(int(line.split()[1]) for line in open("/proc/meminfo", encoding="ascii") if line.startswith("MemTotal:"))
    assert caught == [], caught
    assert (total, available) == (real_kb * 1024, real_kb * 1024), (total, available)
    assert "the session prints" in output and "memory stats" not in output and "warning" not in output, output
