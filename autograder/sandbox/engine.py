"""The trusted side: SandboxEngine and SandboxSession, which the grading core talks to.

The judge (this process) keeps the test files; the submission runs in a runner forked from a
per-bundle template process (zygote.py), normally inside bubblewrap. `session.env` maps the
module's global names to values (data) or proxies (Handle); calls travel over a socket.
"""

from __future__ import annotations

import atexit
import builtins
import fcntl
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import weakref
from collections.abc import Mapping
from pathlib import Path

from ..grading.engine import Deadline, RunnerFault, SubmissionExit
from . import wire
from .wire import RemoteError  # noqa: F401 - re-exported

_TF_RE = re.compile(r"^\s*(import|from)\s+(tensorflow|keras)\b", re.M)
UID_BASE = 61000
UID_COUNT = 4000
SETUP_SLACK = 60.0      # seconds for the monitor to make the working directory and fork
SETUP_ATTEMPTS = 3      # a runner that could not be set up is tried again in a new folder
WARNINGS_PER_REPLY = 20
WARNING_CAP = 1000      # characters of one warning kept in the student's output
ZYGOTE_START = 600.0    # seconds for the template to import its libraries (TF on a busy machine)
CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE", "CAP_KILL")

_warned: set[str] = set()
_warn_lock = threading.Lock()


def warn_once(message: str) -> None:
    """One clear line on stderr per distinct message per process."""
    with _warn_lock:
        if message in _warned:
            return
        _warned.add(message)
    print(f"warning: sandbox: {message}", file=sys.stderr, flush=True)


def memory_text(mb: int) -> str:
    return f"{mb // 1024:g} GiB" if mb % 1024 == 0 else f"{mb:g} MiB"


def _env_flag(name: str, default: bool) -> bool:
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    return v.strip().lower() not in ("0", "false", "no", "off")


# --- uids ----------------------------------------------------------------------------------

class UidLease:
    """An unprivileged uid held by one session (a lock file per uid, shared by every grader
    process on the machine), so that 'every process of this uid' means 'this submission'."""

    def __init__(self, uid: int, fd: int):
        self.uid, self.fd = uid, fd

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing drops the flock
            self.fd = -1


def _uid_has_processes(uid: int) -> bool:
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    return True
            except OSError:
                pass
    return False


def lease_uid() -> UidLease:
    lockdir = Path(tempfile.gettempdir()) / "course-sandbox-uids"
    lockdir.mkdir(mode=0o700, exist_ok=True)
    start = (os.getpid() * 7) % UID_COUNT
    for i in range(UID_COUNT):
        uid = UID_BASE + (start + i) % UID_COUNT
        try:
            pwd.getpwuid(uid)
            continue  # a real account: never borrow it
        except KeyError:
            pass
        fd = os.open(lockdir / f"{uid}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if _uid_has_processes(uid):
            os.close(fd)
            continue
        return UidLease(uid, fd)
    raise RuntimeError(f"no free sandbox uid in {UID_BASE}..{UID_BASE + UID_COUNT - 1}")


# --- the template process ------------------------------------------------------------------

def _python_paths() -> list[str]:
    """What the interpreter needs, bound read-only at the same paths."""
    import autograder
    pkg = str(Path(autograder.__file__).resolve().parent)
    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), pkg}
    exe = os.path.realpath(sys.executable)
    if not any(exe.startswith(p + os.sep) for p in paths):
        paths.add(os.path.dirname(exe))
    out = sorted(paths)
    # Drop paths nested in another bound path.
    return [p for p in out if not any(p != q and p.startswith(q + os.sep) for q in out)]


