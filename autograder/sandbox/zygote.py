"""The template ("zygote") process: `python -I -m autograder.sandbox.zygote --control-fd N ...`,
normally inside bubblewrap.

It imports numpy, scipy, PIL, scikit-image, TensorFlow/Keras once (preload.py; it never runs a
TF op, so forking stays safe), then waits on the control socket (SOCK_SEQPACKET) for fork
requests from the judge (client.py), each carrying two sockets: one for the monitor, one for
the runner. It says it is ready once the --preload list is in; the --later list is imported
one module at a time while no request is waiting, so the first runner does not wait for it.
It forks a monitor per request (monitor.py, which forks the runner, runner.py) and
forgets it (SIGCHLD ignored: auto-reaped).
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

from .monitor import monitor_main
from .preload import DEFAULT_PRELOAD, preload
from .syscalls import (CLONE_NEWNET, CLONE_NEWNS, MNT_DETACH, MS_BIND, MS_PRIVATE, MS_REC, PR_SET_PDEATHSIG,
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
    p.add_argument("--later", default="", help="modules to import between forks")
    p.add_argument("--unshare-net", action="store_true", help="runners unshare their network (no bwrap)")
    p.add_argument("--reveal", default="", help="JSON [[path, closed ancestor], ...] (no bwrap)")
    args = p.parse_args(argv)
    control = socket.socket(fileno=args.control_fd)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
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
    os.environ["MPLCONFIGDIR"] = os.path.join(private, "matplotlib")
    os.environ["KERAS_HOME"] = os.path.join(private, "keras")
    netns = probe_netns() if args.unshare_net else None
    done, failed = preload([m for m in args.preload.split(",") if m])
    gc.collect()
    gc.freeze()  # keep the preloaded heap's pages shared between forks
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # A runner whose network could be isolated must be, or it does not run (runner_main).
    opts = {"assets": args.assets, "workbase": args.workbase, "unshare_net": bool(args.unshare_net and netns is True),
            "root": os.geteuid() == 0}
    control.send(json.dumps({"op": "ready", "preloaded": done, "failed": failed, "revealed": revealed,
                             "netns": netns, "pid": os.getpid()}).encode())
    later = [m for m in args.later.split(",") if m and m not in done]
    counter = 0
    while True:
        if later and not select.select([control], [], [], 0)[0]:
            preload([later.pop(0)])  # idle: one more module before the next request is read
            gc.collect()
            gc.freeze()
            continue
        try:
            msg, fds, _flags, _addr = socket.recv_fds(control, 65536, 4)
        except InterruptedError:
            continue
        except OSError:
            return 0
        if not msg:
            return 0  # the judge went away
        try:
            req = json.loads(msg)
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
        control.send(json.dumps({"ok": True}).encode())


if __name__ == "__main__":
    sys.exit(zygote_main())
