"""The trusted side's front door: SandboxEngine, which the grading core talks to (the Engine
interface of autograder.grading.engine). It decides what protection this machine allows, keeps
one template process per bundle (client.py) and opens a SandboxSession per submission
(session.py). The bundle is the caller's: its `root`, `tests_dir`, `assets_dir` and `limits`
are all the sandbox reads of it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import threading
import weakref
from pathlib import Path

from ..files import close_to_others
from .cgroups import RunnerGroups
from .client import Zygote
from .faults import Deadline, SandboxSetupError
from .limits import MONITOR_REPLY
from .preload import plan_preload
from .proxies import Handle
from .remote import RemoteError
from .session import SandboxSession
from .spares import Spares

__all__ = ["SandboxEngine", "SandboxSession", "SandboxSetupError", "Handle", "RemoteError", "warn_once"]

_warned: set[str] = set()
# What a runner's cgroup of each controller would have bounded (cgroups.py), said when there is none.
_WITHOUT = {"memory": "memory is limited per process (memory_mb each), not per submission",
            "cpu": "a submission's processes share the CPU as that many processes, not as one"}
_warn_lock = threading.Lock()


def warn_once(message: str) -> None:
    """One clear line on stderr per distinct message per process."""
    with _warn_lock:
        if message in _warned:
            return
        _warned.add(message)
    print(f"warning: sandbox: {message}", file=sys.stderr, flush=True)


def _env_flag(name: str, default: bool) -> bool:
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    return v.strip().lower() not in ("0", "false", "no", "off")


class SandboxEngine:
    """Runs each submission in an isolated runner (see the package docstring)."""

    name = "sandbox"

    def __init__(self, bwrap: bool | None = None, preload: tuple[str, ...] | list[str] | None = None,
                 max_message_mb: int = 512):
        self.root = os.geteuid() == 0
        want_bwrap = _env_flag("COURSE_SANDBOX_BWRAP", True) if bwrap is None else bwrap
        env_preload = os.environ.get("COURSE_SANDBOX_PRELOAD")
        if preload is None and env_preload is not None:
            preload = [m for m in env_preload.split(",") if m]
        self.preload = None if preload is None else tuple(preload)  # None: decided per bundle
        self.max_message = int(max_message_mb) * 1024 * 1024
        self.bwrap_path = shutil.which("bwrap") or ""
        self.use_bwrap = bool(want_bwrap and self.bwrap_path)
        self.switch_user = self.root
        self.notes: list[str] = []
        self.used_uids: set[int] = set()  # every runner uid this engine has used (for audits)
        self._zygotes: dict[str, Zygote] = {}
        self._lock = threading.Lock()
        self._sessions: "weakref.WeakSet[SandboxSession]" = weakref.WeakSet()
        self._closed = False
        self._closer = None  # a thread finishing closed sessions' clean-up (finish_later)
        self._last_cleanup = None  # the newest clean-up queued there (one thread: the rest are before it)
        if want_bwrap and not self.bwrap_path:
            self._fallback("bubblewrap (bwrap) is not installed")
        elif not want_bwrap:
            self._fallback("bubblewrap disabled (COURSE_SANDBOX_BWRAP=0)")
        if not self.root:
            self._note("not running as root: the runner keeps the grader's user id (no user switch, "
                       "no per-user process limit); its processes are still killed after grading")
        self.spares = Spares(self)  # monitors forked ahead of their sessions (spares.py)
        self.groups: RunnerGroups | None = None
        if sys.platform.startswith("linux") and _env_flag("COURSE_SANDBOX_CGROUP", True):
            self.groups, why = RunnerGroups.probe()
            for controller, problem in why.items():
                self._note(f"{problem}: {_WITHOUT[controller]}")
        ref = weakref.ref(self)
        atexit.register(lambda: ref() is not None and ref().close())

    def _note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)
        warn_once(message)

    def release_group(self, group) -> None:
        """Remove a runner's cgroups (cgroups.Group, or None): through the engine's groups, which
        retry one still busy, or at once if the groups were turned off since it was made."""
        if group is None:
            return
        if self.groups is not None:
            self.groups.release(group)
        else:
            group.remove()

    def groups_failed(self, why: str) -> None:
        """A runner could not join the groups made for it: no more groups from this engine."""
        controllers, self.groups = (self.groups.controllers if self.groups else []), None
        for controller in controllers:
            self._note(f"{why}: {_WITHOUT[controller]}")

    def _fallback(self, why: str) -> None:
        self.use_bwrap = False
        off = ["filesystem isolation (the runner can read every world-readable file"
               + ("" if self.root else ", and every file of the grader's user") + ")", "PID and IPC namespaces"]
        if not self.root:
            off.append("network isolation")
        self._note(f"{why}; grading continues WITHOUT " + ", ".join(off) +
                   ("; still on where the OS allows it (said next when not): a read-only view per runner (no writes "
                    "outside its folder); rlimits, the disk watched" if not self.root else
                    "; still on where the OS allows them (said next when not): a network and an IPC namespace per "
                    "runner, an unprivileged user; rlimits, the bundle closed to runners, the disk watched"))

    @property
    def protections(self) -> dict[str, bool]:
        return {"bubblewrap": self.use_bwrap, "filesystem isolation": self.use_bwrap,
                "pid namespace": self.use_bwrap, "network namespace": self.use_bwrap or self.root,
                "user switch": self.switch_user, "rlimits": True,
                "memory cgroup": self.groups is not None and "memory" in self.groups.controllers,
                "cpu cgroup": self.groups is not None and "cpu" in self.groups.controllers}

    def preload_plan(self, bundle, source: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(imported before the template's first runner, imported between forks): see
        preload.plan_preload. COURSE_SANDBOX_PRELOAD or an explicit list is all imported first."""
        if self.preload is not None:
            return self.preload, ()
        return plan_preload(tuple(getattr(bundle, "preload", ()) or ()), Path(bundle.tests_dir), source)

    def _zygote(self, bundle, source: str = "") -> Zygote:
        key = str(Path(bundle.root).resolve())
        with self._lock:
            if self._closed:
                raise RuntimeError("the sandbox engine is closed")
            z = self._zygotes.get(key)
            if z is not None and (z.proc is None or z.proc.poll() is not None):
                z.close()  # the template died (killed from outside?): start a new one
                z = None
            if z is None:
                # One template per bundle; another bundle's idle template is let go (a TensorFlow
                # template holds hundreds of MB, and `course validate` walks every assignment).
                busy = {id(s.zygote) for s in list(self._sessions)}  # open, or closed and still cleaning up
                for k, other in list(self._zygotes.items()):
                    if id(other) not in busy:
                        other.close()
                        del self._zygotes[k]
                first, later = self.preload_plan(bundle, source)
                z = Zygote(self, Path(bundle.assets_dir), self.use_bwrap, first, later)
                self._zygotes[key] = z
                if not z.bwrap and z.switch_user:
                    self._close_to_runners(Path(bundle.root))
            return z

    def _close_to_runners(self, root: Path) -> None:
        """Without bubblewrap a runner sees the whole filesystem as its own uid, so the bundle
        (every case, hidden ones too, and the recorded oracle results) must not be readable by
        other users: the Gradescope zip unpacks it world-readable, and the judge's command line
        names it. The runner needs none of it (its monitor, root, copies the assets in). Done
        before the template's first runner; a folder we may not change is said, not fatal."""
        problem = close_to_others(root)
        if problem:
            self._note(f"the bundle folder {root} could not be closed to other users ({problem}): "
                       "a runner can read its tests")

    def start(self, bundle) -> threading.Thread:
        """Start the bundle's template now, in a thread, so it imports its libraries while the
        caller does other work (a batch worker loading the test files); the first `open` waits
        for it (the template is made under the engine's lock). A failure here is not reported:
        `open` tries again and reports it."""
        def run():
            try:
                self._zygote(bundle)
            except Exception:  # noqa: BLE001
                pass
        t = threading.Thread(target=run, name="sandbox-template-start", daemon=True)
        t.start()
        return t

    def open(self, bundle, source: str, filename: str, deadline: Deadline | None = None,
             submission: object | None = None) -> SandboxSession:
        """A session for one submission's cases. `submission`: a token the caller keeps for one
        submission (every session of it, and `expect`), so that a spare armed for it serves only it."""
        return SandboxSession(self, self._zygote(bundle, source), bundle, source, filename, deadline, submission)

    def register(self, session: SandboxSession) -> None:
        """A session is live from before its runner is forked until its clean-up is done."""
        with self.spares.lock, self._lock:  # the clean-up thread discards closed sessions while another opens
            self._sessions.add(session)

    def expect(self, bundle, submission: object) -> None:
        """Another session of this submission will follow (its hidden cases): its monitor is forked
        and put in its groups now, in the clean-up thread, while the cases of this one run. Only
        from the template already serving the bundle: a spare is never worth starting one."""
        with self._lock:
            zygote = self._zygotes.get(str(Path(bundle.root).resolve()))
        if zygote is None or zygote.proc is None or zygote.proc.poll() is not None:
            return
        memory = int(bundle.limits.memory_mb) * 2**20
        self.finish_later(lambda: self.spares.arm(zygote, memory, submission))

    def after_close(self, zygote: Zygote, memory: int) -> None:
        """A session's runner is gone: once no runner is left, a spare for whichever session comes
        next. Queued after the clean-up rather than inside it, so that a batch worker waiting for
        the clean-up (wait_for_cleanup) does not wait for the spare too: its next session waits
        for it only if it opens first (spares.lock)."""
        with self._lock:
            if self._closed:
                return
            if self._closer is not None:
                self._closer.submit(self.spares.arm, zygote, memory, None)
                return
        self.spares.arm(zygote, memory, None)

    def finish_later(self, finish) -> None:
        """Run a closed session's clean-up (its monitor kills what the runner left and removes
        its folder: about 20 ms, mostly waiting) in a thread, so the judge goes on to the next
        session; `close` waits for all of them. Synchronously once the engine is closing."""
        with self._lock:
            if not self._closed:
                if self._closer is None:
                    from concurrent.futures import ThreadPoolExecutor
                    self._closer = ThreadPoolExecutor(1, thread_name_prefix="sandbox-close")
                self._last_cleanup = self._closer.submit(finish)
                return
        finish()

    def wait_for_cleanup(self, timeout: float = 2 * MONITOR_REPLY) -> None:
        """Wait until the clean-ups queued so far are done: the folders of closed sessions removed.
        Their bytes are in the tmpfs every runner of a template writes in; a runner that filled it
        and left files that take seconds to remove left the next session's monitor no room for the
        source file (attack g01), or the next submission's code no room for its own files (g08): a
        set-up that failed asks this before trying again, and a batch worker before it starts the
        clock of its next submission."""
        with self._lock:
            last = self._last_cleanup
        if last is not None:
            try:
                last.result(timeout)
            except Exception:  # noqa: BLE001 - a clean-up that failed or is still running: try anyway
                pass

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            zygotes, self._zygotes = list(self._zygotes.values()), {}
            closer, self._closer = self._closer, None
        if closer is not None:
            closer.shutdown(wait=True)  # every session's runner killed and folder removed first
        self.spares.drop_all()
        with self._lock:
            sessions = list(self._sessions)
        for s in sessions:
            try:
                s.close()
            except Exception:  # noqa: BLE001
                pass
        for z in zygotes:
            z.close()
        if self.groups is not None:
            self.groups.flush(2.0)  # released while their monitors were still exiting
            self.groups.sweep()
