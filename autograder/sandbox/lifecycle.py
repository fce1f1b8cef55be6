"""A session's runner over its life: fork it and import the submission (retrying a runner that
could not be set up or confined), receive its frames within the submission's deadline, kill it,
shut it down with its monitor, and restart it after a fault. SandboxSession (session.py) builds
the calls on top of this.
"""

from __future__ import annotations

import time

from ..status import Status
from . import wire
from .faults import SandboxSetupError
from .framing import close_quietly
from .limits import MONITOR_REPLY, SETUP_ATTEMPTS, SETUP_SLACK
from .preload import modules_named
from .reasons import confinement_problem, death_reason, import_failure


class RunnerLifecycle:
    """Start, watch, kill and restart the runner of one session. The session sets the fields
    used here (zygote, uid, owner, limits, source, filename, module, deadline, log, engine, budget)."""

    def _until(self, seconds: float) -> float:
        """The receive deadline of one exchange: `seconds` from now, or the submission's
        deadline if that comes first."""
        until = time.monotonic() + seconds
        return min(until, self.deadline.at) if self.deadline is not None else until

    def _out_of_time(self) -> bool:
        if self.deadline is not None and self.deadline.passed():
            self.expired = self.deadline.reason
        return self.expired is not None

    def _start(self) -> tuple[str, str] | None:
        """Fork a runner and import the submission; (status, reason) when the import failed.
        A runner that could not be set up or confined (nothing of the submission has run yet)
        is tried again with a fresh folder; SandboxSetupError when it never works."""
        for attempt in range(SETUP_ATTEMPTS):
            if attempt:  # a full /tmp is often the last session's folder, still being removed (g01)
                self.engine.wait_for_cleanup()
            outcome = self._start_once()
            if outcome != "retry":
                return outcome
        raise SandboxSetupError(f"the sandbox could not start a runner: {self._setup_problem}")

    def _start_once(self):
        self.gen += 1
        self.globals_cache = {}
        self._release.clear()
        self.log.runner_dropped = 0
        self.exit_info = None
        self._early_exit = None  # a new monitor: nothing of the last one's is kept
        lim = self.limits
        self._release_group()
        memory, named = int(lim.memory_mb) * 2**20, modules_named(self.source)
        spare = self.engine.spares.take(self.zygote, memory, named, self.owner)
        if spare is not None:  # forked ahead, already in its groups (spares.py)
            self.rsock, self.msock, self.group = spare.rsock, spare.msock, spare.group
        else:
            groups = self.engine.groups
            if groups is not None:
                try:  # all the runner's processes together, kernel memory included (cgroups.py)
                    self.group = groups.create(memory)
                except OSError as e:
                    self.engine.groups_failed(f"could not make the runner's cgroups ({e.strerror or e})")
            try:
                self.rsock, self.msock = self.zygote.fork(named, self.group)
            except RuntimeError as e:
                self._setup_problem = str(e)
                self._release_group()
                return "retry"
        setup = {"source": self.source, "filename": self.filename, "module": self.module,
                 "uid": self.uid.uid if self.uid else None,
                 "limits": {"timeout": lim.timeout, "memory_mb": lim.memory_mb, "processes": lim.processes,
                            "file_size_mb": lim.file_size_mb, "output_kb": lim.output_kb}}
        try:
            wire.send_frame(self.msock, setup)
        except OSError as e:
            # Nothing reached the monitor (a spare whose monitor had died): it made no folder,
            # so there is no removal to wait for, and the uid may be lent again (folder_left).
            close_quietly(self.msock)
            self.msock = None
            self._drop_runner()
            self._release_group()
            self._setup_problem = f"the monitor was gone ({type(e).__name__})"
            return "retry"
        try:
            ev, _ = wire.recv_frame(self.msock, time.monotonic() + SETUP_SLACK)
        except (wire.Timeout, wire.Closed, wire.WireError, OSError) as e:
            self._shutdown()
            self._setup_problem = f"the monitor did not answer ({type(e).__name__})"
            return "retry"
        if ev.get("event") != "started":
            self._shutdown()
            self._setup_problem = str(ev.get("error", ev))[:300]
            return "retry"
        self.alive = True
        # The runner's first message says it is confined; nothing of the submission has run before it.
        try:
            first, _ = self._recv(time.monotonic() + SETUP_SLACK)
        except (wire.Timeout, wire.Closed, wire.WireError, OSError):
            first = None
        if not isinstance(first, dict) or first.get("confined") is not True:
            info = self._kill()
            self._shutdown()
            self._setup_problem = confinement_problem(info)
            return "retry"
        if self.group is not None and first.get("grouped") is not True:
            self.engine.groups_failed("a runner could not join its cgroups")
        t = float(lim.timeout)
        try:
            header, _ = self._recv(self._until(t))
        except wire.Timeout:
            self._kill()
            if self._out_of_time():
                return (Status.TIMEOUT, self.expired)
            return (Status.TIMEOUT, f"importing the submission timed out after {t:g} s")
        except wire.WireError as e:
            self._kill()
            return (Status.ERROR, f"the submission's runner sent an unreadable message while being imported: {e}")
        except (wire.Closed, OSError):
            info = self._kill()
            return self._death_reason(info, "while importing the submission")
        if header.get("imported") is True:
            self.take_prefetch(header.get("prefetch"))
            return None
        self._kill()
        return import_failure(header, lim.memory_mb)

    def _death_reason(self, info: dict | None, when: str) -> tuple[str, str]:
        return death_reason(info, when, self.limits.memory_mb)

    def _recv(self, deadline: float) -> tuple[dict, list]:
        """The runner's next frame: each within a reply's limits, and all of the session's
        together (every runner it starts) within its budget (attacks i02, i03)."""
        header, bufs = wire.recv_frame(self.rsock, deadline, self.engine.max_message,
                                       header_cap=wire.REPLY_HEADER_CAP, budget=self.budget)
        self.log.take_output(header)
        return header, bufs

    def _drop_runner(self) -> None:
        """Close the judge's end of the runner's socket: the runner is gone for this session."""
        self.alive = False
        close_quietly(self.rsock)
        self.rsock = None

    def _tell_monitor(self, op: str) -> None:
        """Send `op` to the monitor without waiting for its answer (_ask_monitor reads past it)."""
        if self.msock is not None:
            try:
                wire.send_frame(self.msock, {"op": op})
            except OSError:
                pass

    def _ask_monitor(self, op: str, event: str, fields: dict | None = None) -> dict | None:
        """Send `op` to the monitor and wait for its `event` (its buffers under "_bufs"); None
        when it never comes. The runner's "exit", which the monitor sends once, unasked, and
        which a question about something else may meet first, is kept for the kill that asks."""
        if self.msock is None:
            return None
        try:
            wire.send_frame(self.msock, {"op": op, **(fields or {})})
            if event == "exit" and self._early_exit is not None:
                early, self._early_exit = self._early_exit, None
                return early
            deadline = time.monotonic() + MONITOR_REPLY
            while True:
                ev, bufs = wire.recv_frame(self.msock, deadline)
                if ev.get("event") == event:
                    return dict(ev, _bufs=bufs) if bufs else ev
                if ev.get("event") == "exit":
                    self._early_exit = ev
        except (wire.Timeout, wire.Closed, wire.WireError, OSError):
            return None

    def _kill(self) -> dict | None:
        """Kill the runner and everything it started; how it ended, from the monitor."""
        if not self.alive and self.exit_info is not None:
            return self.exit_info
        self._drop_runner()
        self.exit_info = self._ask_monitor("kill", "exit")
        return self.exit_info

    def _shutdown(self, gone=None) -> None:
        """Kill the runner, remove its working directory, end the monitor. A monitor that does
        not confirm it within MONITOR_REPLY (a million files take longer) may still be removing
        the folder: `folder_left` says so, and the session keeps its uid (session._finish).
        `gone()`: called once the monitor has confirmed that every process of the runner is
        gone, before the groups are removed (which waits for the monitor to exit)."""
        self._drop_runner()
        if self.msock is not None:
            if self._ask_monitor("close", "closed") is None:
                self.folder_left = True
            elif gone is not None:
                gone()
            close_quietly(self.msock)
            self.msock = None
        self._release_group()

    def _release_group(self) -> None:
        """Remove the runner's cgroups (its processes are gone once the monitor closed)."""
        group, self.group = self.group, None
        self.engine.release_group(group)

    def _restart(self) -> None:
        self._shutdown()
        label, self.log.label = self.log.label, None  # a re-import's output was already kept once
        try:
            err = self._start()
        except SandboxSetupError as e:
            err = (Status.ERROR, str(e))
        finally:
            self.log.label = label
        if err:
            self.broken = err[1]
            self._shutdown()
