"""The untrusted side: the template ("zygote") process, the per-submission monitor, the runner.

Run as `python -I -m autograder.sandbox.zygote --control-fd N ...`, normally inside bubblewrap.

zygote   imports numpy, scipy, PIL, scikit-image, TensorFlow/Keras once (never runs a TF op, so
         forking stays safe), then waits on the control socket (SOCK_SEQPACKET) for fork
         requests from the judge, each carrying two sockets: one for the monitor, one for the
         runner. It forks a monitor per request and forgets it (SIGCHLD ignored: auto-reaped).
monitor  trusted, keeps the zygote's privileges: makes the private working directory, forks the
         runner, becomes the subreaper of everything the runner starts, reports how the runner
         ended, and on request kills every process of the submission (by uid when it can) and
         removes the working directory.
runner   untrusted: new session, scrubbed environment, private working directory, rlimits,
         unprivileged uid, stdout/stderr captured and capped; imports the submission and serves
         the judge's calls (wire.py) until told to stop.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import io
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
import types
import warnings

from . import wire

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNET = 0x40000000

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def prctl(option: int, arg: int) -> bool:
    return libc().prctl(option, ctypes.c_ulong(arg), 0, 0, 0) == 0


# --- removing a submission's folder -------------------------------------------------------

def remove_tree(path: str) -> bool:
    """Remove `path` and everything under it; True when it is gone.

    Iterative (a submission can nest folders deeper than Python's recursion limit, which made
    shutil.rmtree raise RecursionError), one directory descriptor open at a time (a deep tree
    cannot exhaust the descriptor limit), symlinks removed as links and never followed, and
    folders the submission made unreadable or unwritable opened up first (needed when the
    grader is not root; root's capabilities ignore the modes anyway). Only call it once every
    process that could still write there is dead."""
    import stat

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        try:
            os.unlink(path)
            return True
        except OSError:
            return False
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        top_parent = os.open(os.path.dirname(os.path.abspath(path)) or "/", flags)
    except OSError:
        return False

    def open_dir(name: str, parent: int) -> int:
        try:
            return os.open(name, flags, dir_fd=parent)
        except PermissionError:
            os.chmod(name, 0o700, dir_fd=parent)  # a directory (lstat said so): no link to follow
            return os.open(name, flags, dir_fd=parent)

    # stack: [name in its parent, (dev, ino), subfolders still to remove]; `fd` is the deepest.
    name = os.path.basename(os.path.abspath(path))
    ok = True
    try:
        fd = open_dir(name, top_parent)
    except OSError:
        os.close(top_parent)
        return False
    stack: list[list] = []
    try:
        while True:
            if not stack or stack[-1][2] is None:
                here = os.fstat(fd)
                if not stack:
                    stack.append([name, (here.st_dev, here.st_ino), None])
                subdirs = []
                try:
                    names = os.listdir(fd)
                except PermissionError:
                    os.chmod(fd, 0o700)
                    names = os.listdir(fd)
                for entry in names:
                    try:
                        est = os.lstat(entry, dir_fd=fd)
                    except FileNotFoundError:
                        continue
                    if stat.S_ISDIR(est.st_mode):
                        subdirs.append(entry)
                        continue
                    try:
                        os.unlink(entry, dir_fd=fd)
                    except PermissionError:
                        os.chmod(fd, 0o700)
                        os.unlink(entry, dir_fd=fd)
                stack[-1][2] = subdirs
            pending = stack[-1][2]
            if pending:
                child = pending.pop()
                cfd = open_dir(child, fd)
                os.close(fd)
                fd = cfd
                cst = os.fstat(fd)
                stack.append([child, (cst.st_dev, cst.st_ino), None])
                continue
            # This folder is empty: go up and remove it.
            done_name, _, _ = stack.pop()
            if not stack:
                os.close(fd)
                fd = -1
                try:
                    os.rmdir(done_name, dir_fd=top_parent)
                except OSError:
                    ok = False
                return ok
            up = os.open("..", flags, dir_fd=fd)
            os.close(fd)
            fd = up
            ust = os.fstat(fd)
            if (ust.st_dev, ust.st_ino) != stack[-1][1]:
                return False  # the tree moved under us: stop rather than remove elsewhere
            try:
                os.rmdir(done_name, dir_fd=fd)
            except PermissionError:
                os.chmod(fd, 0o700)
                os.rmdir(done_name, dir_fd=fd)
    except OSError:
        return False
    finally:
        if fd >= 0:
            os.close(fd)
        os.close(top_parent)


# --- no user namespaces in the runner -------------------------------------------------------

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
# syscall numbers: unshare, clone, clone3, setns
SYSCALLS = {"x86_64": (272, 56, 435, 308), "aarch64": (97, 220, 435, 268)}
CLONE_NEWUSER = 0x10000000


def userns_filter(machine: str) -> bytes | None:
    """A seccomp-BPF program (struct sock_filter[]) that refuses new user namespaces:
    unshare/clone with CLONE_NEWUSER and setns fail with EPERM, clone3 (whose flags BPF cannot
    read) with ENOSYS so the C library falls back to clone. None for an architecture without a
    table here. bubblewrap's --disable-userns needs --unshare-user, which would break the
    runner's switch to its own uid, so the runner installs this itself."""
    import struct

    if machine not in AUDIT_ARCH:
        return None
    nr_unshare, nr_clone, nr_clone3, nr_setns = SYSCALLS[machine]
    LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, EPERM, ENOSYS, KILL = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 0x80000000
    prog = [  # (code, jump if true, jump if false, k); jumps count instructions skipped
        (LD_W_ABS, 0, 0, 4),                    # 0  A = arch
        (JEQ, 1, 0, AUDIT_ARCH[machine]),       # 1  native: go to 3
        (RET, 0, 0, KILL),                      # 2  another ABI (i386 compat calls): kill
        (LD_W_ABS, 0, 0, 0),                    # 3  A = syscall number
        (JGE, 9, 0, 0x40000000),                # 4  x32 numbers: go to 14
        (JEQ, 4, 0, nr_unshare),                # 5  go to 10
        (JEQ, 3, 0, nr_clone),                  # 6  go to 10
        (JEQ, 5, 0, nr_clone3),                 # 7  go to 13
        (JEQ, 5, 0, nr_setns),                  # 8  go to 14
        (RET, 0, 0, ALLOW),                     # 9
        (LD_W_ABS, 0, 0, 16),                   # 10 A = low 32 bits of argument 0 (the flags)
        (JSET, 2, 0, CLONE_NEWUSER),            # 11 go to 14
        (RET, 0, 0, ALLOW),                     # 12
        (RET, 0, 0, ENOSYS),                    # 13 clone3
        (RET, 0, 0, EPERM),                     # 14
    ]
    return b"".join(struct.pack("<HBBI", *ins) for ins in prog)


def deny_user_namespaces() -> str | None:
    """Install userns_filter in this process (inherited by its children); None when done."""
    import platform

    prog = userns_filter(platform.machine())
    if prog is None:
        return f"no seccomp table for {platform.machine()}"

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
    if libc().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        return f"seccomp refused: {os.strerror(ctypes.get_errno())}"
    return None


# --- the zygote ----------------------------------------------------------------------------

DEFAULT_PRELOAD = ("numpy", "scipy", "scipy.signal", "scipy.ndimage", "PIL.Image", "PIL.ImageOps",
                   "skimage", "skimage.measure", "skimage.transform", "skimage.color", "skimage.io",
                   "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg",
                   "matplotlib.pyplot", "tensorflow", "keras")
LIGHT_PRELOAD = tuple(m for m in DEFAULT_PRELOAD if m not in ("tensorflow", "keras"))


def preload(modules: list[str]) -> tuple[list[str], dict[str, str]]:
    import importlib
    done, failed = [], {}
    for name in modules:
        try:
            importlib.import_module(name)
            done.append(name)
        except BaseException as e:  # noqa: BLE001 - a missing library only costs speed
            failed[name] = f"{type(e).__name__}: {e}"[:300]
    return done, failed


MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 16384, 1 << 18, 2
CLONE_NEWNS = 0x00020000


def _mount(src, target, fstype, flags, data) -> None:
    enc = lambda x: None if x is None else str(x).encode()  # noqa: E731
    if libc().mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"mount {src} on {target}: {os.strerror(e)}")


