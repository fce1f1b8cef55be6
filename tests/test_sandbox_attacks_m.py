"""The m round (tests/attacks/m01.py on, 2026-12-05): what a submission's processes take together.
m01, memory: graded by the real `course grade --jobs 1` in the `duo` assignment of
tests/fixtures/attack_course (memory_mb 1 GiB, processes 64), followed on the same worker by an
honest submission (conftest.grade_duo_attacks), while the machine's used memory (MemTotal -
MemAvailable) is sampled every 0.05 s. m02, the CPU: two submissions graded at the same time by
`course grade --jobs 2`. Each needs what the engine needs for that cgroup per runner
(autograder/sandbox/cgroups.py): skipped, saying why, where the grader cannot make one."""

from __future__ import annotations

import re
import sys

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks, grade_sampled, meminfo_mb

MANY_ATTACK = "m01_many_processes_each_within_its_limit"
SPINNERS_ATTACK = "m02_a_sixty_spinners_beside_a_neighbour"
NEIGHBOUR = "m02_b_a_neighbour_that_needs_the_cpu"
ESCAPE_ATTACK = "m03_leave_the_groups"


def _no_groups(controller: str) -> str:
    """'' when the engine can make cgroups of `controller` here, else why not."""
    if not sys.platform.startswith("linux"):
        return "the sandbox is Linux-only"
    from autograder.sandbox.cgroups import RunnerGroups
    groups, why = RunnerGroups.probe()
    return "" if groups is not None and controller in groups.controllers else why.get(controller, "?")


needs_memory = pytest.mark.skipif(bool(_no_groups("memory")), reason=f"no memory cgroups here: {_no_groups('memory')}")
needs_cpu = pytest.mark.skipif(bool(_no_groups("cpu")), reason=f"no cpu cgroups here: {_no_groups('cpu')}")


@pytest.fixture(scope="module")
def graded_many(tmp_path_factory):
    return grade_sampled(tmp_path_factory.mktemp("attacks-m01"), [MANY_ATTACK], lambda: meminfo_mb("Used"))


@needs_memory
def test_a_submissions_processes_together_stay_within_its_memory(graded_many):
    """Before: six children of one call, each filling 400 MB within its own RLIMIT_AS, all held
    their 2.4 GB for two seconds in a session of memory_mb 1 GiB (6 of 6; the machine's used
    memory rose 2,343 MB, 808 MB now). Each runner is now born in a memory cgroup of its own limited to
    memory_mb, kernel memory included: the kernel's OOM killer ends children past the limit, at
    most two hold their 400 MB at once, the rise stays near 1 GiB, the case still passes (its
    runner is not the largest process) and the neighbour keeps 4/4."""
    graded, rise = graded_many
    rise = rise["Used"]
    check_honest_neighbours(graded, [MANY_ATTACK])
    _proc, _out, rows, records = graded
    assert rows[MANY_ATTACK]["status"] == "graded", rows[MANY_ATTACK]
    output = records[MANY_ATTACK]["result"]["output"]
    held = [int(n) for n in re.findall(r"children holding 400 MB: (\d+) of 6", output)]
    assert held and all(n <= 3 for n in held), output
    assert rise < 1400, f"the machine's used memory rose {rise} MB during the batch"


@pytest.fixture(scope="module")
def graded_spinners(tmp_path_factory):
    """m02a and m02b graded at the same time, one on each worker of a `--jobs 2` batch."""
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-m02"), [SPINNERS_ATTACK, NEIGHBOUR],
                             jobs=2, neighbours=False)


@needs_cpu
def test_a_submissions_processes_share_the_cpu_as_one(graded_spinners):
    """Before: m02a's 60 spinners, each in a session of its own, were 60 scheduling groups (the
    kernel's autogroup shares the CPU by session) against m02b's one, graded at the same time on
    the other worker, whose calls each needed 0.25 s of CPU: m02b got about 1/30 of a core and
    two of its four calls timed out (2/4, measured with COURSE_SANDBOX_CGROUP=0). Each runner is
    now born in a cpu cgroup of its own, one entity for the scheduler beside the other runners'
    groups whatever sessions its processes make (autogroup applies in the root group only):
    m02b has its core, 4/4 in 5.3 s; m02a's answers are honest, 4/4, its spinners killed with
    its session."""
    proc, _out, rows, records = graded_spinners
    assert proc.returncode == 0, proc.stderr[-3000:]
    spinners, neighbour = rows[SPINNERS_ATTACK], rows[NEIGHBOUR]
    assert "spinners: 60" in records[SPINNERS_ATTACK]["result"]["output"], records[SPINNERS_ATTACK]["result"]["output"]
    assert (spinners["status"], float(spinners["score"])) == ("graded", 4.0), spinners
    assert (neighbour["status"], float(neighbour["score"])) == ("graded", 4.0), neighbour


@pytest.fixture(scope="module")
def graded_escape(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-m03"), [ESCAPE_ATTACK])


@needs_memory
def test_a_runner_cannot_leave_its_groups(graded_escape):
    """m03 looks for a way out of its groups: a descriptor of a cgroup.procs or tasks file left
    open by whoever moved it in (the monitor joins with the judge's descriptors and closes them
    before it forks the runner), and every such file under /sys/fs/cgroup it can open for writing
    (bubblewrap shows it none; without bubblewrap they are root's, and the runner is not).
    Nothing found, nothing moved, its groups unchanged: 4/4, the neighbour 4/4."""
    check_honest_neighbours(graded_escape, [ESCAPE_ATTACK])
    _proc, _out, rows, records = graded_escape
    assert (rows[ESCAPE_ATTACK]["status"], float(rows[ESCAPE_ATTACK]["score"])) == ("graded", 4.0), rows[ESCAPE_ATTACK]
    output = records[ESCAPE_ATTACK]["result"]["output"]
    found = re.findall(r"inherited: (\d+); opened for writing: (\d+); moved: (\d+); groups unchanged: (\w+); "
                       r"in ours: (\d+)", output)
    assert len(found) == 1, output
    inherited, opened, moved, unchanged, ours = found[0]
    assert (inherited, opened, moved, unchanged) == ("0", "0", "0", "True") and int(ours) >= 1, output
