"""The template ("zygote") process: `python -I -m autograder.sandbox.zygote --control-fd N ...`,
normally inside bubblewrap.

It imports the libraries the reference solution imports once (preload.py; TensorFlow/Keras too
when a submission does; it never runs a TF op, so forking stays safe), then waits on the control socket (SOCK_SEQPACKET) for fork
requests from the judge (client.py), each carrying two sockets: one for the monitor, one for
the runner. It says it is ready once the --preload list is in. Modules of the --later list are
imported once a fork request names them (the judge names those the submissions import), by a
successor, a fork of the template that takes over the fork requests once it has them all (a
request never waits for a module being imported: scipy.signal alone takes a second); a request
naming more starts a new successor, which replaces the old one once ready. Whichever
serves a request forks a monitor (monitor.py, which forks the runner, runner.py) and forgets it
(SIGCHLD ignored: auto-reaped).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import select
import signal
import socket
import sys

from .monitor import monitor_main, reset_pids
from .limits import HANDOVER_REPLY
from .preload import DEFAULT_PRELOAD, preload, warm
from .syscalls import (CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, MNT_DETACH, MS_BIND, MS_PRIVATE, MS_REC, PR_SET_DUMPABLE, PR_SET_PDEATHSIG,
                       libc, mount, prctl)


def reveal(pairs: list[list[str]]) -> None:
    """Without bubblewrap: make the interpreter readable to the runner's unprivileged uid when
    it lives under a folder others cannot enter (/root). In a private mount namespace (this
    process and its forks only), the closed folder is covered by an empty 0755 tmpfs into
    which the needed paths are bound back. The rest of that folder becomes invisible too."""
    import tempfile

    if libc().unshare(CLONE_NEWNS) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"mount namespace refused: {os.strerror(e)}")
    mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    by_top: dict[str, list[str]] = {}
    for path, top in pairs:
        by_top.setdefault(top, []).append(path)
    for top, paths in by_top.items():
        staged = []
        for path in paths:
            st = tempfile.mkdtemp(prefix="course-reveal-")
            mount(path, st, None, MS_BIND | MS_REC, None)
            staged.append((path, st))
        mount("tmpfs", top, "tmpfs", 0, "mode=0755")
        for path, st in staged:
            os.makedirs(path, mode=0o755, exist_ok=True)
            mount(st, path, None, MS_BIND | MS_REC, None)
            libc().umount2(st.encode(), MNT_DETACH)
            os.rmdir(st)


def _probe(attempt) -> bool | str:
    """Run `attempt` in a forked child: True when it returned, else why it failed. The template
    asks before any submission runs, so the judge's warning never rests on a runner's word, and a
    runner that could be given what was probed must get it or not run."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            attempt()
            os._exit(0)
        except BaseException as e:  # noqa: BLE001
            os.write(w, str(e)[:300].encode(errors="replace"))
            os._exit(1)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        why = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return True if os.waitstatus_to_exitcode(status) == 0 else (why or "refused")


def probe_unshare(flag: int) -> bool | str:
    """Whether a runner can get a namespace of its own (CLONE_NEWNET, CLONE_NEWIPC)."""
    def attempt():
        if libc().unshare(flag) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return _probe(attempt)


