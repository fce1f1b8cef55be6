"""What a runner may write to the grader's disk where bubblewrap cannot run (an unprivileged
container, COURSE_SANDBOX_BWRAP=0). Under bubblewrap the working folder is a tmpfs of its own,
sized, with SESSION_FILES inodes, and /tmp, /var/tmp and /dev/shm are the sandbox's own. Without
it the folder is on the grader's disk and the machine's world-writable folders are shared: a
runner filled 66 GB of this machine's disk with no file above its size limit, and left files in
/tmp that the next submission read (attacks g01, k02, f03 run without bubblewrap).

The monitor (root) keeps the same bounds by watching: each filesystem's free space and inodes
are read (statvfs, cheap) every WATCH_EVERY seconds; when either has dropped by more than the
runner could still add since its files were last counted, and at least every COUNT_EVERY
seconds, they are counted again (its folder, and what its uid owns at the top of the
world-writable folders, a bounded walk), and a runner over the allowance is stopped with a
reason. At clean-up its files in those folders are removed."""

from __future__ import annotations

import os
import stat
import time

from .cleanup import remove_tree
from .limits import SESSION_DISK_MB, SESSION_FILES, WORLD_WRITABLE

WATCH_EVERY = 0.02  # seconds between two looks at the filesystems (a few microseconds each)
# Seconds between two counts of the runner's own files whatever the filesystems say: a free count
# is net of every process's writes, and another session's clean-up freeing inodes hid 7,000 of
# k02's files from it under CI's load. A count of an honest session's dozen files costs ~0.1 ms.
COUNT_EVERY = 0.1


def _free(paths: list[str]) -> dict[int, tuple[int, int]]:
    """{device: (free bytes, free inodes)} of each filesystem holding one of `paths`."""
    out = {}
    for path in paths:
        try:
            dev = os.stat(path).st_dev
            if dev not in out:
                st = os.statvfs(path)
                out[dev] = (st.f_bavail * st.f_frsize, st.f_favail)
        except OSError:
            continue
    return out


class DiskWatch:
    def __init__(self, workdir: str, uid: int | None):
        self.workdir, self.uid = workdir, uid
        self.max_bytes, self.max_files = SESSION_DISK_MB * 2**20, SESSION_FILES
        # Without a uid of its own the runner's files are the grader's: only its folder is its.
        self.shared = [d for d in WORLD_WRITABLE if os.path.isdir(d)] if uid is not None else []
        self.base = _free([workdir, *self.shared])
        start, files = self.usage()
        self.max_bytes += start  # what the monitor put there (the source, the assets) comes on top,
        self._room(start, files)  # as bubblewrap's tmpfs is sized SESSION_DISK_MB plus the assets
        self.counted = time.monotonic()

    def _mine(self) -> list[str]:
        """The runner's folder and what its uid made at the top of the shared folders."""
        found = [self.workdir]
        for folder in self.shared:
            try:
                with os.scandir(folder) as it:
                    for entry in it:
                        try:
                            if entry.stat(follow_symlinks=False).st_uid == self.uid:
                                found.append(entry.path)
                        except OSError:
                            continue
            except OSError:
                continue
        return found

    def usage(self) -> tuple[int, int]:
        """(bytes, files) of the runner's own, counted until either passes its bound."""
        size = files = 0
        stack = self._mine()
        while stack and size <= self.max_bytes and files <= self.max_files:
            path = stack.pop()
            try:
                st = os.lstat(path)
            except OSError:
                continue
            files += 1
            size += st.st_blocks * 512
            if stat.S_ISDIR(st.st_mode):
                try:
                    with os.scandir(path) as it:
                        stack.extend(entry.path for entry in it)
                except OSError:
                    continue
        return size, files

    def _room(self, size: int, files: int) -> None:
        """What the runner may still add before it could be over: the drop that makes the next
        look count its files (at least 1 MiB and 64 files, so that other processes' writes near
        the limit do not make every look a walk)."""
        self.room = (max(self.max_bytes - size, 2**20), max(self.max_files - files, 64))

    def check(self) -> str | None:
        """None, or why the runner must stop (the sentence after "the runner ...")."""
        now = _free([self.workdir, *self.shared])
        room_bytes, room_files = self.room
        dropped = any(dev in now and (free - now[dev][0] > room_bytes or inodes - now[dev][1] > room_files)
                      for dev, (free, inodes) in self.base.items())
        if not dropped and time.monotonic() - self.counted < COUNT_EVERY:
            return None
        size, files = self.usage()
        self.counted = time.monotonic()
        if size > self.max_bytes:
            return f"wrote more than {self.max_bytes // 2**20} MB to disk"
        if files > self.max_files:
            return f"made more than {self.max_files:,} files"
        self.base = now  # within bounds (other processes wrote too): look again from here
        self._room(size, files)
        return None

    def sweep(self) -> None:
        """Remove what the runner's uid left at the top of the shared folders (every process of
        that uid is dead by now: monitor.kill_all)."""
        for path in self._mine()[1:]:
            remove_tree(path)
