"""Spare monitors (autograder/sandbox/spares.py): a session's monitor forked and put in its
runner's cgroups ahead of the session. What each test holds: the runner a spare serves is the one
a fresh fork would have made (its session's uid, its own groups, the memory limit, a working
submission); a spare armed while a submission's runner is alive serves that submission only; one
armed with no runner left serves whichever comes next; none outlives the engine. The pids they
leave the runners are attack j02's (tests/test_sandbox_attacks_j.py, through `course grade`)."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from autograder.build.bundle import bundle_for
from autograder.config import load_course
from autograder.sandbox import SandboxEngine
from autograder.sandbox.cgroups import RunnerGroups
from autograder.sandbox.spares import Spare

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sandbox_course"

GROUPS, WHY = RunnerGroups.probe() if sys.platform.startswith("linux") else (None, {"memory": "not Linux"})

PROBE = '''
import os

def who():
    with open("/proc/self/cgroup") as f:
        return os.getuid(), f.read()

def add(a, b):
    return a + b
'''


@pytest.fixture(scope="module")
def bundle():
    course = load_course(FIXTURE)
    return bundle_for(course.get("tiny"), course.seed)


@pytest.fixture()
def engine():
    e = SandboxEngine(preload=("numpy",))
    try:
        yield e
    finally:
        e.close()


def _armed(engine, owner=None):
    """The engine's spare once its clean-up thread has armed it (queued after the clean-up; the
    fork itself is quick, and the monitor may still be joining its groups, which the session
    waits for if it comes first)."""
    engine.wait_for_cleanup()
    deadline = time.monotonic() + 10
    while (engine.spares.spare is None or engine.spares.spare.owner is not owner) and time.monotonic() < deadline:
        time.sleep(0.01)
    spare = engine.spares.spare
    assert spare is not None, "no spare was armed"
    assert spare.owner is owner
    return spare


def _check_runner(session, bundle):
    """The runner answers, runs as the session's own uid, and sits in the session's groups."""
    assert session.import_error is None
    assert session.env["add"](2, 3) == 5
    uid, groups = session.env["who"]()
    if session.uid is not None:
        assert uid == session.uid.uid, (uid, session.uid.uid)
    if GROUPS is not None and session.group is not None:
        for controller in GROUPS.controllers:
            name = os.path.basename(session.group.path(controller))
            assert re.search(rf"\b{re.escape(name)}\b", groups), (controller, name, groups)
        memory = session.group.path("memory") if "memory" in GROUPS.controllers else None
        if memory:
            limit = "memory.limit_in_bytes" if os.path.exists(os.path.join(memory, "memory.limit_in_bytes")) else "memory.max"
            with open(os.path.join(memory, limit), encoding="utf-8") as f:
                assert int(f.read()) == bundle.limits.memory_mb * 2**20


def test_the_hidden_cases_session_takes_the_spare_armed_for_its_submission(engine, bundle):
    """As the grading core does: the public cases' session opens, `expect` arms a spare for the
    same submission, and the hidden cases' session takes it; its runner is what a fresh fork
    makes (its own uid, its own groups with the memory limit); the two sessions' runners differ."""
    submission = object()
    public = engine.open(bundle, PROBE, "tiny.py", submission=submission)
    engine.expect(bundle, submission)
    _armed(engine, submission)
    taken = engine.spares.taken
    hidden = None
    try:
        _check_runner(public, bundle)
        public.close_later()
        hidden = engine.open(bundle, PROBE, "tiny.py", submission=submission)
        assert engine.spares.taken == taken + 1, "the hidden cases' session did not take the spare"
        _check_runner(hidden, bundle)
        if public.uid is not None and hidden.uid is not None:
            assert engine.used_uids >= {hidden.uid.uid}
        if GROUPS is not None:
            assert hidden.group is not None and engine.groups is not None, engine.notes
    finally:
        public.close()
        if hidden is not None:
            hidden.close()


def test_a_spare_armed_for_one_submission_serves_no_other(engine, bundle):
    """Armed while submission A's runner is alive, a spare may carry that runner's forks in its
    pid: a session of submission B (opened while A's runner lives, as no batch worker does, but
    an engine allows) does not take it; it is dropped and B's runner is forked afresh."""
    a, b = object(), object()
    first = engine.open(bundle, PROBE, "tiny.py", submission=a)
    other = None
    try:
        engine.expect(bundle, a)
        spare = _armed(engine, a)
        taken = engine.spares.taken
        other = engine.open(bundle, PROBE, "tiny.py", submission=b)
        assert engine.spares.taken == taken, "submission B took submission A's spare"
        assert other.msock is not spare.msock
        engine.wait_for_cleanup()  # the drop runs in the clean-up thread
        assert spare.msock is None and spare.group is None, "the refused spare was not dropped"
        _check_runner(other, bundle)
    finally:
        first.close()
        if other is not None:
            other.close()