def reveal(pairs: list[list[str]]) -> None:
    """Without bubblewrap: make the interpreter readable to the runner's unprivileged uid when
    it lives under a folder others cannot enter (/root). In a private mount namespace (this
    process and its forks only), the closed folder is covered by an empty 0755 tmpfs into
    which the needed paths are bound back. The rest of that folder becomes invisible too."""
    import tempfile

    if libc().unshare(CLONE_NEWNS) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"mount namespace refused: {os.strerror(e)}")
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    by_top: dict[str, list[str]] = {}
    for path, top in pairs:
        by_top.setdefault(top, []).append(path)
    for top, paths in by_top.items():
        staged = []
        for path in paths:
            st = tempfile.mkdtemp(prefix="course-reveal-")
            _mount(path, st, None, MS_BIND | MS_REC, None)
            staged.append((path, st))
        _mount("tmpfs", top, "tmpfs", 0, "mode=0755")
        for path, st in staged:
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(st, path, None, MS_BIND | MS_REC, None)
            libc().umount2(st.encode(), MNT_DETACH)
            os.rmdir(st)


def probe_netns() -> bool | str:
    """Whether a runner can get its own network namespace: True, or why not. Asked by the
    template before any submission runs, so the judge's warning never rests on a runner's word."""
    pid = os.fork()
    if pid == 0:
        os._exit(0 if libc().unshare(CLONE_NEWNET) == 0 else min(ctypes.get_errno(), 255) or 1)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return True if code == 0 else (os.strerror(code) if code > 0 else f"signal {-code}")


