"""The m round (tests/attacks/m01.py on, 2026-12-05): what a submission's processes hold together,
graded by the real `course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course
(memory_mb 1 GiB, processes 64), each attack followed on the same worker by an honest submission
(conftest.grade_duo_attacks), while the machine's used memory (MemTotal - MemAvailable) is
sampled every 0.05 s. Needs what the engine needs for a memory cgroup per runner
(autograder/sandbox/cgroups.py): skipped, saying why, where the grader cannot make one."""

from __future__ import annotations

import re
import sys
import threading
import time

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

MANY_ATTACK = "m01_many_processes_each_within_its_limit"


def _groups_here() -> str:
    """'' when this machine lets the engine make memory cgroups, else why not."""
    if not sys.platform.startswith("linux"):
        return "the sandbox is Linux-only"
    from autograder.sandbox.cgroups import MemoryGroups
    groups, why = MemoryGroups.probe()
    return "" if groups is not None else why


pytestmark = pytest.mark.skipif(bool(_groups_here()), reason=f"no memory cgroups here: {_groups_here()}")


def _used_mb() -> int:
    with open("/proc/meminfo") as f:
        fields = {k: int(v.split()[0]) // 1024 for k, v in (line.split(":", 1) for line in f)}
    return fields["MemTotal"] - fields["MemAvailable"]


def grade_sampled(tmp, attacks):
    """grade_duo_attacks, and how far the machine's used memory rose above its level at the start
    of the batch (MB, its highest sample)."""
    base = _used_mb()
    peak, stop = [base], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _used_mb())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        graded = grade_duo_attacks(tmp, attacks)
    finally:
        stop.set()
        sampler.join()
    return graded, peak[0] - base


@pytest.fixture(scope="module")
def graded_many(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-m01"), [MANY_ATTACK])


def test_a_submissions_processes_together_stay_within_its_memory(graded_many):
    """Before: six children of one call, each filling 400 MB within its own RLIMIT_AS, all held
    their 2.4 GB for two seconds in a session of memory_mb 1 GiB (6 of 6; the machine's used
    memory rose 2,343 MB, 808 MB now). Each runner is now born in a memory cgroup of its own limited to
    memory_mb, kernel memory included: the kernel's OOM killer ends children past the limit, at
    most two hold their 400 MB at once, the rise stays near 1 GiB, the case still passes (its
    runner is not the largest process) and the neighbour keeps 4/4."""
    graded, rise = graded_many
    check_honest_neighbours(graded, [MANY_ATTACK])
    _proc, _out, rows, records = graded
    assert rows[MANY_ATTACK]["status"] == "graded", rows[MANY_ATTACK]
    output = records[MANY_ATTACK]["result"]["output"]
    held = [int(n) for n in re.findall(r"children holding 400 MB: (\d+) of 6", output)]
    assert held and all(n <= 3 for n in held), output
    assert rise < 1400, f"the machine's used memory rose {rise} MB during the batch"
