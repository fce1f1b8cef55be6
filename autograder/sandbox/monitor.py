"""The monitor: one per session, forked by the template, trusted (it keeps the template's
privileges). It makes the private working directory, forks the runner, becomes the subreaper of
everything the runner starts, reports how the runner ended, and on request kills every process
of the submission (by uid when it can) and removes the working directory."""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import time

from . import framing
from .cgroups import join, keep_out_of_oom
from .cleanup import remove_tree
from .diskwatch import WATCH_EVERY, DiskWatch
from .limits import RUNNER_NO_VIEW, SESSION_FILES, SPARE_WAIT
from .ownview import hand_over_view, private_view, runner_in_own_pids
from .readback import read_head
from .runner import runner_main
from .syscalls import MNT_DETACH, MS_NODEV, MS_NOSUID, PR_SET_CHILD_SUBREAPER, libc, mount, prctl

# --- the monitor ---------------------------------------------------------------------------

SIGNAL_NAMES = {
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating-point exception",
    signal.SIGILL: "illegal instruction",
    signal.SIGKILL: "killed",
    signal.SIGXCPU: "CPU time limit exceeded",
    signal.SIGXFSZ: "file size limit exceeded",
    signal.SIGTERM: "terminated",
}


def _children_of(ppid: int) -> list[int]:
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == ppid:
            kids.append(int(name))
    return kids