def _closed_paths() -> list[list[str]]:
    """[path, closed ancestor] for each interpreter path an unprivileged user cannot reach
    (an ancestor without o+x, like /root)."""
    import stat

    out = []
    for p in _python_paths():
        parts = Path(p).parts
        for i in range(2, len(parts) + 1):
            anc = str(Path(*parts[:i]))
            try:
                if not os.stat(anc).st_mode & stat.S_IXOTH:
                    out.append([p, anc])
                    break
            except OSError:
                break
    return out


ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
       "hosts", "host.conf", "mime.types", "fonts", "alternatives", "ssl/certs", "matplotlibrc")


def bwrap_args(bwrap: str, assets: str | None, root: bool, tmp_mb: int) -> list[str]:
    args = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    for d in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "0755", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    binds = [(p, p) for p in _python_paths()]
    if assets:
        binds.append((assets, "/sandbox/assets"))
    made: set[str] = {"/", "/usr", "/tmp", "/proc", "/dev", "/etc", "/sys"}
    for _, dest in binds:
        # Parents bwrap would create inherit our umask (0700 under umask 077): make them
        # 0755 explicitly, so the unprivileged runner can walk to the interpreter
        # (which may live in /root).
        for parent in reversed(Path(dest).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
    for src, dest in binds:
        args += ["--ro-bind", src, dest]
    args += ["--chdir", "/tmp", "--setenv", "HOME", "/tmp"]
    if root:
        for cap in CAPS:
            args += ["--cap-add", cap]
    return args


def _clean_env(extra: dict | None = None) -> dict:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
           "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
           "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": "",
           "COURSE_OFFLINE": "1"}
    env.update(extra or {})
    return env