def probe_own_view(workbase: str) -> bool | str:
    """Whether a runner can take its own read-only view (ownview.private_view)."""
    import shutil
    import tempfile

    from .ownview import private_view

    # An empty folder of the probe's own: the view copies its folder into a tmpfs, and the
    # workbase itself may hold much more (in bubblewrap /tmp holds whatever the interpreter's
    # paths bound under /tmp: a checkout there, its venv, TensorFlow).
    folder = tempfile.mkdtemp(prefix="probe-", dir=workbase if os.path.isdir(workbase) else None)
    try:
        return _probe(lambda: private_view(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def zygote_main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--control-fd", type=int, required=True)
    p.add_argument("--assets", default="")
    p.add_argument("--workbase", default="/tmp")
    p.add_argument("--preload", default=",".join(DEFAULT_PRELOAD))
    p.add_argument("--later", default="", help="modules to import between forks")
    p.add_argument("--unshare-net", action="store_true", help="runners unshare their network (no bwrap)")
    p.add_argument("--reveal", default="", help="JSON [[path, closed ancestor], ...] (no bwrap)")
    p.add_argument("--in-bubblewrap", action="store_true",
                   help="bubblewrap's PID and mount namespaces (and its /tmp) are this template's own")
    args = p.parse_args(argv)
    control = socket.socket(fileno=args.control_fd)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # Not dumpable, and so every monitor and runner forked from here: a process of the same uid
    # (a runner that keeps the grader's uid, without root) can neither ptrace the template or a
    # monitor nor open their /proc/<pid>/mem, which would let it rewrite the trusted processes
    # (attack o02). A runner that switches uid was already not dumpable (the kernel's rule).
    prctl(PR_SET_DUMPABLE, 0)
    revealed = None
    if args.reveal:
        try:
            reveal(json.loads(args.reveal))
            revealed = True
        except OSError as e:
            revealed = str(e)
    os.environ.setdefault("MPLBACKEND", "Agg")
    # Libraries read configuration at import (matplotlibrc, the font cache, keras.json) from
    # HOME=/tmp by default, where a runner could plant one before a module of the --later list
    # is imported and so reach every later runner: the template's own are in a folder of its own.
    import tempfile
    private = tempfile.mkdtemp(prefix="course-template-", dir=args.workbase if os.path.isdir(args.workbase) else None)
    # Runners (other uids) inherit these paths in the libraries' caches (matplotlib looks for
    # styles there when pyplot is imported): readable, never writable, by them.
    os.chmod(private, 0o755)
    os.environ["MPLCONFIGDIR"] = os.path.join(private, "matplotlib")
    os.environ["KERAS_HOME"] = os.path.join(private, "keras")
    netns = probe_unshare(CLONE_NEWNET) if args.unshare_net else None
    # An unprivileged container (no CAP_SYS_ADMIN: Docker's default, so likely Gradescope's)
    # refuses it to root too; runners then share the grader's, where the seccomp filter refuses
    # what a System V object or a message queue could carry between sessions.
    ipcns = probe_unshare(CLONE_NEWIPC)
    # Without root the runners keep the template's uid: each takes a read-only view of its own
    # (ownview.py) where the kernel allows a user namespace, and then must.
    own_view = probe_own_view(args.workbase) if os.geteuid() != 0 else None
    done, failed = preload([m for m in args.preload.split(",") if m])
    warm()
    gc.collect()
    gc.freeze()  # keep the preloaded heap's pages shared between forks
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # A runner whose network could be isolated must be, or it does not run (runner_main).
    opts = {"assets": args.assets, "workbase": args.workbase, "unshare_net": bool(args.unshare_net and netns is True),
            "unshare_ipc": ipcns is True,
            "own_view": own_view is True,
            # the grader's network, neither bubblewrap's namespace nor one of its own: internet
            # sockets are refused to the runner (syscalls.userns_filter)
            "network": not args.in_bubblewrap and not (args.unshare_net and netns is True),
            # root in bubblewrap's own PID and mount namespaces: each fork resets the pid counter
            # (serve) and each session's folder is a tmpfs of its own (monitor.own_tmpfs), j02
            "own_namespaces": bool(args.in_bubblewrap and os.geteuid() == 0)}
    if opts["own_namespaces"]:
        # Runners traverse /tmp to their own folder only: a listing would show the other folders'
        # inode numbers on the shared tmpfs, a count of the sessions before (attack j02).
        os.chmod("/tmp", 0o711)
    control.send(json.dumps({"op": "ready", "preloaded": done, "failed": failed, "revealed": revealed,
                             "netns": netns, "ipcns": ipcns, "own_view": own_view, "pid": os.getpid()}).encode())
    allowed = [m for m in args.later.split(",") if m and m not in done]
    successor = None  # the fork serving the requests, with the modules asked for so far
    pending = None    # a successor still importing a longer list; it takes over once ready
    planned: set[str] = set()  # the modules of the newest successor
    counter = 0
    for msg, fds in requests(control):  # until the judge goes away
        # The judge names the modules of the list that the submissions so far import (client.py);
        # a longer list starts a new successor, and the one serving keeps serving until it is ready.
        wanted = [m for m in _later_of(msg) if m in allowed]
        if not set(wanted) <= planned:
            planned.update(wanted)
            if pending is not None:
                pending.end()
            others = [x.sock for x in (successor,) if x is not None and x.sock is not None]
            pending = start_successor([m for m in allowed if m in planned], control, opts, *others, inherited=fds)
        if pending is not None and pending.ready():
            if successor is not None:
                successor.end()
            successor, pending = pending, None
        if successor is not None and successor.ready():
            reply, alive = successor.forward(msg, fds)
            control.send(reply)
            if not alive:
                successor = None  # gone: the judge retries, and this template serves from now on
            continue
        counter += 1
        mine = [control] + [s.sock for s in (successor, pending) if s is not None and s.sock is not None]
        control.send(serve(msg, fds, counter, opts, *mine))
    return 0


def _later_of(msg: bytes) -> list[str]:
    try:
        later = json.loads(msg).get("later", [])
    except (ValueError, AttributeError):
        return []
    return [m for m in later if isinstance(m, str)] if isinstance(later, list) else []


def requests(sock: socket.socket):
    """The fork requests arriving on `sock` (a message and the sockets it carries), until the
    other end closes it."""
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, 65536, 4)
        except InterruptedError:
            continue
        except OSError:
            return
        if not msg:
            return
        yield msg, fds


def serve(msg: bytes, fds: list[int], counter: int, opts: dict, *close_in_child: socket.socket) -> bytes:
    """Fork a monitor for one fork request (its two sockets in `fds`, then the runner's cgroups
    when the judge made them); the reply to send back."""
    try:
        req = json.loads(msg)
    except ValueError:
        req = {}
    if not isinstance(req, dict) or req.get("op") != "fork" or not 2 <= len(fds) <= 4:
        for fd in fds:
            os.close(fd)
        return b'{"ok": false, "error": "bad request"}'
    if opts.get("own_namespaces"):
        reset_pids()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for sock in close_in_child:
                sock.close()
            code = monitor_main(fds[0], fds[1], counter, opts, *fds[2:])
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    return json.dumps({"ok": True}).encode()


class Successor:
    """The template's fork that imports the --later modules and then serves the fork requests
    the template hands it (the same message and sockets, over a private SOCK_SEQPACKET pair)."""

    def __init__(self, sock: socket.socket, pid: int):
        self.sock, self.pid, self._ready = sock, pid, False

    def ready(self) -> bool:
        if self.sock is None:
            return False
        if not self._ready and select.select([self.sock], [], [], 0)[0]:
            try:
                self._ready = self.sock.recv(64) == b"ready"
            except OSError:
                self._ready = False
            if not self._ready:
                self.sock.close()
                self.sock = None
        return self._ready and self.sock is not None

    def forward(self, msg: bytes, fds: list[int]) -> tuple[bytes, bool]:
        """(the reply for the judge, whether the successor is still there). The request's
        sockets are closed here either way; a hand-over that failed answers with an error,
        and the judge asks again (client.py, lifecycle.py)."""
        try:
            self.sock.settimeout(HANDOVER_REPLY)
            socket.send_fds(self.sock, [msg], fds)
            reply = self.sock.recv(65536)
        except OSError:  # socket.timeout included: a successor that does not answer is ended
            reply = b""
        finally:
            for fd in fds:
                os.close(fd)
        if reply:
            return reply, True
        self.end()
        return b'{"ok": false, "error": "the template\'s successor is gone"}', False

    def end(self) -> None:
        """Gone (it did not answer), or replaced by a successor with more modules: it is killed
        (its monitors and runners are processes of their own and finish their sessions)."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def start_successor(later: list[str], control: socket.socket, opts: dict, *others: socket.socket,
                    inherited: list[int] = ()) -> Successor | None:
    """Fork the successor. `inherited`: the sockets of the fork request in hand, which the child
    must close: a runner's end kept open in the successor means no end-of-file for the judge
    when that runner dies (an os._exit read as a 60 s timeout)."""
    parent = os.getpid()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        pid = os.fork()
    except OSError:
        ours.close()
        theirs.close()
        return None
    if pid == 0:
        code = 0
        try:
            for sock in (ours, control, *others):
                sock.close()
            for fd in inherited:
                os.close(fd)
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # ends with the template (and so with the judge)
            if os.getppid() != parent:
                os._exit(0)
            code = successor_main(theirs, later, opts)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    theirs.close()
    return Successor(ours, pid)


def successor_main(sock: socket.socket, later: list[str], opts: dict) -> int:
    # The imports take seconds of CPU when a batch starts, from the graders' first submissions:
    # done at the lowest priority, then back to the template's (a grader running as root can;
    # otherwise its runners keep the lower priority: scheduling only, never a verdict).
    base = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, 19)
    except OSError:
        pass
    preload(later)
    warm()
    gc.collect()
    gc.freeze()
    try:
        os.setpriority(os.PRIO_PROCESS, 0, base)
    except OSError:
        pass
    sock.send(b"ready")
    for counter, (msg, fds) in enumerate(requests(sock), 1):  # until the template goes away
        sock.send(serve(msg, fds, counter, opts, sock))
    return 0


if __name__ == "__main__":
    sys.exit(zygote_main())