def kill_uid(uid: int) -> bool:
    """Kill every process of `uid` (in this PID namespace): a helper takes that uid and sends
    kill(-1, SIGKILL), which reaches exactly the processes that uid may signal. True when the
    helper did (as that uid)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            # One pass reaches every process of the uid (a fork racing with it is refused
            # by the kernel once the signal is pending); a second pass for good measure.
            # Zombies also count as signalled, so do not loop until ESRCH.
            for attempt in range(2):
                if attempt:
                    time.sleep(0.002)
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
            code = 0
        finally:
            os._exit(code)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return False
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


class Monitor:
    def __init__(self, msock: socket.socket, uid: int | None, opts: dict):
        self.msock, self.uid, self.opts = msock, uid, opts
        self.runner = 0
        self.status = None  # the runner's wait status once reaped
        self.reported = False
        self.workdir = ""
        self.own_fs = False  # the working folder is a tmpfs of its own (own_tmpfs)
        # Every process of the uid killed once (kill_uid): none of it is left to start another,
        # so a close after a kill (session.close_later sends both) needs no second helper.
        self.swept = False
        self.disk: DiskWatch | None = None  # without bubblewrap: what the runner writes (diskwatch.py)
        self.stopped = ""  # why the monitor stopped the runner itself (said in its exit event)
        # A runner with a private view sends its folder's descriptor here (ownview.hand_over_view)
        self.view_sock: socket.socket | None = None
        self.view_fd: int | None = None

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.runner and self.status is None:
                self.status = status

    def report(self) -> None:
        if self.status is None or self.reported:
            return
        st = self.status
        ev = {"event": "exit", "code": os.WEXITSTATUS(st) if os.WIFEXITED(st) else None,
              "signal": os.WTERMSIG(st) if os.WIFSIGNALED(st) else None}
        if ev["signal"] is not None:
            ev["signame"] = signal.Signals(ev["signal"]).name if ev["signal"] in signal.Signals._value2member_map_ else str(ev["signal"])
            ev["what"] = SIGNAL_NAMES.get(ev["signal"]) or signal.strsignal(ev["signal"]) or ev["signame"]
        if self.stopped:
            ev["stopped"] = self.stopped
        framing.send_frame(self.msock, ev)
        self.reported = True

    def kill_all(self) -> None:
        if self.runner and self.status is None:
            try:
                os.kill(self.runner, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.uid is not None and not self.swept:
            self.swept = kill_uid(self.uid)
        if self.runner and self.status is None:
            try:  # SIGKILL ends it promptly; reaped now, it is not a child the loop waits for
                _, self.status = os.waitpid(self.runner, 0)
            except ChildProcessError:
                pass
        # Everything the runner started that escaped its session was reparented to us (we
        # are its subreaper): kill until no child is left.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            self.reap()
            kids = _children_of(os.getpid())
            if not kids:
                break
            for k in kids:
                for d in [k, *_children_of(k)]:
                    try:
                        os.kill(d, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.01)
            self.reap()
        if self.runner and self.status is None:
            try:
                _, self.status = os.waitpid(self.runner, 0)
            except ChildProcessError:
                self.status = self.status or (signal.SIGKILL & 0x7F)
        self.reap()

    def cleanup(self) -> None:
        if self.disk is not None:
            self.disk.sweep()
        if self.workdir:
            if self.own_fs:
                libc().umount2(self.workdir.encode(), MNT_DETACH)  # all its files at once
                self.own_fs = False
            remove_tree(self.workdir)  # a folder that resists stays; the next session never reuses its name

    def folder_seen_here(self) -> str | int | None:
        """The runner's working folder as this process can open it: its path, or for a runner with
        a private view (ownview.py), whose folder is a tmpfs of its own, the descriptor it handed
        over before any student code ran; None when there is none."""
        if not self.opts.get("own_view"):
            return self.workdir
        if self.view_fd is None and self.view_sock is not None:
            try:
                if select.select([self.view_sock], [], [], 2.0)[0]:
                    _, fds, _, _ = socket.recv_fds(self.view_sock, 1, 1)
                    self.view_fd = fds[0] if fds else None
            except OSError:
                pass
            self.view_sock.close()
            self.view_sock = None
        return self.view_fd

    def own_tmpfs(self, wd: str) -> None:
        """The working folder as a tmpfs of its own (under bubblewrap, as root), as large as the
        template's /tmp. In the /tmp every runner of the template shared, a file's inode number
        was a count of the files made before it: a hidden case that made 337 files left the next
        submission's first file 337 numbers higher (attack j02, with its pids). A fresh tmpfs
        numbers from the start every session, and goes whole when the session ends. At most
        SESSION_FILES files: the size does not count empty ones, ~1 KiB of kernel memory each
        (attack k02)."""
        if not self.opts.get("own_namespaces"):
            return
        st = os.statvfs(os.path.dirname(wd))
        try:
            mount("tmpfs", wd, "tmpfs", MS_NOSUID | MS_NODEV, f"size={st.f_blocks * st.f_frsize},nr_inodes={SESSION_FILES},mode=0700")
        except OSError:
            return  # the shared /tmp, as before, rather than no grading
        self.own_fs = True

    def setup_workdir(self, n: int, setup: dict) -> None:
        """A FRESH private folder: a new name for every session and every attempt (never derived
        from the uid alone), so whatever a previous submission left behind cannot stop this
        one. A set-up that fails is retried with another new folder."""
        base = self.opts["workbase"]
        tag = self.uid if self.uid is not None else "u"
        error: Exception | None = None
        for attempt in range(3):
            # No count in the name (the template's requests, its pid): a runner reads its own (j02).
            wd = os.path.join(base, f"run-{tag}-{attempt}-{os.urandom(8).hex()}")
            try:
                os.mkdir(wd, 0o700)
            except OSError as e:
                error = e
                continue
            self.workdir = wd
            try:
                self.own_tmpfs(wd)
                self._fill_workdir(wd, setup)
                # Where the runner's folder is not a tmpfs of its own (no bubblewrap with root, no
                # private view without it), what it writes is watched (diskwatch.py).
                if not self.opts.get("own_namespaces") and not self.opts.get("own_view"):
                    self.disk = DiskWatch(wd, self.uid)
                return
            except OSError as e:
                error = e
                self.cleanup()
                self.workdir = ""
        raise error if error is not None else OSError("no working folder")

    def _fill_workdir(self, wd: str, setup: dict) -> None:
        filename = os.path.basename(setup["filename"])
        with open(os.path.join(wd, filename), "w", encoding="utf-8") as f:
            f.write(setup["source"])
        assets = self.opts.get("assets")
        if assets and os.path.isdir(assets):
            shutil.copytree(assets, os.path.join(wd, "assets"), symlinks=False)
        else:
            os.mkdir(os.path.join(wd, "assets"))
        if self.uid is not None:
            for root, dirs, files in os.walk(wd):
                for name in [root, *(os.path.join(root, x) for x in dirs + files)]:
                    os.lchown(name, self.uid, self.uid)

    def loop(self) -> int:
        r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(w)
        signal.signal(signal.SIGCHLD, lambda *a: None)
        self.reap()
        self.report()
        while True:
            try:
                ready, _, _ = select.select([self.msock, r], [], [], 1.0 if self.disk is None else WATCH_EVERY)
            except InterruptedError:
                continue
            if self.disk is not None and not self.stopped:
                why = self.disk.check()
                if why:
                    self.stopped = why
                    self.kill_all()
            if r in ready:
                try:
                    while os.read(r, 512):
                        pass
                except BlockingIOError:
                    pass
            self.reap()
            self.report()
            if self.msock in ready:
                try:
                    header, _ = framing.recv_frame(self.msock, time.monotonic() + 10)
                except (framing.Closed, framing.Timeout, framing.WireError, OSError):
                    self.kill_all()
                    self.cleanup()
                    return 0
                op = header.get("op")
                if op == "kill":
                    self.kill_all()
                    self.report()
                elif op == "head":  # the start of a file the runner wrote (readback.py)
                    reply, data = read_head(self.folder_seen_here(), header.get("name"), header.get("limit"))
                    framing.send_frame(self.msock, reply, [data] if data else [])
                elif op == "close":
                    self.kill_all()
                    self.report()
                    self.cleanup()
                    framing.send_frame(self.msock, {"event": "closed"})
                    return 0


def monitor_main(mfd: int, rfd: int, n: int, opts: dict, *group_fds: int) -> int:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    # Into the runner's cgroups first (cgroups.py), so the runner is born in them: the move
    # waits for an RCU grace period (~10 ms here), which a spare (spares.py) has waited before its
    # session asks for it. The monitor is trusted: where it can, it is the last process the memory
    # group's OOM killer picks.
    grouped = join(list(group_fds)) if group_fds else None
    if grouped:
        keep_out_of_oom()
    msock = socket.socket(fileno=mfd)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    try:
        # A spare waits here until its session opens (or the judge drops it: end of file).
        setup, _ = framing.recv_frame(msock, time.monotonic() + SPARE_WAIT)
    except Exception:  # noqa: BLE001 - nothing made yet, nothing to remove
        return 1
    uid = setup.get("uid")  # the session's, leased by the judge when it opened (uids.py)
    mon = Monitor(msock, uid if type(uid) is int else None, opts)
    try:
        mon.setup_workdir(n, setup)
    except Exception as e:  # noqa: BLE001
        framing.send_frame(msock, {"event": "failed", "error": f"{type(e).__name__}: {e}"})
        mon.cleanup()
        return 1
    if opts.get("own_namespaces"):
        reset_pids()  # the runner's pid says nothing of what ran before, however long this monitor waited
    view = socket.socketpair() if opts.get("own_view") else None
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            msock.close()
            if opts.get("own_view"):  # a grader without root: runners share its uid (ownview.py)
                try:
                    private_view(mon.workdir)
                except OSError:
                    os._exit(RUNNER_NO_VIEW)  # the probe said it works: never run without it
                view[0].close()
                hand_over_view(view[1], mon.workdir)
                runner_in_own_pids(rfd)
            code = runner_main(rfd, mon.workdir, setup, mon.uid, dict(opts, grouped=grouped))
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    os.close(rfd)
    if view is not None:
        view[1].close()
        mon.view_sock = view[0]
    mon.runner = pid
    framing.send_frame(msock, {"event": "started"})
    return mon.loop()


# The last pid of the template's PID namespace before each monitor and each runner is forked
# (attack j02): far above the template's own few processes, far below pid_max.
PID_BASE = 1000


def reset_pids() -> None:
    """Set bubblewrap's PID namespace (the template's, every runner's) back to one counter value
    before a monitor or a runner is forked. Ids are handed out in order, so a runner that forked
    k children left the next submission's runner k ids higher: a hidden input, forked as a count,
    in another submission's os.getpid() and /proc/loadavg (j02_a then j02_b: 14 -> 351). Each
    monitor and each runner, and so its children, now starts from the same value, whatever ran
    before (ids still in use are skipped by the kernel: only live processes, never a count, show).
    Needs root in the template's own namespace (CAP_SYS_ADMIN there); best effort elsewhere."""
    try:
        with open("/proc/sys/kernel/ns_last_pid", "w", encoding="ascii") as f:
            f.write(str(PID_BASE))
    except OSError:
        pass
