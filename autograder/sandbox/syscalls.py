"""The few Linux system calls the child side needs that Python does not offer: prctl, a
seccomp filter against user namespaces, keyrings, extended attributes and notify queues, unshare
and mount (through the C library)."""

from __future__ import annotations

import ctypes
import os

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18, 2)

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def prctl(option: int, arg: int) -> bool:
    return libc().prctl(option, ctypes.c_ulong(arg), 0, 0, 0) == 0


# No user namespaces and no kernel keyrings in the runner.
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
# syscall numbers: unshare, clone, clone3, setns
SYSCALLS = {"x86_64": (272, 56, 435, 308), "aarch64": (97, 220, 435, 268)}
# add_key, request_key, keyctl: a uid's keyring outlives its processes (the kernel keeps it for
# the uid, not for a namespace), so a key left there reached the next session leasing that uid
KEY_SYSCALLS = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}
# memfd_create, shmget, semget, msgget: memory RLIMIT_AS does not count (a memfd written, never
# mapped; a System V segment touched, then detached; semaphore sets, ~2 MB each and 32,000 to a
# namespace; message queues): a runner held more than memory_mb in them (attacks g06, g10)
MEMORY_SYSCALLS = {"x86_64": (319, 29, 64, 68), "aarch64": (279, 194, 190, 186)}
# socket() of AF_VSOCK, a VM's channel to its host, which no network namespace confines; and
# io_uring_setup, whose IORING_OP_SOCKET makes sockets past this filter (attack j03)
SOCKET_SYSCALL = {"x86_64": 41, "aarch64": 198}
IO_URING_SETUP = 425  # the same on both
# setxattr, lsetxattr, fsetxattr, setxattrat: a tmpfs (the session's folder, and the template's
# /tmp) keeps user.* extended attributes in kernel memory that neither its size nor RLIMIT_AS
# counts (only its inode space, half the machine's pages by default): a runner stored 1.8 GB in
# a session of memory_mb 1 GiB and a 1 GiB folder (attack k01). Refused with ENOTSUP, what a
# file system without them answers (shutil's copy2 and others take it in stride).
XATTR_SYSCALLS = {"x86_64": (188, 189, 190, 463), "aarch64": (5, 6, 7, 463)}
# inotify_init, inotify_init1, fanotify_init: each instance queues 16,384 events, a kmalloc each
# of up to 512 bytes with a file's name, 128 instances a uid: a runner pinned 1.0 GB of kernel
# slab in inotify queues (attack l01) and 0.54 GB in fanotify's (l02), counted by no rlimit.
# Refused with ENOSYS, what a kernel built without them answers; no library here uses them.
NOTIFY_SYSCALLS = {"x86_64": (253, 294, 300), "aarch64": (26, 262)}
# memfd_secret (Linux 5.14): a file written only through a mapping, whose pages stay when it is
# unmapped, so RLIMIT_AS counts them only while mapped (g06's memfd again; RLIMIT_MEMLOCK bounds
# one mapping, not the file): a runner held 1.2 GB of them in a 1 GiB session (attack l06).
# Refused with ENOSYS, what a kernel without it (or booted without secretmem) answers.
MEMFD_SECRET = 447  # the same on both
# fallocate: a file's blocks taken without writing them, ~10 us for file_size_mb: without
# bubblewrap (the grader's own disk, watched by diskwatch.py every WATCH_EVERY) a runner took
# 38 GB between two looks (g01 run with COURSE_SANDBOX_BWRAP=0). Refused with EOPNOTSUPP, what
# a file system without it answers; the C library's posix_fallocate then writes the blocks.
FALLOCATE = {"x86_64": 285, "aarch64": 47}
# mq_open: a POSIX message queue outlives its maker, named in the IPC namespace's /dev/mqueue;
# where a runner cannot have an IPC namespace of its own (an unprivileged container) a queue
# left there reached the next session. No library here uses them: ENOSYS.
MQ_OPEN = {"x86_64": 240, "aarch64": 180}
AF_INET, AF_INET6 = 2, 10
AF_VSOCK = 40
CLONE_NEWUSER = 0x10000000


