"""Cgroups per runner: what all of a submission's processes hold together, kernel memory
included, bounded by the assignment's `memory_mb` (memory), and their share of the CPU made one
group's, however many processes they are (cpu).

RLIMIT_AS bounds each process, and a submission may run `processes` of them, so one submission
could hold processes x memory_mb; kernel memory no rlimit counts (epoll registrations: 1.1 GB of
slab from 24 forks, round l). And 60 spinning processes took 60 of every 61 time slices from the
other worker's runner, whose calls then timed out. The judge makes a group below its own cgroup
of each controller for each runner it forks (the memory one limited), and hands the template an
open descriptor of each group's `cgroup.procs`; the runner's monitor writes itself into them
first, so the runner is born in them, and everything it starts too (runner_main reports whether
it is), the kernel's OOM killer acts inside the memory group, and the scheduler gives the cpu
group one share (cpu.shares / cpu.weight, the default) beside the other runners' groups.

Where the grader cannot make groups (not root, a read-only /sys/fs/cgroup as in most containers,
cgroup v2 without the controller delegated to its children) the engine says so once and that
limit stays per process. Tested on cgroup v1 (this project's machine); on v2 the same steps run
with v2's file names when the probe finds them working.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import threading
import time

PREFIX = "course-"
_NAME = re.compile(r"^course-(\d+)-\d+$")
_COUNT = itertools.count(1)  # one count for the process: every engine in it makes groups
CONTROLLERS = ("memory", "cpu")


def _own_dirs() -> dict[str, tuple[str, int]]:
    """{controller: (the folder of this process's cgroup for it, cgroup version)}, for those of
    CONTROLLERS found mounted with a folder this process could make groups in."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            lines = f.read().splitlines()
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            mounts = f.read().splitlines()
    except OSError:
        return {}
    own = {}
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in (parts[1].split(",") if parts[1] else [""]):
                own[controller] = parts[2]
    found: dict[str, tuple[str, int]] = {}
    for line in mounts:
        fields = line.split(" ")
        if " - " not in line or len(fields) < 5:
            continue
        root, point = fields[3], fields[4]
        fstype, _, super_opts = (line.split(" - ", 1)[1].split(" ") + ["", ""])[:3]
        for controller in CONTROLLERS:
            if controller in found:
                continue
            if fstype == "cgroup" and controller in super_opts.split(",") and controller in own:
                version, path = 1, own[controller]
            elif fstype == "cgroup2" and "" in own:
                version, path = 2, own[""]
            else:
                continue
            if root != "/" and (path == root or path.startswith(root + "/")):
                path = path[len(root):] or "/"
            folder = os.path.join(point, path.lstrip("/"))
            if os.path.isdir(folder) and (version == 1 or _v2_delegates(folder, controller)):
                found[controller] = (folder, version)
    return found


def _v2_delegates(folder: str, controller: str) -> bool:
    try:
        with open(os.path.join(folder, "cgroup.subtree_control"), encoding="utf-8") as f:
            return controller in f.read().split()
    except OSError:
        return False


class Group:
    """One runner's groups, a folder per hierarchy (one on cgroup v2), and an open descriptor of
    each folder's cgroup.procs."""

    def __init__(self, parts: list[tuple[str, str, int]]):
        self.parts = parts  # (controllers, folder, procs descriptor)

    @property
    def procs_fds(self) -> list[int]:
        return [fd for _, _, fd in self.parts if fd >= 0]

    def path(self, controller: str) -> str | None:
        return next((p for names, p, _ in self.parts if controller in names.split(",")), None)

    def close_fds(self) -> None:
        self.parts = [(names, path, _close(fd)) for names, path, fd in self.parts]

    def remove(self, wait: float = 2.0) -> bool:
        """Remove the folders once their processes are gone (the monitor has killed them and
        exits just after). False when one could not be removed."""
        self.close_fds()
        deadline = time.monotonic() + wait
        left = [path for _, path, _ in self.parts]
        delay = 0.005
        while True:
            for path in list(left):
                try:
                    os.rmdir(path)
                    left.remove(path)
                except FileNotFoundError:
                    left.remove(path)
                except OSError as e:
                    if e.errno != errno.EBUSY:
                        left.remove(path)  # not ours to retry (EACCES...): the sweep tries later
            if not left or time.monotonic() > deadline:
                return not left
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


class RunnerGroups:
    """Makes the runners' groups below the grader's own, for the controllers that work here."""

    def __init__(self, hierarchies: dict[str, tuple[str, int]]):
        # One folder per hierarchy: on cgroup v2 (and a v1 mount of several controllers) one
        # folder serves more than one controller.
        by_folder: dict[str, list[str]] = {}
        for controller, (folder, _) in hierarchies.items():
            by_folder.setdefault(folder, []).append(controller)
        self.hierarchies = [(",".join(names), folder, hierarchies[names[0]][1]) for folder, names in by_folder.items()]
        self.controllers = sorted(hierarchies)
        self.left: list[Group] = []  # groups still busy when released: tried again when the next is made
        self._left_lock = threading.Lock()  # released in the clean-up thread, retried wherever a group is made

    @classmethod
    def probe(cls) -> tuple[RunnerGroups | None, dict[str, str]]:
        """(groups for the controllers a group can be made, limited and joined for here, or
        None), {controller: why not} for the others."""
        found, why = _own_dirs(), {}
        for controller in CONTROLLERS:
            if controller not in found:
                why[controller] = f"no {controller} cgroup this process can make groups in"
        working: dict[str, tuple[str, int]] = {}
        for controller, (folder, version) in found.items():
            single = cls({controller: (folder, version)})
            single.sweep()
            problem = single._try()
            if problem:
                why[controller] = problem
            else:
                working[controller] = (folder, version)
        return (cls(working) if working else None), why

    def _try(self) -> str:
        try:
            group = self.create(64 * 2**20)
        except OSError as e:
            return f"cannot make a {self.controllers[0]} cgroup in {self.hierarchies[0][1]} ({e.strerror or e})"
        try:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = 0 if join(group.procs_fds) else 1
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            joined = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        finally:
            group.remove()
        return "" if joined else f"a process cannot join a {self.controllers[0]} cgroup made in {self.hierarchies[0][1]}"

    def create(self, memory_bytes: int) -> Group:
        """A new group in each hierarchy, the memory one limited to `memory_bytes` (memory and
        swap together where swap is counted); OSError when the kernel refuses any step."""
        self.flush()
        name = f"{PREFIX}{os.getpid()}-{next(_COUNT)}"
        parts: list[tuple[str, str, int]] = []
        group = Group(parts)
        try:
            for names, base, version in self.hierarchies:
                while True:
                    path = os.path.join(base, name)
                    try:
                        os.mkdir(path, 0o700)
                        break
                    except FileExistsError:  # left by a process of the same pid (a container's pid 1)
                        name = f"{PREFIX}{os.getpid()}-{next(_COUNT)}"
                parts.append((names, path, -1))
                if "memory" in names.split(","):
                    _limit_memory(path, version, memory_bytes)
                fd = os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC)
                parts[-1] = (names, path, fd)
        except OSError:
            group.remove(wait=0.0)
            raise
        return group

    def release(self, group: Group) -> None:
        """Remove a group once it is empty: its monitor, the last process in it, exits just after
        it confirms the close (a few ms). One still busy is not waited for (a batch worker waits
        for the clean-up thread before its next submission): it is removed when the next group is
        made, or when the engine closes (`flush`)."""
        if not group.remove(wait=0.0):
            with self._left_lock:
                self.left.append(group)

    def flush(self, wait: float = 0.0) -> None:
        """Remove the groups left busy, waiting up to `wait` seconds for their monitors to exit."""
        with self._left_lock:
            left, self.left = self.left, []
        deadline = time.monotonic() + wait
        still = [g for g in left if not g.remove(wait=max(0.0, deadline - time.monotonic()))]
        with self._left_lock:
            self.left.extend(still)

    def sweep(self) -> None:
        """Remove the groups of graders that are gone (killed before they could) and ours that
        resisted before."""
        self.flush()
        for _, base, _ in self.hierarchies:
            try:
                names = os.listdir(base)
            except OSError:
                continue
            for name in names:
                m = _NAME.match(name)
                if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
                    try:
                        os.rmdir(os.path.join(base, name))
                    except OSError:
                        pass


def join(procs_fds: list[int]) -> bool:
    """Put the calling process in the groups whose cgroup.procs the descriptors are open on
    (opened by the judge, whose credentials the kernel checks); they are closed either way."""
    ok = True
    for fd in procs_fds:
        try:
            os.write(fd, b"0")
        except OSError:
            ok = False
        finally:
            _close(fd)
    return ok


def keep_out_of_oom() -> None:
    """oom_score_adj -1000 for the calling (trusted) process, where it is allowed to lower it."""
    try:
        with open("/proc/self/oom_score_adj", "w", encoding="utf-8") as f:
            f.write("-1000")
    except OSError:
        pass


def _limit_memory(path: str, version: int, limit: int) -> None:
    if version == 1:
        _write(path, "memory.limit_in_bytes", limit)
        if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):
            _write(path, "memory.memsw.limit_in_bytes", limit)
    else:
        _write(path, "memory.max", limit)
        if os.path.exists(os.path.join(path, "memory.swap.max")):
            _write(path, "memory.swap.max", 0)


def _write(path: str, name: str, value: int) -> None:
    with open(os.path.join(path, name), "w", encoding="utf-8") as f:
        f.write(str(int(value)))


def _close(fd: int) -> int:
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass
    return -1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
