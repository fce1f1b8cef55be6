"""Removing a submission's working folder, whatever the submission did to it."""

from __future__ import annotations

import os


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
