"""A runner's own view of the filesystem where it keeps the grader's uid (a grader without root).

A root grader's runner has a uid of its own, so its working folder is the one place it may
write. Without root it shares the uid of the template and its monitors: in bubblewrap it could
write to the sandbox's /, /etc, /dev, /tmp and the template's private settings folder, all
shared by every later runner of the template, and the next submission read there what the last
one's hidden case left (f03 graded by a grader without root: tests/test_grader_without_root.py).

So the runner's process, before anything of the submission runs, makes a user namespace of its
own (its uid mapped to itself) and a mount namespace, makes its working folder a tmpfs of its
own (what the monitor put there copied in) and remounts every other mount read-only, then drops every capability the new
namespace gave it. The kernel keeps it from undoing that: without capabilities it can neither
remount nor make another namespace (the seccomp filter refuses that too). And it forks the
runner as the first process of a PID namespace of its own: without bubblewrap kill(-1) reached
every process of the grader's user on the machine, the grader included (f03_a ended the batch),
and in bubblewrap the template's and the other monitors. (Its /proc stays the template's: the
kernel refuses a new one under bubblewrap's masked /proc, SECURITY.md.)"""

from __future__ import annotations

import ctypes
import os
import re

from .limits import SESSION_DISK_MB, SESSION_FILES
from .syscalls import (CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID,
                       MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, PR_SET_DUMPABLE, PR_SET_PDEATHSIG, libc, mount,
                       prctl)

# mountinfo's per-mount options and the flags a remount must keep (the kernel refuses to clear
# them on a mount locked by a more privileged namespace)
_KEEP = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": 1024, "nodiratime": 2048,
         "relatime": 1 << 21}
PR_CAPBSET_DROP, CAP_LAST = 24, 63


def _mounts() -> list[tuple[str, int]]:
    """(mount point, flags to keep) of every mount in this namespace, parents first."""
    out = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            fields = line.split()
            # mountinfo writes a space, tab, newline and backslash in a path as \ooo (octal)
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            flags = 0
            for opt in fields[5].split(","):
                flags |= _KEEP.get(opt, 0)
            out.append((point, flags))
    return out


def _read_tree(root: str) -> list[tuple[str, int, bytes | None]]:
    """(relative path, mode, bytes or None for a folder) of what the monitor put in the folder
    (the source and the assets: regular files and folders, a few MB), parents first."""
    out = []
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        if rel != ".":
            out.append((rel, os.stat(folder).st_mode & 0o777, None))
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                out.append((os.path.join(rel, name) if rel != "." else name, os.stat(path).st_mode & 0o777, f.read()))
    return out


def _write_tree(root: str, kept: list[tuple[str, int, bytes | None]]) -> None:
    for rel, mode, data in kept:
        path = os.path.join(root, rel)
        if data is None:
            os.mkdir(path, mode)
        else:
            with open(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode), "wb") as f:
                f.write(data)


def _drop_capabilities() -> None:
    for cap in range(CAP_LAST + 1):
        libc().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the kernel's last one: fine

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3: two words
    if libc().capset(ctypes.byref(header), ctypes.byref(data)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"capset: {os.strerror(e)}")


def private_view(workdir: str) -> None:
    """Enter a user and mount namespace of this process's own in which only `workdir` (and
    /proc, which is not a folder one writes to) stay writable, and make the next child the first
    process of a PID namespace of its own (the caller forks the runner: runner_in_own_pids);
    raise OSError when the kernel refuses any step (the runner then does not run)."""
    uid, gid = os.getuid(), os.getgid()
    if libc().unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"unshare: {os.strerror(e)}")
    # A process that is not dumpable has its /proc files owned by root, so it cannot write its
    # own maps: dumpable for these three writes only (any process of this uid could attach in
    # that moment; every other one is a trusted process or was killed with its session).
    prctl(PR_SET_DUMPABLE, 1)
    try:
        for name, text in (("uid_map", f"{uid} {uid} 1\n"), ("setgroups", "deny\n"), ("gid_map", f"{gid} {gid} 1\n")):
            with open(f"/proc/self/{name}", "w", encoding="ascii") as f:
                f.write(text)
    finally:
        prctl(PR_SET_DUMPABLE, 0)
    mount(None, "/", None, MS_REC | MS_PRIVATE, None)  # nothing of this reaches the template's view
    # The folder as a tmpfs of its own, as a root grader's runner has (monitor.own_tmpfs): its
    # inode numbers start afresh (on the template's /tmp a file's number counted the files made
    # before it: j02), and it holds at most SESSION_DISK_MB and SESSION_FILES.
    kept = _read_tree(workdir)
    size = SESSION_DISK_MB * 2**20 + sum(len(data or b"") for _, _, data in kept)
    mount("tmpfs", workdir, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},nr_inodes={SESSION_FILES},mode=0700")
    _write_tree(workdir, kept)
    real = os.path.realpath(workdir)
    for point, flags in _mounts():
        if point == real or point.startswith(real + "/") or point == "/proc" or point.startswith("/proc/"):
            continue
        try:
            mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None)
        except OSError:
            if os.path.isdir(point) and os.access(point, os.W_OK):
                raise  # a folder the runner could still write to: do not run
    _drop_capabilities()


def hand_over_view(sock, workdir: str) -> None:
    """After private_view, before any student code: send the monitor, on `sock`, a descriptor of
    the working folder as this view has it (its own tmpfs, which the monitor cannot reach by
    path), so that a test's read back (readback.py) sees what the runner wrote. Best effort:
    without it the monitor says it cannot read back."""
    import socket

    try:
        fd = os.open(workdir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            socket.send_fds(sock, [b"v"], [fd])
        finally:
            os.close(fd)
    except OSError:
        pass
    finally:
        sock.close()


def runner_in_own_pids(close: int) -> None:
    """After private_view: fork the runner, the first process of the new PID namespace, and
    return in it; this process waits for it and ends as it ended (the monitor reports this one),
    closing `close` (its copy of the runner's socket) so that the judge sees the runner's end."""
    import signal

    pid = os.fork()
    if pid == 0:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # killed with this process
        return
    os.close(close)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)