def zygote_main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--control-fd", type=int, required=True)
    p.add_argument("--assets", default="")
    p.add_argument("--workbase", default="/tmp")
    p.add_argument("--preload", default=",".join(DEFAULT_PRELOAD))
    p.add_argument("--unshare-net", action="store_true", help="runners unshare their network (no bwrap)")
    p.add_argument("--reveal", default="", help="JSON [[path, closed ancestor], ...] (no bwrap)")
    args = p.parse_args(argv)
    control = socket.socket(fileno=args.control_fd)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    revealed = None
    if args.reveal:
        try:
            reveal(wire.json.loads(args.reveal))
            revealed = True
        except OSError as e:
            revealed = str(e)
    os.environ.setdefault("MPLBACKEND", "Agg")
    netns = probe_netns() if args.unshare_net else None
    done, failed = preload([m for m in args.preload.split(",") if m])
    gc.collect()
    gc.freeze()  # keep the preloaded heap's pages shared between forks
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # A runner whose network could be isolated must be, or it does not run (runner_main).
    opts = {"assets": args.assets, "workbase": args.workbase, "unshare_net": bool(args.unshare_net and netns is True),
            "root": os.geteuid() == 0}
    control.send(wire.json.dumps({"op": "ready", "preloaded": done, "failed": failed, "revealed": revealed,
                                  "netns": netns, "pid": os.getpid()}).encode())
    counter = 0
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(control, 65536, 4)
        except InterruptedError:
            continue
        except OSError:
            return 0
        if not msg:
            return 0  # the judge went away
        try:
            req = wire.json.loads(msg)
        except ValueError:
            req = {}
        if req.get("op") != "fork" or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            control.send(b'{"ok": false, "error": "bad request"}')
            continue
        counter += 1
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                control.close()
                code = monitor_main(fds[0], fds[1], req.get("uid"), counter, opts)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        control.send(wire.json.dumps({"ok": True}).encode())


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


