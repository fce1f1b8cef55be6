"""The runner: untrusted. New session, scrubbed environment, private working directory,
rlimits, unprivileged uid, no new user namespaces, stdout/stderr captured and capped; it
imports the submission and serves the judge's calls (the wire) until told to stop."""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import resource
import signal
import socket
import sys
import time
import types
import warnings

from . import wire
from .limits import EACH_EXPECT, RUNNER_FILES, RUNNER_NO_IPCNS, RUNNER_NO_NETNS, RUNNER_NO_SECCOMP, THREAD_VARS
from .syscalls import (CLONE_NEWIPC, CLONE_NEWNET, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, deny_user_namespaces, libc,
                       oom_first, prctl)
from .watch import watched_call


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


_MISSING = object()
PREFETCH_MAX = 200  # functions announced with the import (limits the reply header)


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
        self.next_id, self.module = 1, None
        # Globals the judge holds a handle for, by name (issue 16: it looks them up once per
        # runner, not once per test case); a reply names any the student's code has since rebound.
        self.exported: dict[str, object] = {}

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
        if getattr(self, "more", None) is not None:
            header["more"], self.more = self.more, None
        if getattr(self, "pending_warnings", None):
            header["warnings"], self.pending_warnings = self.pending_warnings, []
        header["out"] = "".join(self.out["pending"])
        header["dropped"] = self.out["dropped"]
        header["t"], self.busy = float(getattr(self, "busy", 0.0)), 0.0  # the time split (issue 16)
        if getattr(self, "watched", None) is not None:
            header["watched"], self.watched = self.watched, None
        if self.exported:
            g = self.module.__dict__
            stale = [name for name, obj in self.exported.items() if g.get(name, _MISSING) is not obj]
            if stale:
                header["stale"] = stale
                for name in stale:
                    del self.exported[name]
        self.out["pending"].clear()
        wire.send_frame(self.sock, header, list(buffers))

    def reply_value(self, value) -> bool:
        try:
            tree, bufs = wire.encode(value, to_handle=self.to_handle)
        except (TypeError, ValueError, RecursionError, MemoryError) as e:
            # MemoryError: a view too large to copy for the wire (zero-strided, (10**6, 10**6)) ended
            # the loop, read as os._exit(70) (attack k04); now the memory limit's own sentence.
            if getattr(self, "more", None) is not None:
                self.more = False  # a loop ends here, as at a raise
            self.reply_exception(MemoryError("the answer is too large to send to the grader") if isinstance(e, MemoryError)
                                 else TypeError(f"the value cannot be sent to the grader: {e}"))
            return False
        self.reply({"ok": tree}, bufs)
        return True

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
            code = compile(setup["source"], path, "exec", dont_inherit=True)  # its own __future__ only
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
        # The module's own functions travel with the answer: the judge needs no round trip
        # to look each one up (a case's arguments are looked up every case).
        prefetch = {}
        for key, value in list(module.__dict__.items()):
            if len(prefetch) >= PREFETCH_MAX:
                break
            if (type(key) is str and not key.startswith("__") and type(value) is types.FunctionType
                    and value.__module__ == name):
                prefetch[key] = self.to_handle(value)
                self.exported[key] = value
        self.reply({"imported": True, "prefetch": prefetch})

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
            if op == "each":
                self.serve_each(header, bufs)
            else:
                self.run_call(header, lambda: self.dispatch(op, header, bufs))

    def run_call(self, header: dict, thunk, expect: type | None = None, last: bool = True) -> bool:
        """Run one piece of the student's code and reply with its value, its exception or its
        exit; True when a value went back (with `expect`, a loop of calls expected to raise it:
        True when it raised that). In a loop (not `last`) the reply says whether the next call
        will run ("more"), so the grader knows how many answers are still to come."""
        self.more = None if header.get("op") != "each" else False
        self.arm_cpu()
        # The judge's numpy error state and warning capture apply to the student's code, so a
        # test's np.errstate(all="raise") or warnings.catch_warnings() sees what it computes.
        fp = {k: v for k, v in (header.get("fp") or {}).items()
              if k in ("divide", "over", "under", "invalid") and v in ("ignore", "warn", "raise", "print")}
        try:
            with warnings.catch_warnings(record=True) as caught, np_errstate(**fp):
                warnings.simplefilter("always")
                started, self.watching = time.perf_counter(), []
                try:
                    value = thunk()
                finally:  # the student's code ran here, and a watched call's copies (ours)
                    self.busy = max(time.perf_counter() - started - sum(self.watching), 0.0)
                    self.pending_warnings = [
                        [wire._safe_str(w.category.__name__)[:100], wire._safe_str(w.message)[:2000]]
                        for w in caught[:20]]
        except SystemExit as e:
            self.reply_exit(e, "call")
            return False
        except BaseException as e:  # noqa: BLE001
            goes_on = expect is not None and isinstance(e, expect)
            if self.more is not None:
                self.more = goes_on and not last
            self.reply_exception(e)
            return goes_on
        if self.more is not None:
            self.more = expect is None and not last
        return self.reply_value(value) and expect is None

    def serve_each(self, header: dict, bufs) -> None:
        """One request, many calls of one function (issue 16: a test's loop over inputs costs one
        round trip, not one per input): a reply per call, in order, as each finishes; the first
        call that raises or exits is the last one run, as in the test's own loop. With "expect"
        (a loop of calls that must raise, e.g. ValueError), the first call that does not raise
        it (returns, raises another, exits) is the last one run."""
        try:
            target = self.resolve(header["target"])
            calls = self.decode(header["args"], bufs)
            if type(calls) is not list or not all(type(a) is tuple for a in calls):
                raise TypeError("the grader's calls are not a list of argument tuples")
        except BaseException as e:  # noqa: BLE001 - the judge's request; its answer is one reply
            self.reply_exception(e)
            return
        name = header.get("expect")
        expect = getattr(builtins, name) if name in EACH_EXPECT else None  # None: the first raise ends the loop
        for i, args in enumerate(calls):
            if not self.run_call(header, lambda: target(*args), expect, last=i == len(calls) - 1):
                return

    def dispatch(self, op, header, bufs):
        g = self.module.__dict__
        if op == "globals":
            return [k for k in list(g) if type(k) is str and k != "__builtins__"]
        if op == "global":
            name = header["name"]
            if name not in g or name == "__builtins__":
                raise KeyError(name)
            value = g[name]
            if type(name) is str and len(self.exported) < 10 * PREFETCH_MAX:
                self.exported[name] = value
            return value
        target = self.resolve(header["target"]) if "target" in header else None
        if op == "call":
            args, kwargs = self.decode(header["args"], bufs)
            if header.get("watch"):
                return self.call_watched(target, args, kwargs)
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

    def call_watched(self, target, args, kwargs):
        """target(*args, **kwargs); what it did to its array arguments goes with the answer."""
        value, changed, returned = watched_call(target, args, kwargs, self.watching)
        self.watched = {"changed": changed, "returned": returned}
        return value


