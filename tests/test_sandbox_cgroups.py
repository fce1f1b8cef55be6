"""The runner's memory cgroup (autograder/sandbox/cgroups.py): each runner born in a group of its
own, limited to memory_mb, removed with its session; a dead grader's groups swept; and where no
group can be made, one warning and grading as before. The attack that needs it is
tests/test_sandbox_attacks_m.py."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from autograder.build.bundle import bundle_for
from autograder.config import load_course
from autograder.sandbox import SandboxEngine, cgroups
from autograder.sandbox.cgroups import MemoryGroups

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sandbox_course"

GROUPS, WHY = MemoryGroups.probe() if sys.platform.startswith("linux") else (None, "not Linux")
needs_groups = pytest.mark.skipif(GROUPS is None, reason=f"no memory cgroups here: {WHY}")

PROBE = '''
def my_groups():
    with open("/proc/self/cgroup") as f:
        return f.read()
'''


@pytest.fixture(scope="module")
def bundle():
    course = load_course(FIXTURE)
    return bundle_for(course.get("tiny"), course.seed)


@needs_groups
def test_each_runner_is_born_in_a_memory_group_of_its_own_limited_to_memory_mb(bundle):
    engine = SandboxEngine(preload=("numpy",))
    try:
        assert engine.protections["memory cgroup"] is True
        sessions = [engine.open(bundle, PROBE, "tiny.py") for _ in range(2)]
        try:
            names = []
            for s in sessions:
                seen = s.env["my_groups"]()
                found = re.findall(r"course-\d+-\d+", seen)
                assert found, f"the runner is in no group of ours: {seen!r}"
                names.append(found[0])
                group = s.group
                assert group is not None and os.path.basename(group.path) == found[0]
                with open(os.path.join(group.path, "memory.limit_in_bytes" if group.version == 1 else "memory.max")) as f:
                    assert int(f.read()) == bundle.limits.memory_mb * 2**20
            assert names[0] != names[1], "two sessions share a group"
            paths = [s.group.path for s in sessions]
        finally:
            for s in sessions:
                s.close()
        left = [p for p in paths if os.path.exists(p)]
        assert not left, f"groups outlived their sessions: {left}"
    finally:
        engine.close()


@needs_groups
def test_a_dead_graders_groups_are_swept_and_a_live_ones_kept():
    dead = 2**22 + 12345  # above pid_max's default: no process has it
    while cgroups._alive(dead):
        dead += 1
    stale = os.path.join(GROUPS.base, f"course-{dead}-7")
    live = os.path.join(GROUPS.base, f"course-{os.getppid()}-7")  # pytest's parent: alive
    os.mkdir(stale)
    os.mkdir(live)
    try:
        groups, why = MemoryGroups.probe()  # what an engine does when it starts
        assert groups is not None, why
        assert not os.path.exists(stale), "a dead grader's group was left"
        assert os.path.exists(live), "a live grader's group was removed"
    finally:
        for path in (stale, live):
            if os.path.exists(path):
                os.rmdir(path)


def test_without_groups_one_warning_and_grading_as_before(bundle, capfd, monkeypatch):
    from autograder.sandbox import engine as engine_module
    monkeypatch.setattr(engine_module, "_warned", set())
    monkeypatch.setattr(cgroups, "_own_memory_dir", lambda: None)
    engine = SandboxEngine(preload=("numpy",))
    try:
        err = capfd.readouterr().err
        assert "memory is limited per process" in err and err.count("memory cgroup") <= 1
        assert engine.protections["memory cgroup"] is False
        s = engine.open(bundle, PROBE, "tiny.py")
        try:
            assert s.group is None
            assert not re.findall(r"course-\d+-\d+", s.env["my_groups"]())
        finally:
            s.close()
    finally:
        engine.close()
    monkeypatch.setenv("COURSE_SANDBOX_CGROUP", "0")
    off = SandboxEngine(preload=("numpy",))
    try:
        assert off.protections["memory cgroup"] is False
    finally:
        off.close()
