"""A memory cgroup per runner: what all of a submission's processes hold together, kernel memory
included, bounded by the assignment's `memory_mb`.

RLIMIT_AS bounds each process, and a submission may run `processes` of them, so one submission
could hold processes x memory_mb; kernel memory no rlimit counts (epoll registrations: 1.1 GB of
slab from 24 forks, round l). The judge makes a group below its own memory cgroup for each runner
it forks, sets its limit, and hands the template an open descriptor of the group's `cgroup.procs`;
the runner's monitor writes itself there first, so the runner is born in the group and everything
it starts too (runner_main reports whether it is), and the kernel's OOM killer acts inside it.

Where the grader cannot make groups (not root, a read-only /sys/fs/cgroup as in most containers,
cgroup v2 without the memory controller delegated to its children) the engine says so once and
memory stays limited per process. Tested on cgroup v1 (this project's machine); on v2 the same
steps run with v2's file names when the probe finds them working.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import time

PREFIX = "course-"
_NAME = re.compile(r"^course-(\d+)-\d+$")
_COUNT = itertools.count(1)  # one count for the process: every engine in it makes groups


def _own_memory_dir() -> tuple[str, int] | None:
    """(the folder of this process's memory cgroup, cgroup version), or None."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
        with open("/proc/self/mountinfo") as f:
            mounts = f.read().splitlines()
    except OSError:
        return None
    own = {}
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in (parts[1].split(",") if parts[1] else [""]):
                own[controller] = parts[2]
    for line in mounts:
        fields = line.split(" ")
        if " - " not in line or len(fields) < 5:
            continue
        root, point = fields[3], fields[4]
        fstype, _, super_opts = line.split(" - ", 1)[1].split(" ")[:3]
        if fstype == "cgroup" and "memory" in super_opts.split(",") and "memory" in own:
            version, path = 1, own["memory"]
        elif fstype == "cgroup2" and "" in own:
            version, path = 2, own[""]
        else:
            continue
        if root != "/" and (path == root or path.startswith(root + "/")):
            path = path[len(root):] or "/"
        folder = os.path.join(point, path.lstrip("/"))
        if os.path.isdir(folder) and (version == 1 or _v2_delegates_memory(folder)):
            return folder, version
    return None


def _v2_delegates_memory(folder: str) -> bool:
    try:
        with open(os.path.join(folder, "cgroup.subtree_control")) as f:
            return "memory" in f.read().split()
    except OSError:
        return False


class Group:
    """One runner's group: its folder and an open descriptor of its cgroup.procs."""

    def __init__(self, path: str, version: int, procs_fd: int):
        self.path, self.version, self.procs_fd = path, version, procs_fd

    def oom_kills(self) -> int:
        """How many processes the kernel killed in this group for its limit."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            with open(os.path.join(self.path, name)) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def close_fd(self) -> None:
        if self.procs_fd >= 0:
            os.close(self.procs_fd)
            self.procs_fd = -1

    def remove(self, wait: float = 2.0) -> bool:
        """Remove the folder once its processes are gone (the monitor has killed them; a zombie
        not yet reaped keeps it busy for a moment). False when it could not be removed."""
        self.close_fd()
        deadline = time.monotonic() + wait
        delay = 0.005
        while True:
            try:
                os.rmdir(self.path)
                return True
            except FileNotFoundError:
                return True
            except OSError as e:
                if e.errno != errno.EBUSY or time.monotonic() > deadline:
                    return False
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


class MemoryGroups:
    """Makes the runners' groups below the grader's own memory cgroup."""

    def __init__(self, base: str, version: int):
        self.base, self.version = base, version
        self.left: list[Group] = []  # groups that resisted removal: tried again at close

    @classmethod
    def probe(cls) -> tuple[MemoryGroups | None, str]:
        """(groups, "") when a group can be made, limited and joined here; else (None, why)."""
        found = _own_memory_dir()
        if found is None:
            return None, "no memory cgroup this process can make groups in"
        groups = cls(*found)
        groups.sweep()
        try:
            group = groups.create(64 * 2**20)
        except OSError as e:
            return None, f"cannot make a memory cgroup in {found[0]} ({e.strerror or e})"
        try:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = 0 if join(group.procs_fd) else 1
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            joined = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        finally:
            group.remove()
        if not joined:
            return None, f"a process cannot join a memory cgroup made in {found[0]}"
        return groups, ""

    def create(self, limit_bytes: int) -> Group:
        """A new group limited to `limit_bytes` (memory and swap together where swap is
        counted); OSError when the kernel refuses any step."""
        if self.left:
            self.left = [g for g in self.left if not g.remove(wait=0.0)]
        while True:
            path = os.path.join(self.base, f"{PREFIX}{os.getpid()}-{next(_COUNT)}")
            try:
                os.mkdir(path, 0o700)
                break
            except FileExistsError:  # left by a process of the same pid before (a container's pid 1)
                continue
        try:
            if self.version == 1:
                _write(path, "memory.limit_in_bytes", limit_bytes)
                if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):
                    _write(path, "memory.memsw.limit_in_bytes", limit_bytes)
            else:
                _write(path, "memory.max", limit_bytes)
                if os.path.exists(os.path.join(path, "memory.swap.max")):
                    _write(path, "memory.swap.max", 0)
            fd = os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            try:
                os.rmdir(path)
            except OSError:
                pass
            raise
        return Group(path, self.version, fd)

    def release(self, group: Group) -> None:
        """Remove a group once it is empty: its monitor, the last process in it, exits just after
        it confirms the close (a few ms; the engine's clean-up thread waits, not grading). One
        that is still busy after 0.2 s is removed when the next group is made."""
        if not group.remove(wait=0.2):
            self.left.append(group)

    def sweep(self) -> None:
        """Remove the groups of graders that are gone (killed before they could) and ours that
        resisted before."""
        self.left = [g for g in self.left if not g.remove(wait=0.0)]
        try:
            names = os.listdir(self.base)
        except OSError:
            return
        for name in names:
            m = _NAME.match(name)
            if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
                try:
                    os.rmdir(os.path.join(self.base, name))
                except OSError:
                    pass


def join(procs_fd: int) -> bool:
    """Put the calling process in the group whose cgroup.procs `procs_fd` is open on (opened by
    the judge, whose credentials the kernel checks); the descriptor is closed either way."""
    try:
        os.write(procs_fd, b"0")
        return True
    except OSError:
        return False
    finally:
        try:
            os.close(procs_fd)
        except OSError:
            pass


def keep_out_of_oom() -> None:
    """oom_score_adj -1000 for the calling (trusted) process, where it is allowed to lower it."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("-1000")
    except OSError:
        pass


def _write(path: str, name: str, value: int) -> None:
    with open(os.path.join(path, name), "w") as f:
        f.write(str(int(value)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
