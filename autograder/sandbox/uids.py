"""Uid leasing: each session borrows an unprivileged uid of its own (when the grader is root),
so that "every process of this uid" means "this submission"."""

from __future__ import annotations

import fcntl
import os
import pwd
import tempfile
from pathlib import Path

from .limits import UID_BASE, UID_COUNT


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
