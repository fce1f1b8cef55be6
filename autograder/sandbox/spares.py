"""Spare monitors: a session's monitor forked, and put in its runner's cgroups, before the
session asks for it.

Joining a cgroup waits for an RCU grace period on cgroup v1 (~10 ms a session here, two
sessions a submission: cgroups.py), a wait in which neither the judge nor its CPU does anything.
A spare is that fork request made ahead of time: its monitor joins the groups and waits for the
session's set-up, so the wait passes while the judge is grading. Nothing else moves: the monitor
still gets the set-up (uid included) from the session that takes it, resets the PID counter and
only then forks the runner (monitor.py).

Who may take a spare. Its monitor's pid is the runner's parent pid, and a pid counts what was
forked before it in the template's PID namespace (attack j02). A spare armed while a runner is
alive may carry that runner's forks in its pid, so it belongs to that runner's submission: it
is armed by `expect` (the grading core, once the public cases' session is open: for the hidden
cases' session, or a runner restarted after a fault) and dropped if a session of another
submission comes for it. Otherwise a spare is armed only when no session has a runner (`after_close`,
once the last one's monitor has confirmed that all its processes are gone), and serves the next session of any
submission. Sessions become live (SandboxEngine.register) and spares are armed under one lock,
so neither can slip between the other's check and its fork.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .framing import close_quietly

if TYPE_CHECKING:
    from .cgroups import Group
    from .client import Zygote
    from .engine import SandboxEngine


class Spare:
    """One monitor waiting for its session: the judge's ends of its sockets and its groups."""

    def __init__(self, zygote: "Zygote", memory: int, asked: tuple[str, ...], owner: object | None,
                 rsock, msock, group: "Group | None"):
        self.zygote, self.memory, self.asked, self.owner = zygote, memory, asked, owner
        self.rsock, self.msock, self.group = rsock, msock, group

    def fits(self, zygote: "Zygote", memory: int, named: frozenset[str], owner: object) -> bool:
        """Whether a session of `owner` may take it: the same template and limit, armed for that
        submission or for any, and forked by a process that had the modules the submission names
        of the template's --later list (client.py) when a fork now would ask for more."""
        return (zygote is self.zygote and memory == self.memory and self.owner in (None, owner)
                and not any(m in named and m not in self.asked for m in zygote.later))

    def drop(self, engine: "SandboxEngine") -> None:
        """End it unused: the monitor reads end-of-file instead of a set-up and exits (it forked
        nothing), then its groups are removed."""
        close_quietly(self.rsock)
        close_quietly(self.msock)
        self.rsock = self.msock = None
        group, self.group = self.group, None
        engine.release_group(group)


class Spares:
    """At most one spare per engine (a batch worker grades one submission at a time)."""

    def __init__(self, engine: "SandboxEngine"):
        self.engine = engine
        self.lock = threading.Lock()  # sessions become live and spares are armed under it
        self.spare: Spare | None = None
        self.taken = 0  # sessions whose runner came from a spare (tests, the bench)

    def take(self, zygote: "Zygote", memory: int, named: frozenset[str], owner: object) -> Spare | None:
        """The spare, if this session may have it; one it may not have is dropped (off the
        critical path, in the engine's clean-up thread)."""
        with self.lock:
            spare, self.spare = self.spare, None
        if spare is None:
            return None
        if spare.fits(zygote, memory, named, owner):
            self.taken += 1
            return spare
        self.engine.finish_later(lambda: spare.drop(self.engine))
        return None

    def arm(self, zygote: "Zygote", memory: int, owner: object | None) -> None:
        """Fork a spare now, if none fits already and no runner of another submission is live
        (owner None: no runner at all). Called in the engine's clean-up thread."""
        with self.lock:
            old = self.spare
            if old is not None and old.fits(zygote, memory, frozenset(), owner):
                return
            with self.engine._lock:
                if self.engine._closed:
                    return
                live = [s for s in self.engine._sessions
                        if not s.runner_gone and (owner is None or s.owner is not owner)]
            if live:
                return
            self.spare = None
            if old is not None:
                old.drop(self.engine)
            groups, group = self.engine.groups, None
            if groups is not None:
                try:
                    group = groups.create(memory)
                except OSError:
                    return  # the session forks as before and says why (lifecycle.py)
            asked = zygote.asked
            try:
                rsock, msock = zygote.fork(frozenset(), group)
            except RuntimeError:
                self.engine.release_group(group)
                return
            self.spare = Spare(zygote, memory, asked, owner, rsock, msock, group)

    def drop_all(self) -> None:
        with self.lock:
            spare, self.spare = self.spare, None
        if spare is not None:
            spare.drop(self.engine)