def test_once_no_runner_is_left_the_spare_serves_whichever_submission_comes_next(engine, bundle):
    """A submission's own spare left unused when its last session closes is replaced by one armed
    with no runner alive, which the next submission's first session takes."""
    a = object()
    first = engine.open(bundle, PROBE, "tiny.py", submission=a)
    engine.expect(bundle, a)
    _armed(engine, a)
    first.close()
    _armed(engine, None)
    taken = engine.spares.taken
    nxt = engine.open(bundle, PROBE, "tiny.py", submission=object())
    try:
        assert engine.spares.taken == taken + 1
        _check_runner(nxt, bundle)
    finally:
        nxt.close()


@pytest.mark.skipif(GROUPS is None, reason=f"the spare's monitor is found by its cgroup here: {WHY}")
def test_a_spare_whose_monitor_died_costs_only_a_fresh_fork(engine, bundle):
    """A spare's monitor killed while it waits (from outside: its runner-to-be cannot, attack n01):
    the session that takes it finds no monitor and forks a fresh one (a set-up retried), its
    runner works, nothing is blamed on the submission, and its uid is lent again after it (no
    folder was made that could still hold anything)."""
    s = engine.open(bundle, PROBE, "tiny.py")
    s.close()
    spare = _armed(engine, None)
    procs = os.path.join(spare.group.parts[0][1], "cgroup.procs")
    deadline = time.monotonic() + 5
    pids = []
    while not pids and time.monotonic() < deadline:  # the monitor joins a moment after its fork
        with open(procs, encoding="ascii") as f:
            pids = [int(x) for x in f.read().split()]
        time.sleep(0.01)
    assert len(pids) == 1, pids
    monitor = psutil.Process(pids[0])
    monitor.kill()
    monitor.wait(timeout=10)
    nxt = engine.open(bundle, PROBE, "tiny.py")
    lease = nxt.uid
    try:
        _check_runner(nxt, bundle)
        assert nxt.msock is not spare.msock
    finally:
        nxt.close()
    # The dead monitor made no folder: nothing keeps the session's uid from being lent again.
    assert not nxt.folder_left
    if lease is not None:
        assert lease.fd == -1, "the uid is still leased"


def test_no_spare_outlives_the_engine(bundle):
    """Closing the engine ends the spare's monitor (end of file instead of a set-up: it forked
    nothing) and removes its groups: no process of the template left, no group of ours left."""
    engine = SandboxEngine(preload=("numpy",))
    try:
        s = engine.open(bundle, PROBE, "tiny.py")
        s.close()
        spare = _armed(engine, None)
        template = psutil.Process(s.zygote.proc.pid)
        family = [template, *template.children(recursive=True)]
        paths = [p for _, p, _ in spare.group.parts] if spare.group is not None else []
    finally:
        engine.close()
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, alive
    deadline = time.monotonic() + 5
    while any(os.path.exists(p) for p in paths) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in paths if os.path.exists(p)], paths


def test_a_spare_fits_only_its_template_limit_submission_and_modules():
    """Spare.fits, each condition alone: another template, another memory limit, another
    submission's spare, and a submission naming a module of the template's --later list that the
    spare's server had not been asked for (a fork now would start the successor that has it)."""
    zygote = SimpleNamespace(later=("scipy.signal",))
    mine = object()
    spare = Spare(zygote, 2**30, (), mine, None, None, None)
    assert spare.fits(zygote, 2**30, frozenset({"numpy"}), mine)
    assert not spare.fits(SimpleNamespace(later=()), 2**30, frozenset(), mine)
    assert not spare.fits(zygote, 2**29, frozenset(), mine)
    assert not spare.fits(zygote, 2**30, frozenset(), object())
    assert not spare.fits(zygote, 2**30, frozenset({"scipy.signal"}), mine)
    asked = Spare(zygote, 2**30, ("scipy.signal",), None, None, None, None)
    assert asked.fits(zygote, 2**30, frozenset({"scipy.signal"}), object())