class Zygote:
    """One template process for one bundle (its assets are bound into the sandbox)."""

    def __init__(self, engine: "SandboxEngine", assets: Path | None, use_bwrap: bool, preload: tuple[str, ...]):
        self.engine = engine
        self.lock = threading.Lock()
        self.control: socket.socket | None = None
        self.proc: subprocess.Popen | None = None
        self.workbase: str | None = None
        self.bwrap = False
        self.switch_user = engine.switch_user
        self.revealed = None
        self._keeper_done = threading.Event()
        assets_dir = str(assets) if assets and assets.is_dir() else None
        cmd_tail = [sys.executable, "-I", "-m", "autograder.sandbox.zygote", "--preload", ",".join(preload)]
        started = False
        if use_bwrap:
            total = sum(f.stat().st_size for f in assets.rglob("*") if f.is_file()) if assets_dir else 0
            tmp_mb = 1024 + total // 2**20
            base = bwrap_args(engine.bwrap_path, assets_dir, engine.root, tmp_mb)
            tail = cmd_tail + (["--assets", "/sandbox/assets"] if assets_dir else []) + ["--workbase", "/tmp"]
            try:
                self._start(base, tail)
                self.bwrap, started = True, True
            except RuntimeError as e:
                engine._fallback(f"bubblewrap refused to start the sandbox ({e})")
        if not started:
            self.workbase = tempfile.mkdtemp(prefix="course-sandbox-")
            os.chmod(self.workbase, 0o711)  # runner uids may enter their own 0700 folder only
            tail = cmd_tail + (["--assets", assets_dir] if assets_dir else []) + ["--workbase", self.workbase]
            closed = _closed_paths() if engine.root else []
            if engine.root:
                tail.append("--unshare-net")
                if closed:
                    tail += ["--reveal", wire.json.dumps(closed)]
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
                box["proc"] = subprocess.Popen(cmd, pass_fds=(child.fileno(),), env=_clean_env(),
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
        ready = wire.json.loads(msg)
        self.preloaded, self.preload_failed = ready.get("preloaded", []), ready.get("failed", {})
        self.revealed = ready.get("revealed")
        netns = ready.get("netns")
        if netns is not None and netns is not True:  # the template's probe, before any submission ran
            self.engine._note(f"the OS refused a new network namespace ({str(netns)[:200]}): runners keep "
                              "the grader's network access")
        judge.settimeout(None)
        self.control, self.proc = judge, proc

    def fork(self, uid: int | None) -> tuple[socket.socket, socket.socket]:
        """A new monitor + runner pair: (runner socket, monitor socket), judge ends."""
        r_judge, r_child = socket.socketpair()
        m_judge, m_child = socket.socketpair()
        try:
            with self.lock:
                if self.control is None:
                    raise RuntimeError("the sandbox template process is closed")
                self.control.settimeout(30)
                socket.send_fds(self.control, [wire.json.dumps({"op": "fork", "uid": uid}).encode()],
                                [m_child.fileno(), r_child.fileno()])
                reply = self.control.recv(65536)
            if not reply or not wire.json.loads(reply).get("ok"):
                raise RuntimeError("the sandbox template process did not fork a runner")
        except (OSError, ValueError) as e:
            r_judge.close()
            m_judge.close()
            raise RuntimeError(f"the sandbox template process failed: {e}") from None
        finally:
            r_child.close()
            m_child.close()
        return r_judge, m_judge

    def close(self) -> None:
        if self.control is not None:
            try:
                self.control.close()
            except OSError:
                pass
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
            from .zygote import remove_tree
            remove_tree(self.workbase)  # iterative: a runner's 3000-deep folder cannot crash the judge
            self.workbase = None


# --- proxies -------------------------------------------------------------------------------

def _numpy_errstate() -> dict:
    np = sys.modules.get("numpy")
    return dict(np.geterr()) if np is not None else {}


def _warning_class(name) -> type[Warning]:
    cls = getattr(builtins, str(name), None)
    return cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning


def _judge_action(category: type[Warning], text: str) -> str:
    """What the judge's own warning filters (the test's catch_warnings/simplefilter) say for
    this warning; the module is unknown, so filters naming one do not match."""
    for action, msg, cat, mod, lineno in warnings.filters:
        if ((msg is None or msg.match(text)) and issubclass(category, cat)
                and (mod is None or mod.match("")) and lineno == 0):
            return action
    return warnings.defaultaction


def _judge_records_warnings() -> bool:
    """Inside warnings.catch_warnings(record=True) warnings go to a list, not to the screen."""
    return isinstance(getattr(warnings._showwarnmsg_impl, "__self__", None), list)


class Handle:
    """An object that stays in the runner. Attribute reads, method calls, len, indexing and
    iteration are forwarded; equality, hashing and truth are decided here, never there."""

    __slots__ = ("_sb_session", "_sb_gen", "_sb_id", "_sb_type", "__weakref__")

    def __init__(self, session, gen: int, hid: int, type_name: str):
        object.__setattr__(self, "_sb_session", session)
        object.__setattr__(self, "_sb_gen", gen)
        object.__setattr__(self, "_sb_id", hid)
        object.__setattr__(self, "_sb_type", type_name)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocols (__array_interface__, ...) are never asked for
        return self._sb_session._op("getattr", self, name=name)

    def __setattr__(self, name: str, value) -> None:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"cannot set {name} on an object from the submission")
        self._sb_session._op("setattr", self, name=name, value=value)

    def __getitem__(self, key):
        return self._sb_session._op("getitem", self, key=key)

    def __setitem__(self, key, value) -> None:
        self._sb_session._op("setitem", self, key=(key, value))

    def __len__(self) -> int:
        n = self._sb_session._op("len", self)
        if type(n) is not int or n < 0:
            raise TypeError("len() of an object from the submission did not give a non-negative int")
        return n

    def __iter__(self):
        return self._sb_session._op("iter", self)

    def __next__(self):
        return self._sb_session._op("next", self)

    def __dir__(self):
        return self._sb_session._op("dir", self)

    def __eq__(self, other) -> bool:
        return self is other

    def __ne__(self, other) -> bool:
        return self is not other

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise TypeError(f"the truth value of a {self._sb_type} from the submission is not defined in the grader")

    def __array__(self, *args, **kwargs):
        raise TypeError(f"a {self._sb_type} from the submission is not an array (the sandbox never asks it to become one)")

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a {self._sb_type} from the submission cannot be copied or pickled")

    def __repr__(self) -> str:
        return f"<{self._sb_type} object in the submission>"

    __str__ = __repr__


