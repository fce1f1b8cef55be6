"""The runner's cgroups (autograder/sandbox/cgroups.py): each runner born in a memory group and a
cpu group of its own, the memory one limited to memory_mb, removed with its session; a dead
grader's groups swept; and where no group can be made, one warning per controller and grading as
before. The attacks that need them are in tests/test_sandbox_attacks_m.py."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

from autograder.build.bundle import bundle_for
from autograder.config import load_course
from autograder.sandbox import SandboxEngine, cgroups
from autograder.sandbox.cgroups import RunnerGroups

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sandbox_course"

GROUPS, WHY = RunnerGroups.probe() if sys.platform.startswith("linux") else (None, {"memory": "not Linux"})
CONTROLLERS = GROUPS.controllers if GROUPS is not None else []
needs_groups = pytest.mark.skipif(CONTROLLERS != ["cpu", "memory"], reason=f"no memory and cpu cgroups here: {WHY}")

PROBE = '''
def my_groups():
    with open("/proc/self/cgroup") as f:
        return f.read()
'''


@pytest.fixture(scope="module")
def bundle():
    course = load_course(FIXTURE)
    return bundle_for(course.get("tiny"), course.seed)


def _group_of(text: str, controller: str) -> str:
    """The group /proc/self/cgroup names for a controller (v1: its own line; v2: the one line)."""
    for line in text.splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(",") or names == "":
            return path
    return ""


@needs_groups
def test_each_runner_is_born_in_groups_of_its_own_the_memory_one_limited_to_memory_mb(bundle):
    engine = SandboxEngine(preload=("numpy",))
    try:
        assert engine.protections["memory cgroup"] is True and engine.protections["cpu cgroup"] is True
        sessions = [engine.open(bundle, PROBE, "tiny.py") for _ in range(2)]
        try:
            names = []
            for s in sessions:
                seen = s.env["my_groups"]()
                group = s.group
                assert group is not None
                for controller in ("memory", "cpu"):
                    found = re.findall(r"course-\d+-\d+", _group_of(seen, controller))
                    assert found, f"the runner is in no {controller} group of ours: {seen!r}"
                    assert os.path.basename(group.path(controller)) == found[0]
                names.append(os.path.basename(group.path("memory")))
                memory = group.path("memory")
                limit = "memory.limit_in_bytes" if os.path.exists(os.path.join(memory, "memory.limit_in_bytes")) else "memory.max"
                with open(os.path.join(memory, limit), encoding="utf-8") as f:
                    assert int(f.read()) == bundle.limits.memory_mb * 2**20
            assert names[0] != names[1], "two sessions share a group"
            paths = [p for s in sessions for _, p, _ in s.group.parts]
        finally:
            for s in sessions:
                s.close()
        # A group whose monitor was still exiting when its session closed is not waited for: it
        # goes when the next group is made, or when the engine closes (RunnerGroups.flush).
        engine.groups.flush(2.0)
        left = [p for p in paths if os.path.exists(p)]
        assert not left, f"groups outlived their sessions: {left}"
    finally:
        engine.close()


@needs_groups
def test_a_group_busy_when_released_goes_when_the_next_is_made_or_at_close(bundle):
    """release() does not wait for a monitor that is still exiting (a batch worker waits for the
    clean-up before its next submission): a busy group is kept and removed by the next create()
    or by the engine's close; none is left behind."""
    engine = SandboxEngine(preload=("numpy",))
    try:
        group = engine.groups.create(64 * 2**20)
        paths = [p for _, p, _ in group.parts]
        pid = os.fork()
        if pid == 0:  # a process in the group, as a monitor that has not exited yet
            try:
                cgroups.join(group.procs_fds)
                time.sleep(30)
            finally:
                os._exit(0)
        group.close_fds()
        deadline = time.monotonic() + 5  # it joins the groups one after the other
        while time.monotonic() < deadline and not all(_member(p, pid) for p in paths):
            time.sleep(0.01)
        assert all(_member(p, pid) for p in paths)
        engine.groups.release(group)
        assert all(os.path.exists(p) for p in paths) and group in engine.groups.left
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        engine.groups.create(64 * 2**20).remove()  # the next one made: the busy one tried again
        deadline = time.monotonic() + 5
        while any(os.path.exists(p) for p in paths) and time.monotonic() < deadline:
            engine.groups.flush(0.1)
        assert not [p for p in paths if os.path.exists(p)] and not engine.groups.left
    finally:
        engine.close()


def _member(path: str, pid: int) -> bool:
    with open(os.path.join(path, "cgroup.procs"), encoding="ascii") as f:
        return str(pid) in f.read().split()


@needs_groups
def test_a_dead_graders_groups_are_swept_and_a_live_ones_kept():
    dead = 2**22 + 12345  # above pid_max's default: no process has it
    while cgroups._alive(dead):
        dead += 1
    made = []
    for _, base, _ in GROUPS.hierarchies:
        for pid in (dead, os.getppid()):  # pytest's parent is alive
            made.append((os.path.join(base, f"course-{pid}-7"), pid == dead))
            os.mkdir(made[-1][0])
    try:
        groups, why = RunnerGroups.probe()  # what an engine does when it starts
        assert groups is not None, why
        for path, stale in made:
            assert os.path.exists(path) is not stale, f"{path}: {'left' if stale else 'removed'}"
    finally:
        for path, _ in made:
            if os.path.exists(path):
                os.rmdir(path)


def test_without_groups_one_warning_each_and_grading_as_before(bundle, capfd, monkeypatch):
    from autograder.sandbox import engine as engine_module
    monkeypatch.setattr(engine_module, "_warned", set())
    monkeypatch.setattr(cgroups, "_own_dirs", lambda: {})
    engine = SandboxEngine(preload=("numpy",))
    try:
        err = capfd.readouterr().err
        assert err.count("memory is limited per process") == 1, err
        assert err.count("share the CPU as that many processes") == 1, err
        assert engine.protections["memory cgroup"] is False and engine.protections["cpu cgroup"] is False
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
        assert off.protections["memory cgroup"] is False and off.protections["cpu cgroup"] is False
    finally:
        off.close()