def userns_filter(machine: str, network: bool = False) -> bytes | None:
    """A seccomp-BPF program (struct sock_filter[]) that refuses new user namespaces:
    unshare/clone with CLONE_NEWUSER and setns fail with EPERM, clone3 (whose flags BPF cannot
    read) with ENOSYS so the C library falls back to clone; the kernel's keyrings (add_key,
    request_key, keyctl fail with EPERM: attack f07); and memory outside RLIMIT_AS (memfd_create
    and System V IPC's shmget, semget, msgget fail with EPERM: attacks g06, g10); sockets the
    network namespace does not confine (socket(AF_VSOCK), and io_uring_setup, whose rings make
    sockets past this filter, fail with EPERM: attack j03); and extended attributes, memory no
    limit counts (the setxattr calls fail with ENOTSUP: attack k01, and so does fallocate, blocks
    taken faster than a disk can be watched: p02); and inotify and fanotify
    instances, whose event queues no limit counts, and memfd_secret, memory RLIMIT_AS counts only
    while mapped (fail with ENOSYS: l01, l02, l06), and POSIX message queues (ENOSYS). `network`:
    the runner has the grader's network (no namespace of its own could be made: an unprivileged
    container), so internet sockets (AF_INET, AF_INET6) fail with EACCES, what a firewall
    answers, and a hidden input cannot be sent out. None for an
    architecture without a table here. bubblewrap's --disable-userns needs --unshare-user, which
    would break the runner's switch to its own uid, so the runner installs this itself."""
    import struct

    if machine not in AUDIT_ARCH:
        return None
    nr_unshare, nr_clone, nr_clone3, nr_setns = SYSCALLS[machine]
    refused = (nr_setns, *KEY_SYSCALLS[machine], *MEMORY_SYSCALLS[machine], IO_URING_SETUP)
    LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, EPERM, ENOSYS, KILL = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 0x80000000
    ENOTSUP, EACCES = 0x00050000 | 95, 0x00050000 | 13
    # (code, jump if true, jump if false, k), the jumps named by label and resolved below
    prog = [
        (LD_W_ABS, 0, 0, 4),                    # A = arch
        (JEQ, 1, 0, AUDIT_ARCH[machine]),       # native: skip the kill
        (RET, 0, 0, KILL),                      # another ABI (i386 compat calls): kill
        (LD_W_ABS, 0, 0, 0),                    # A = syscall number
        (JGE, "eperm", 0, 0x40000000),          # x32 numbers
        (JEQ, "flags", 0, nr_unshare),
        (JEQ, "flags", 0, nr_clone),
        (JEQ, "enosys", 0, nr_clone3),
        (JEQ, "domain", 0, SOCKET_SYSCALL[machine]),
        *((JEQ, "eperm", 0, nr) for nr in refused),
        *((JEQ, "enotsup", 0, nr) for nr in XATTR_SYSCALLS[machine]),
        *((JEQ, "enosys", 0, nr) for nr in NOTIFY_SYSCALLS[machine]),
        (JEQ, "enosys", 0, MEMFD_SECRET),
        (JEQ, "enosys", 0, MQ_OPEN[machine]),
        (JEQ, "enotsup", 0, FALLOCATE[machine]),
        (RET, 0, 0, ALLOW),
        "flags", (LD_W_ABS, 0, 0, 16),          # A = low 32 bits of argument 0 (the flags)
        (JSET, "eperm", 0, CLONE_NEWUSER),
        (RET, 0, 0, ALLOW),
        "domain", (LD_W_ABS, 0, 0, 16),         # A = socket()'s address family
        (JEQ, "eperm", 0, AF_VSOCK),
        *(((JEQ, "eacces", 0, AF_INET), (JEQ, "eacces", 0, AF_INET6)) if network else ()),
        (RET, 0, 0, ALLOW),
        "enosys", (RET, 0, 0, ENOSYS),          # clone3, inotify, fanotify, memfd_secret
        "enotsup", (RET, 0, 0, ENOTSUP),        # extended attributes, fallocate
        "eperm", (RET, 0, 0, EPERM),
        "eacces", (RET, 0, 0, EACCES),          # internet sockets, when the runner has the network
    ]
    labels, code = {}, []
    for item in prog:
        if isinstance(item, str):
            labels[item] = len(code)
        else:
            code.append(item)
    out = []
    for i, (op, jt, jf, k) in enumerate(code):
        jt = labels[jt] - i - 1 if isinstance(jt, str) else jt
        out.append(struct.pack("<HBBI", op, jt, jf, k))
    return b"".join(out)


def deny_user_namespaces(network: bool = False) -> str | None:
    """Install userns_filter in this process (inherited by its children); None when done."""
    import platform

    prog = userns_filter(platform.machine(), network)
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


def mount(src, target, fstype, flags, data) -> None:
    enc = lambda x: None if x is None else str(x).encode()  # noqa: E731
    if libc().mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"mount {src} on {target}: {os.strerror(e)}")


def oom_first() -> None:
    """Make this runner, and every process it starts, the kernel's first choice when memory runs
    out: RLIMIT_AS is per process, so a submission's `processes` children may together outgrow
    the machine, and the judge and other submissions' runners must not be what the kernel kills."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass  # no /proc here: the limits still hold per process