def np_errstate(**fp):
    np = sys.modules.get("numpy")
    return np.errstate(**fp) if (np is not None and fp) else contextlib.nullcontext()


def runner_main(rfd: int, workdir: str, setup: dict, uid, opts: dict) -> int:
    os.setsid()
    notes: list[str] = []
    limits = setup["limits"]
    # Environment: nothing of the grader's but its thread caps (the template's libraries follow them).
    caps = {k: os.environ[k] for k in THREAD_VARS if os.environ.get(k, "").isdigit()}
    os.environ.clear()
    os.environ.update({
        "HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": os.path.join(workdir, ".matplotlib"),
        "KERAS_HOME": os.path.join(workdir, ".keras"), "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1", "COURSE_OFFLINE": "1", "OMP_NUM_THREADS": str(os.cpu_count() or 1),
        **caps,
    })
    import tempfile
    tempfile.tempdir = None  # the zygote cached the grader's /tmp; mkdtemp must read TMPDIR again
    os.chdir(workdir)
    sys.path[:] = [workdir] + [p for p in sys.path if p and p != os.getcwd()]
    if opts.get("unshare_net") and libc().unshare(CLONE_NEWNET) != 0:
        return RUNNER_NO_NETNS  # the template's probe said it works: never run with the network
    # System V IPC of its own (bubblewrap's is the template's, every runner's; a segment outlives
    # its maker): where the template's probe got one, the runner must too.
    if opts.get("unshare_ipc") and libc().unshare(CLONE_NEWIPC) != 0:
        return RUNNER_NO_IPCNS
    # Limits (inherited by every process the submission starts).
    mem = int(limits["memory_mb"]) * 1024 * 1024
    _set_limit(resource.RLIMIT_AS, _vmsize() + mem)
    _set_limit(resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * 1024 * 1024)
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_NOFILE, RUNNER_FILES)  # each may pin socket buffers RLIMIT_AS misses (g05)
    cpu_hard = int(_cpu_used() + max(600.0, 20 * float(limits["timeout"]) * max(1, os.cpu_count() or 1)))
    _set_limit(resource.RLIMIT_CPU, cpu_hard)
    oom_first()
    if uid is not None:
        _set_limit(resource.RLIMIT_NPROC, int(limits["processes"]))  # per uid: this submission's alone
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    denied = deny_user_namespaces(network=bool(opts.get("network")))
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
    wire.send_frame(sock, {"confined": True, "grouped": opts.get("grouped")})
    runner.import_module()
    runner.serve()
    return 0