def kill_uid(uid: int) -> None:
    """Kill every process of `uid` (in this PID namespace): a helper takes that uid and sends
    kill(-1, SIGKILL), which reaches exactly the processes that uid may signal."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            # One pass reaches every process of the uid (a fork racing with it is refused
            # by the kernel once the signal is pending); a second pass for good measure.
            # Zombies also count as signalled, so do not loop until ESRCH.
            for _ in range(2):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
                time.sleep(0.002)
        finally:
            os._exit(0)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


class Monitor:
    def __init__(self, msock: socket.socket, uid: int | None, opts: dict):
        self.msock, self.uid, self.opts = msock, uid, opts
        self.runner = 0
        self.status = None  # the runner's wait status once reaped
        self.reported = False
        self.workdir = ""

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
        wire.send_frame(self.msock, ev)
        self.reported = True

    def kill_all(self) -> None:
        if self.runner and self.status is None:
            try:
                os.kill(self.runner, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.uid is not None:
            kill_uid(self.uid)
        # Everything the runner started that escaped its session was reparented to us (we
        # are its subreaper): kill until no child is left.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
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
        if self.workdir:
            remove_tree(self.workdir)  # a folder that resists stays; the next session never reuses its name

    def setup_workdir(self, n: int, setup: dict) -> None:
        """A FRESH private folder: a new name for every session and every attempt (never derived
        from the uid alone), so whatever a previous submission left behind cannot stop this
        one. A set-up that fails is retried with another new folder."""
        base = self.opts["workbase"]
        tag = self.uid if self.uid is not None else "u"
        error: Exception | None = None
        for attempt in range(3):
            wd = os.path.join(base, f"run-{tag}-{os.getpid()}-{n}-{attempt}-{os.urandom(6).hex()}")
            try:
                os.mkdir(wd, 0o700)
            except OSError as e:
                error = e
                continue
            self.workdir = wd
            try:
                self._fill_workdir(wd, setup)
                return
            except OSError as e:
                error = e
                remove_tree(wd)
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
                ready, _, _ = select.select([self.msock, r], [], [], 1.0)
            except InterruptedError:
                continue
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
                    header, _ = wire.recv_frame(self.msock, time.monotonic() + 10)
                except (wire.Closed, wire.Timeout, wire.WireError, OSError):
                    self.kill_all()
                    self.cleanup()
                    return 0
                op = header.get("op")
                if op == "kill":
                    self.kill_all()
                    self.report()
                elif op == "close":
                    self.kill_all()
                    self.report()
                    self.cleanup()
                    wire.send_frame(self.msock, {"event": "closed"})
                    return 0


def monitor_main(mfd: int, rfd: int, uid, n: int, opts: dict) -> int:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    msock = socket.socket(fileno=mfd)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    mon = Monitor(msock, uid if isinstance(uid, int) else None, opts)
    try:
        setup, _ = wire.recv_frame(msock, time.monotonic() + 60)
        mon.setup_workdir(n, setup)
    except Exception as e:  # noqa: BLE001
        wire.send_frame(msock, {"event": "failed", "error": f"{type(e).__name__}: {e}"})
        mon.cleanup()
        return 1
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            msock.close()
            code = runner_main(rfd, mon.workdir, setup, mon.uid, opts)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    os.close(rfd)
    mon.runner = pid
    wire.send_frame(msock, {"event": "started"})
    return mon.loop()


# --- the runner ----------------------------------------------------------------------------

class CappedOutput(io.TextIOBase):
    """sys.stdout / sys.stderr of the runner: keeps the first `cap` characters, counts the rest."""

    def __init__(self, state: dict):
        self.state = state

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, s) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        s = str.__str__(s)
        st = self.state
        room = st["cap"] - st["kept"]
        if room > 0:
            part = s[:room]
            st["pending"].append(part)
            st["kept"] += len(part)
        st["dropped"] += max(0, len(s) - max(room, 0))
        return len(s)

    def flush(self) -> None:
        pass

    @property
    def encoding(self):
        return "utf-8"


def _vmsize() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _cpu_used() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _set_limit(which, soft, hard=None) -> None:
    hard = soft if hard is None else hard
    try:
        resource.setrlimit(which, (int(soft), int(hard)))
    except (ValueError, OSError):
        pass


class Runner:
    def __init__(self, sock: socket.socket, setup: dict, notes: list[str]):
        self.sock, self.setup, self.notes = sock, setup, notes
        limits = setup["limits"]
        self.timeout = float(limits["timeout"])
        self.cpu_budget = self.timeout * max(1, os.cpu_count() or 1) + 5
        self.cpu_hard = 0
        self.out = {"cap": int(limits["output_kb"]) * 1024, "kept": 0, "dropped": 0, "pending": []}
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}
        self.next_id = 1
        self.module = None

    # values
    def to_handle(self, obj) -> dict:
        hid = self.ids.get(id(obj))
        if hid is None:
            hid = self.next_id
            self.next_id += 1
            self.objects[hid] = obj
            self.ids[id(obj)] = hid
        t = type(obj)
        try:
            tname = type.__dict__["__qualname__"].__get__(t)
        except Exception:  # noqa: BLE001
            tname = "object"
        return {wire.TAG: "h", "id": hid, "type": str.__str__(tname)[:200], "callable": callable(obj)}

    def resolve(self, d: dict):
        if d.get(wire.TAG) != "ref" or d.get("id") not in self.objects:
            raise TypeError("the grader passed an object this runner does not know")
        return self.objects[d["id"]]

    def decode(self, tree, bufs):
        return wire.Decoder(bufs, handle=self.resolve).decode(tree)

    def reply(self, header: dict, buffers=()) -> None:
        if getattr(self, "pending_warnings", None):
            header["warnings"], self.pending_warnings = self.pending_warnings, []
        header["out"] = "".join(self.out["pending"])
        header["dropped"] = self.out["dropped"]
        self.out["pending"].clear()
        wire.send_frame(self.sock, header, list(buffers))

    def reply_value(self, value) -> None:
        try:
            tree, bufs = wire.encode(value, to_handle=self.to_handle)
        except (TypeError, ValueError, RecursionError) as e:
            exc = TypeError(f"the value cannot be sent to the grader: {e}")
            self.reply({"exc": wire.Encoder().exception(exc)})
            return
        self.reply({"ok": tree}, bufs)

    def reply_exception(self, e: BaseException) -> None:
        try:
            d = wire.Encoder().exception(e)
        except BaseException:  # noqa: BLE001
            d = {wire.TAG: "exc", "type": "Exception", "base": "Exception", "msg": "<unprintable>", "args": None}
        self.reply({"exc": d})

    def reply_exit(self, e: SystemExit, when: str) -> None:
        try:
            code = e.code if (e.code is None or type(e.code) in (int, str)) else wire._safe_str(e.code)
        except BaseException:  # noqa: BLE001
            code = None
        self.reply({"exit": code, "when": when})

    def arm_cpu(self) -> None:
        soft = _cpu_used() + self.cpu_budget
        if soft < self.cpu_hard:
            _set_limit(resource.RLIMIT_CPU, soft, self.cpu_hard)

    # the module
    def import_module(self) -> None:
        setup = self.setup
        name = setup["module"]
        path = os.path.join(os.getcwd(), os.path.basename(setup["filename"]))
        module = types.ModuleType(name)
        module.__file__ = path
        sys.modules[name] = module
        self.module = module
        self.arm_cpu()
        try:
            code = compile(setup["source"], path, "exec")
            exec(code, module.__dict__)
        except SystemExit as e:
            self.reply_exit(e, "import")
            return
        except SyntaxError as e:
            self.reply({"import_error": "syntax", "msg": str(e.msg), "line": e.lineno})
            return
        except BaseException as e:  # noqa: BLE001
            self.reply({"import_error": "exception", "exc": wire.Encoder().exception(e)})
            return
        self.reply({"imported": True})

    def serve(self) -> None:
        while True:
            try:
                header, bufs = wire.recv_frame(self.sock, None, max_bytes=1 << 40)
            except (wire.Closed, OSError):
                return
            op = header.get("op")
            for hid in header.get("release") or ():
                obj = self.objects.pop(hid, None)
                if obj is not None:
                    self.ids.pop(id(obj), None)
            if op == "stop":
                return
            self.arm_cpu()
            # The judge's numpy error state and warning capture apply to the student's code, so a
            # test's np.errstate(all="raise") or warnings.catch_warnings() sees what it computes.
            fp = {k: v for k, v in (header.get("fp") or {}).items()
                  if k in ("divide", "over", "under", "invalid") and v in ("ignore", "warn", "raise", "print")}
            try:
                with warnings.catch_warnings(record=True) as caught, np_errstate(**fp):
                    warnings.simplefilter("always")
                    try:
                        value = self.dispatch(op, header, bufs)
                    finally:
                        self.pending_warnings = [
                            [wire._safe_str(w.category.__name__)[:100], wire._safe_str(w.message)[:2000]]
                            for w in caught[:20]]
            except SystemExit as e:
                self.reply_exit(e, "call")
                continue
            except BaseException as e:  # noqa: BLE001
                self.reply_exception(e)
                continue
            self.reply_value(value)

    def dispatch(self, op, header, bufs):
        g = self.module.__dict__
        if op == "globals":
            return [k for k in list(g) if type(k) is str and k != "__builtins__"]
        if op == "global":
            name = header["name"]
            if name not in g or name == "__builtins__":
                raise KeyError(name)
            return g[name]
        target = self.resolve(header["target"]) if "target" in header else None
        if op == "call":
            args, kwargs = self.decode(header["args"], bufs)
            return target(*args, **kwargs)
        if op == "getattr":
            return getattr(target, header["name"])
        if op == "setattr":
            setattr(target, header["name"], self.decode(header["value"], bufs))
            return None
        if op == "getitem":
            return target[self.decode(header["key"], bufs)]
        if op == "setitem":
            key, value = self.decode(header["key"], bufs)
            target[key] = value
            return None
        if op == "len":
            n = len(target)
            return int.__int__(n)
        if op == "iter":
            return iter(target)
        if op == "next":
            return next(target)
        if op == "dir":
            return [str.__str__(x) for x in dir(target) if isinstance(x, str)]
        raise ValueError(f"unknown request {op!r}")


def np_errstate(**fp):
    np = sys.modules.get("numpy")
    return np.errstate(**fp) if (np is not None and fp) else contextlib.nullcontext()


RUNNER_NO_NETNS = 72     # exit codes of a runner that refused to start (before any student code)
RUNNER_NO_SECCOMP = 73


def runner_main(rfd: int, workdir: str, setup: dict, uid, opts: dict) -> int:
    os.setsid()
    notes: list[str] = []
    limits = setup["limits"]
    # Environment: nothing of the grader's.
    os.environ.clear()
    os.environ.update({
        "HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": os.path.join(workdir, ".matplotlib"),
        "KERAS_HOME": os.path.join(workdir, ".keras"), "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1", "COURSE_OFFLINE": "1", "OMP_NUM_THREADS": str(os.cpu_count() or 1),
    })
    os.chdir(workdir)
    sys.path[:] = [workdir] + [p for p in sys.path if p and p != os.getcwd()]
    if opts.get("unshare_net") and libc().unshare(CLONE_NEWNET) != 0:
        return RUNNER_NO_NETNS  # the template's probe said it works: never run with the network
    # Limits (inherited by every process the submission starts).
    mem = int(limits["memory_mb"]) * 1024 * 1024
    _set_limit(resource.RLIMIT_AS, _vmsize() + mem)
    _set_limit(resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * 1024 * 1024)
    _set_limit(resource.RLIMIT_CORE, 0)
    cpu_hard = int(_cpu_used() + max(600.0, 20 * float(limits["timeout"]) * max(1, os.cpu_count() or 1)))
    _set_limit(resource.RLIMIT_CPU, cpu_hard)
    if uid is not None:
        # Per-uid count: the uid is this submission's alone, so this caps its processes.
        _set_limit(resource.RLIMIT_NPROC, int(limits["processes"]))
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    denied = deny_user_namespaces()
    if denied is not None and not denied.startswith("no seccomp table"):
        return RUNNER_NO_SECCOMP  # a known architecture whose filter failed: do not run unfiltered
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit raise OSError instead
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    # File descriptors: the judge's socket and /dev/null for 0, 1, 2.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sock_fd = os.dup2(rfd, 3) if rfd != 3 else 3
    os.set_inheritable(3, False)
    os.closerange(4, 65536)
    sock = socket.socket(fileno=sock_fd)
    runner = Runner(sock, setup, notes)
    runner.cpu_hard = cpu_hard
    sys.stdout = sys.__stdout__ = CappedOutput(runner.out)
    sys.stderr = sys.__stderr__ = CappedOutput(runner.out)
    sys.stdin = sys.__stdin__ = io.StringIO("")
    sys.argv = [os.path.basename(setup["filename"])]
    # Every confinement step is done: say so before any student code runs, so the judge can tell
    # a runner that could not be confined (the grader's problem) from one the submission ended.
    wire.send_frame(sock, {"confined": True})
    runner.import_module()
    runner.serve()
    return 0


if __name__ == "__main__":
    sys.exit(zygote_main())
