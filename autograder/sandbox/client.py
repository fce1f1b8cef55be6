"""The template client: starts one template process ("zygote", zygote.py) per bundle, normally
inside bubblewrap, and asks it to fork a monitor + runner pair for each session."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .cleanup import remove_tree
from .framing import close_quietly, widen
from .limits import FORK_REPLY, SESSION_DISK_MB, ZYGOTE_START
from .policy import ASSETS_MOUNT, bwrap_args, clean_env, closed_paths, proc_masks

if TYPE_CHECKING:
    from .engine import SandboxEngine


class Zygote:
    """One template process for one bundle (its assets are bound into the sandbox)."""

    def __init__(self, engine: "SandboxEngine", assets: Path | None, use_bwrap: bool, preload: tuple[str, ...],
                 later: tuple[str, ...] = ()):
        self.engine = engine
        self.lock = threading.Lock()
        self.control: socket.socket | None = None
        self.proc: subprocess.Popen | None = None
        self.workbase: str | None = None
        self.masks: str | None = None  # the fixed files bound over /proc's machine-wide counters
        self.bwrap = False
        self.switch_user = engine.switch_user
        self.revealed = None
        self._keeper_done = threading.Event()
        self.later = tuple(later)  # modules the template may import between forks, once named
        self.asked: tuple[str, ...] = ()  # those the submissions so far have named (fork requests say so)
        assets_dir = str(assets) if assets and assets.is_dir() else None
        cmd_tail = [sys.executable, "-I", "-m", "autograder.sandbox.zygote", "--preload", ",".join(preload),
                    "--later", ",".join(later)]
        started = False
        if use_bwrap:
            total = sum(f.stat().st_size for f in assets.rglob("*") if f.is_file()) if assets_dir else 0
            tmp_mb = SESSION_DISK_MB + total // 2**20
            self.masks = tempfile.mkdtemp(prefix="course-proc-")  # removed with the template (close)
            os.chmod(self.masks, 0o755)
            base = bwrap_args(engine.bwrap_path, assets_dir, engine.root, tmp_mb, proc_masks(self.masks))
            tail = cmd_tail + (["--assets", ASSETS_MOUNT] if assets_dir else []) + ["--workbase", "/tmp"]
            tail.append("--in-bubblewrap")  # its PID and mount namespaces are the template's own (j02)
            if engine.root:  # bwrap's network namespace is the template's: each runner gets its own
                tail.append("--unshare-net")
            try:
                self._start(base, tail)
                self.bwrap, started = True, True
            except RuntimeError as e:
                remove_tree(self.masks)
                self.masks = None
                engine._fallback(f"bubblewrap refused to start the sandbox ({e})")
        if not started:
            self.workbase = tempfile.mkdtemp(prefix="course-sandbox-")
            os.chmod(self.workbase, 0o711)  # runner uids may enter their own 0700 folder only
            tail = cmd_tail + (["--assets", assets_dir] if assets_dir else []) + ["--workbase", self.workbase]
            closed = closed_paths() if engine.root else []
            if engine.root:
                tail.append("--unshare-net")
                if closed:
                    tail += ["--reveal", json.dumps(closed)]
            self._start([], tail)
            if closed and self.revealed is not True:
                # The unprivileged uid could not even import the standard library.
                self.switch_user = False
                engine._note(f"the interpreter lives under {closed[0][1]}, which other users cannot enter, "
                             f"and it could not be made readable ({self.revealed}): the runner keeps "
                             "the grader's user id (NO user switch)")

    def _start(self, prefix: list[str], tail: list[str]) -> None:
        judge, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cmd = prefix + (["--"] if prefix else []) + tail + ["--control-fd", str(child.fileno())]
        box: dict = {}

        def keeper():
            # Popen from a thread that lives as long as the engine: bwrap's --die-with-parent
            # (PR_SET_PDEATHSIG) follows the thread that started it.
            try:
                box["proc"] = subprocess.Popen(cmd, pass_fds=(child.fileno(),), env=clean_env(),
                                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.PIPE, cwd="/", start_new_session=not prefix)
            except OSError as e:
                box["error"] = e
            finally:
                box["started"] = True
                started_evt.set()
            self._keeper_done.wait()

        started_evt = threading.Event()
        threading.Thread(target=keeper, name="sandbox-zygote", daemon=True).start()
        started_evt.wait()
        child.close()
        if "error" in box:
            judge.close()
            self._keeper_done.set()
            raise RuntimeError(str(box["error"]))
        proc = box["proc"]
        judge.settimeout(ZYGOTE_START)
        try:
            msg = judge.recv(65536)
        except (socket.timeout, OSError):
            msg = b""
        if not msg:
            try:
                proc.kill()
            except OSError:
                pass
            err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
            proc.wait()
            judge.close()
            self._keeper_done.set()
            raise RuntimeError(err.splitlines()[-1] if err else f"exit status {proc.returncode}")
        proc.stderr.close()
        ready = json.loads(msg)
        self.preloaded, self.preload_failed = ready.get("preloaded", []), ready.get("failed", {})
        self.revealed = ready.get("revealed")
        netns = ready.get("netns")
        if netns is not None and netns is not True and not prefix:  # the probe, before any submission ran
            # (in bubblewrap the runners keep its network namespace: no network, shared loopback)
            self.engine._note(f"the OS refused a new network namespace ({str(netns)[:200]}): runners keep "
                              "the grader's network, with internet sockets refused to them")
        own_view = ready.get("own_view")
        if own_view is not None and own_view is not True:
            self.engine._note(f"the OS refused a user namespace to the runners ({str(own_view)[:200]}): they keep "
                              "the grader's uid and can write wherever it can in the sandbox, for later runners to read")
        ipcns = ready.get("ipcns")
        if ipcns is not None and ipcns is not True and not prefix and self.engine.root:
            self.engine._note(f"the OS refused a new IPC namespace ({str(ipcns)[:200]}): runners share the "
                              "grader's (System V objects and message queues are refused to them)")
        judge.settimeout(None)
        self.control, self.proc = judge, proc

    def fork(self, named: frozenset[str] = frozenset(), group=None) -> tuple[socket.socket, socket.socket]:
        """A new monitor (which forks the runner once it has the session's set-up, uid included):
        (runner socket, monitor socket), judge ends. `named`: the modules the submission's source
        names (preload.modules_named); those of the --later list join what the template preloads
        for the runners after this one. `group`: the runner's cgroups (cgroups.Group), which its
        monitor joins first; their descriptors are closed here once the template has its own."""
        r_judge, r_child = socket.socketpair()
        widen(r_judge)
        widen(r_child)
        m_judge, m_child = socket.socketpair()
        try:
            with self.lock:
                if self.control is None:
                    raise RuntimeError("the sandbox template process is closed")
                request = {"op": "fork"}
                if any(m in named and m not in self.asked for m in self.later):
                    self.asked = tuple(m for m in self.later if m in named or m in self.asked)
                if self.asked:
                    request["later"] = list(self.asked)
                self.control.settimeout(FORK_REPLY)
                socket.send_fds(self.control, [json.dumps(request).encode()],
                                [m_child.fileno(), r_child.fileno(), *(group.procs_fds if group is not None else ())])
                reply = self.control.recv(65536)
            if not reply or not json.loads(reply).get("ok"):
                raise RuntimeError("the sandbox template process did not fork a runner")
        except (OSError, ValueError) as e:
            r_judge.close()
            m_judge.close()
            raise RuntimeError(f"the sandbox template process failed: {e}") from None
        finally:
            r_child.close()
            m_child.close()
            if group is not None:
                group.close_fds()
        return r_judge, m_judge

    def close(self) -> None:
        close_quietly(self.control)
        self.control = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        self._keeper_done.set()
        if self.workbase:
            remove_tree(self.workbase)  # iterative: a runner's 3000-deep folder cannot crash the judge
            self.workbase = None
        if self.masks:
            remove_tree(self.masks)
            self.masks = None