class CallableHandle(Handle):
    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return self._sb_session._op("call", self, args=(args, kwargs))


class Env(Mapping):
    """The submission's module globals, as otter's test functions receive them."""

    def __init__(self, session: "SandboxSession"):
        self._session = session

    def __getitem__(self, name):
        if not isinstance(name, str):
            raise KeyError(name)
        return self._session._op("global", None, name=name, keyerror=True)

    def __iter__(self):
        return iter(self._session._op("globals", None))

    def __len__(self) -> int:
        return len(self._session._op("globals", None))

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self._session._op("globals", None)

    def __repr__(self) -> str:
        return "<the submission's globals (sandboxed)>"


# --- the session ---------------------------------------------------------------------------

class _Malformed(Exception):
    """A runner's reply that is not what a runner sends (the submission wrote on its socket)."""


class SandboxSetupError(RuntimeError):
    """The sandbox could not start or confine a runner: the grader's problem, never the
    submission's (the row is a grader failure that a rerun retries, not a student's error)."""


class SandboxSession:
    def __init__(self, engine: "SandboxEngine", zygote: Zygote, bundle, source: str, filename: str,
                 deadline: Deadline | None = None):
        self.engine, self.zygote, self.bundle = engine, zygote, bundle
        self.limits = bundle.limits
        self.source, self.filename = source, Path(filename).name
        self.module = Path(filename).stem
        self.import_error: tuple[str, str] | None = None
        self.env = Env(self)
        self.gen = 0
        self.rsock: socket.socket | None = None
        self.msock: socket.socket | None = None
        self.alive = False
        self.broken: str | None = None
        self.exit_info: dict | None = None
        self.deadline = deadline
        self.expired: str | None = None  # the reason, once the submission's deadline has passed
        self._handles: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._release: list[int] = []
        self._label = "import"
        self._outputs: list[list] = []  # [label, text]
        self._kept = 0
        self._dropped = 0
        self._runner_dropped = 0
        self._cap = int(self.limits.output_kb) * 1024
        self._setup_problem = ""
        self.closed = False
        self.uid: UidLease | None = None
        try:
            self.uid = lease_uid() if zygote.switch_user else None
            if self.uid is not None:
                engine.used_uids.add(self.uid.uid)
            err = self._start()
        except BaseException:
            self.close()  # the uid lease and the runner never outlive a session that failed to open
            raise
        if err:
            self.import_error = err

    # -- lifecycle
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
        for _ in range(SETUP_ATTEMPTS):
            outcome = self._start_once()
            if outcome != "retry":
                return outcome
        raise SandboxSetupError(f"the sandbox could not start a runner: {self._setup_problem}")

    def _start_once(self):
        self.gen += 1
        self._release.clear()
        self._runner_dropped = 0
        self.exit_info = None
        try:
            self.rsock, self.msock = self.zygote.fork(self.uid.uid if self.uid else None)
        except RuntimeError as e:
            self._setup_problem = str(e)
            return "retry"
        lim = self.limits
        setup = {"source": self.source, "filename": self.filename, "module": self.module,
                 "limits": {"timeout": lim.timeout, "memory_mb": lim.memory_mb, "processes": lim.processes,
                            "file_size_mb": lim.file_size_mb, "output_kb": lim.output_kb}}
        try:
            wire.send_frame(self.msock, setup)
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
            self._setup_problem = _confinement_problem(info)
            return "retry"
        t = float(lim.timeout)
        try:
            header, _ = self._recv(self._until(t))
        except wire.Timeout:
            self._kill()
            if self._out_of_time():
                return ("timeout", self.expired)
            return ("timeout", f"importing the submission timed out after {t:g} s")
        except wire.WireError as e:
            self._kill()
            return ("error", f"the submission's runner sent an unreadable message while being imported: {e}")
        except (wire.Closed, OSError):
            info = self._kill()
            return self._death_reason(info, "while importing the submission")
        if header.get("imported") is True:
            return None
        self._kill()
        return _import_failure(header, lim)

    def _death_reason(self, info: dict | None, when: str) -> tuple[str, str]:
        if info and info.get("signal") is not None:
            sig, what, name = info["signal"], info.get("what", ""), info.get("signame", "")
            if name == "SIGKILL":
                return ("crashed", f"the runner was killed (SIGKILL) {when}; it probably ran out of memory "
                                   f"(limit {memory_text(self.limits.memory_mb)})")
            return ("crashed", f"the runner crashed {when}: {what} ({name})" if what else
                    f"the runner crashed {when}: signal {sig}")
        if info and info.get("code") is not None:
            return ("error", f"the submission's process exited (os._exit({info['code']})) {when}")
        return ("error", f"the runner stopped answering {when}")

    def _recv(self, deadline: float) -> tuple[dict, list]:
        header, bufs = wire.recv_frame(self.rsock, deadline, self.engine.max_message,
                                       header_cap=wire.REPLY_HEADER_CAP)
        self._take_output(header)
        return header, bufs

    def _keep_output(self, text: str) -> None:
        """Text for the current case's output, within the session's output cap."""
        if not text or self._label is None:
            return
        room = self._cap - self._kept
        kept = text[:max(room, 0)]
        self._dropped += len(text) - len(kept)
        self._kept += len(kept)
        if kept:
            if self._outputs and self._outputs[-1][0] == self._label:
                self._outputs[-1][1] += kept
            else:
                self._outputs.append([self._label, kept])

    def _take_warnings(self, reply: dict) -> None:
        """Warnings the submission raised during a call. They are recorded into its output
        (capped), never printed by the grader. A test that turned warnings into errors
        (warnings.simplefilter("error")) still gets the exception, and one recording warnings
        (catch_warnings(record=True)) still gets them in its list: the judge's filters decide."""
        items = reply.get("warnings")
        if not isinstance(items, list):
            return
        for item in items[:WARNINGS_PER_REPLY]:
            if not (isinstance(item, list) and len(item) == 2 and all(type(x) is str for x in item)):
                continue
            category, text = _warning_class(item[0][:100]), wire.cap_text(item[1], WARNING_CAP)
            action = _judge_action(category, text)
            if action == "ignore":
                continue
            if action == "error":
                raise category(text)
            self._keep_output(f"[warning] {category.__name__}: {text}\n")
            if _judge_records_warnings():
                warnings.warn_explicit(text, category, self.filename, 0)

    def _take_output(self, header: dict) -> None:
        out = header.get("out")
        if isinstance(out, str):
            self._keep_output(out)
        d = header.get("dropped")
        if type(d) is int and d > self._runner_dropped and self._label is not None:
            self._dropped += d - self._runner_dropped
            self._runner_dropped = d

    def _kill(self) -> dict | None:
        """Kill the runner and everything it started; how it ended, from the monitor."""
        if not self.alive and self.exit_info is not None:
            return self.exit_info
        self.alive = False
        info = None
        try:
            if self.rsock is not None:
                self.rsock.close()
        except OSError:
            pass
        self.rsock = None
        if self.msock is not None:
            try:
                wire.send_frame(self.msock, {"op": "kill"})
                deadline = time.monotonic() + 15
                while True:
                    ev, _ = wire.recv_frame(self.msock, deadline)
                    if ev.get("event") == "exit":
                        info = ev
                        break
            except (wire.Timeout, wire.Closed, wire.WireError, OSError):
                pass
        self.exit_info = info
        return info

    def _shutdown(self) -> None:
        """Kill the runner, remove its working directory, end the monitor."""
        self.alive = False
        if self.rsock is not None:
            try:
                self.rsock.close()
            except OSError:
                pass
            self.rsock = None
        if self.msock is not None:
            try:
                wire.send_frame(self.msock, {"op": "close"})
                deadline = time.monotonic() + 15
                while True:
                    ev, _ = wire.recv_frame(self.msock, deadline)
                    if ev.get("event") == "closed":
                        break
            except (wire.Timeout, wire.Closed, wire.WireError, OSError):
                pass
            try:
                self.msock.close()
            except OSError:
                pass
            self.msock = None

    def _restart(self) -> None:
        self._shutdown()
        label, self._label = self._label, None  # a re-import's output was already kept once
        try:
            err = self._start()
        except SandboxSetupError as e:
            err = ("error", str(e))
        finally:
            self._label = label
        if err:
            self.broken = err[1]
            self._shutdown()

    # -- calls
    def _ref(self, obj):
        if isinstance(obj, Handle):
            if object.__getattribute__(obj, "_sb_session") is not self:
                raise TypeError("an object from another submission cannot be passed here")
            if object.__getattribute__(obj, "_sb_gen") != self.gen:
                raise RuntimeError("this object belonged to a runner that has since been restarted")
            return {wire.TAG: "ref", "id": object.__getattribute__(obj, "_sb_id")}
        return None

    def _handle(self, d: dict) -> Handle:
        hid = d.get("id")
        if type(hid) is not int:
            raise wire.WireError("bad handle")
        key = (self.gen, hid)
        h = self._handles.get(key)
        if h is None:
            cls = CallableHandle if d.get("callable") else Handle
            h = cls(self, self.gen, hid, str(d.get("type", "object"))[:200])
            self._handles[key] = h
            weakref.finalize(h, self._released, self.gen, hid)
        return h

    def _released(self, gen: int, hid: int) -> None:
        if gen == self.gen and not self.closed:
            self._release.append(hid)

    def _op(self, op: str, target: Handle | None, keyerror: bool = False, **fields):
        if self.closed:
            raise RuntimeError("the submission's session is closed")
        if self._out_of_time():
            raise RunnerFault("timeout", self.expired)
        if self.broken:
            raise RunnerFault("error", f"the runner could not be restarted: {self.broken}")
        if target is not None and object.__getattribute__(target, "_sb_gen") != self.gen:
            raise RuntimeError("this object belonged to a runner that has since been restarted")
        if self.import_error:
            raise RunnerFault(self.import_error[0], self.import_error[1])
        if not self.alive:
            self._restart()
            if self.broken:
                raise RunnerFault("error", f"the runner could not be restarted: {self.broken}")
            if self._out_of_time():
                raise RunnerFault("timeout", self.expired)
        header: dict = {"op": op, "fp": _numpy_errstate()}
        if target is not None:
            header["target"] = {wire.TAG: "ref", "id": object.__getattribute__(target, "_sb_id")}
        for key in ("name",):
            if key in fields:
                header[key] = str(fields[key])
        enc = wire.Encoder(ref=self._ref)  # one encoder: the fields share one buffer table
        for key in ("args", "key", "value"):
            if key in fields:
                header[key] = enc.encode(fields[key])
        buffers = enc.buffers
        if self._release:
            # A stale handle's finalizer (run by the GC, possibly in another thread) may name an
            # id the runner has since handed out again to a live handle for the same object:
            # only ids no live handle uses are released, or the runner would forget them.
            pending, self._release = self._release, []
            header["release"] = [hid for hid in pending if (self.gen, hid) not in self._handles]
        t = float(self.limits.timeout)
        try:
            wire.send_frame(self.rsock, header, buffers)
            reply, bufs = self._recv(self._until(t))
        except wire.Timeout:
            self._kill()
            if self._out_of_time():
                raise RunnerFault("timeout", self.expired) from None
            raise RunnerFault("timeout", f"timed out after {t:g} s") from None
        except wire.WireError as e:
            self._kill()
            raise RunnerFault("error", f"the submission's answer could not be read: {e}") from None
        except (wire.Closed, OSError):
            info = self._kill()
            status, reason = self._death_reason(info, "during the call")
            if status == "error" and info and info.get("code") is not None:
                raise SubmissionExit(f"the submission's process exited (os._exit({info['code']})) during the call")
            raise RunnerFault(status, reason) from None
        try:
            return self._answer(reply, bufs, keyerror, fields)
        except _Malformed as e:
            self._kill()
            raise RunnerFault("error", f"the submission's answer could not be read: {e}") from None
        finally:
            if self._out_of_time() and self.alive:
                self._kill()  # decoding ran past the deadline: nothing more runs for this submission

    def _answer(self, reply: dict, bufs: list, keyerror: bool, fields: dict):
        """The value of a runner's reply, or the exception it carries; _Malformed when the
        reply is not what a runner sends."""
        try:
            self._take_warnings(reply)
        except Warning:
            raise  # the test asked for warnings as errors
        except Exception as e:  # noqa: BLE001
            raise _Malformed(f"bad warnings ({type(e).__name__})") from None
        if "exit" in reply:
            raise SubmissionExit(f"the submission called sys.exit({_code(reply['exit'])})")
        if "exc" in reply:
            exc_d = reply["exc"] if isinstance(reply["exc"], dict) else {}
            if exc_d.get("base") == "MemoryError":
                self._kill()  # its heap may be in any state: start afresh for the next case
                raise RunnerFault("error", f"ran out of memory (limit {memory_text(self.limits.memory_mb)})")
            if keyerror and exc_d.get("base") == "KeyError":
                raise KeyError(fields.get("name"))
            raise wire.rebuild_exception(exc_d)
        try:
            return wire.Decoder(bufs, handle=self._handle).decode(reply.get("ok"))
        except Exception as e:  # noqa: BLE001 - WireError, or a field of the wrong type
            raise _Malformed(wire.cap_text(str(e) if isinstance(e, wire.WireError) else f"{type(e).__name__}: {e}",
                                           300)) from None

    # -- the Session interface
    def begin_case(self, label: str) -> None:
        """Output printed from now on belongs to this test case (core.py calls this)."""
        self._label = label

    def case_outputs(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for label, text in self._outputs:
            out[label] = out.get(label, "") + text
        return out

    def output(self) -> str:
        parts = []
        for label, text in self._outputs:
            parts.append(text if label == "import" and not parts else f"[{label}]\n{text}")
        text = "".join(p if p.endswith("\n") else p + "\n" for p in parts) if parts else ""
        if self._dropped:
            text += f"\n[... {self._dropped} more characters of output dropped]"
        return text

    def after_fault(self) -> None:
        if self.closed or self.broken or self._out_of_time():
            return
        self._restart()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._shutdown()
        if self.uid is not None:
            self.uid.release()
            self.uid = None
        self.engine._sessions.discard(self)


def _code(code) -> str:
    if code is None:
        return ""
    return repr(code) if type(code) is int and abs(code) < 2**63 else repr(wire.cap_text(code, 200))


def _import_failure(header: dict, lim) -> tuple[str, str]:
    """The row for a runner's reply that says the import failed. Every field is the runner's
    word: checked for type, capped, and anything malformed is the submission's `error`."""
    try:
        if "exit" in header:
            return ("error", f"the submission called sys.exit({_code(header['exit'])}) while being imported")
        if header.get("import_error") == "syntax":
            line = header.get("line")
            line = line if type(line) is int else "?"
            return ("error", f"the submission has a syntax error: {wire.cap_text(header.get('msg', ''), 500)} "
                             f"(line {line})")
        exc = header.get("exc")
        if header.get("import_error") == "exception" and isinstance(exc, dict):
            if exc.get("base") == "MemoryError":
                return ("error", f"ran out of memory (limit {memory_text(lim.memory_mb)}) while importing the submission")
            return ("error", f"importing the submission raised {wire.cap_text(exc.get('type', 'an exception'), wire.EXC_TYPE_CAP)}: "
                             f"{wire.cap_text(exc.get('msg', ''), wire.EXC_TEXT_CAP)}")
    except Exception:  # noqa: BLE001 - malformed in some other way: same answer as below
        pass
    return ("error", "the submission's runner sent a malformed reply while being imported")


def _confinement_problem(info: dict | None) -> str:
    from .zygote import RUNNER_NO_NETNS, RUNNER_NO_SECCOMP
    code = (info or {}).get("code")
    if code == RUNNER_NO_NETNS:
        return "the runner could not get its own network namespace"
    if code == RUNNER_NO_SECCOMP:
        return "the runner could not install its seccomp filter (user namespaces)"
    if (info or {}).get("signal") is not None:
        return f"the runner died before it was confined ({info.get('signame', info['signal'])})"
    return "the runner did not confirm its confinement"


# --- the engine ----------------------------------------------------------------------------

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
        if want_bwrap and not self.bwrap_path:
            self._fallback("bubblewrap (bwrap) is not installed")
        elif not want_bwrap:
            self._fallback("bubblewrap disabled (COURSE_SANDBOX_BWRAP=0)")
        if not self.root:
            self._note("not running as root: the runner keeps the grader's user id (no user switch, "
                       "no per-user process limit); its processes are still killed after grading")
        ref = weakref.ref(self)
        atexit.register(lambda: ref() is not None and ref().close())

    def _note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)
        warn_once(message)

    def _fallback(self, why: str) -> None:
        self.use_bwrap = False
        off = ["filesystem isolation (the runner can read every world-readable file)",
               "PID and IPC namespaces"]
        if not self.root:
            off.append("network isolation")
        self._note(f"{why}; grading continues WITHOUT " + ", ".join(off) +
                   ("" if not self.root else "; still on: new network namespace, unprivileged user, rlimits"))

    @property
    def protections(self) -> dict[str, bool]:
        return {"bubblewrap": self.use_bwrap, "filesystem isolation": self.use_bwrap,
                "pid namespace": self.use_bwrap, "network namespace": self.use_bwrap or self.root,
                "user switch": self.switch_user, "rlimits": True}

    def preload_for(self, bundle, source: str = "") -> tuple[str, ...]:
        """What the template imports: everything (TensorFlow/Keras included) when the
        assignment's tests or the first submission use TensorFlow or Keras; otherwise the
        libraries without TensorFlow, whose import would cost seconds for nothing."""
        if self.preload is not None:
            return self.preload
        from .zygote import DEFAULT_PRELOAD, LIGHT_PRELOAD

        texts = [source]
        tests = Path(bundle.root) / "tests"
        if tests.is_dir():
            texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(tests.glob("*.py"))]
        uses_tf = any(_TF_RE.search(t) for t in texts)
        return tuple(DEFAULT_PRELOAD if uses_tf else LIGHT_PRELOAD)

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
                busy = {id(s.zygote) for s in list(self._sessions) if not s.closed}
                for k, other in list(self._zygotes.items()):
                    if id(other) not in busy:
                        other.close()
                        del self._zygotes[k]
                z = Zygote(self, Path(bundle.root) / "assets", self.use_bwrap, self.preload_for(bundle, source))
                self._zygotes[key] = z
            return z

    def open(self, bundle, source: str, filename: str, deadline: Deadline | None = None) -> SandboxSession:
        session = SandboxSession(self, self._zygote(bundle, source), bundle, source, filename, deadline)
        self._sessions.add(session)
        return session

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            zygotes, self._zygotes = list(self._zygotes.values()), {}
        for s in list(self._sessions):
            try:
                s.close()
            except Exception:  # noqa: BLE001
                pass
        for z in zygotes:
            z.close()
