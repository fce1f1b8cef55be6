"""Reading back, in the monitor, the start of a file the runner wrote in its working folder: a
test's evidence of what the submission wrote that does not come from the submission's own
libraries (a yolo.py that binds `cv2` to a stand-in answered the test's own questions about the
video it wrote: an outside round's q09). The monitor is trusted and the folder is the
runner's: only a plain name in the folder, never a link, only a regular file, opened without
blocking, at most READ_BACK_MAX bytes."""

from __future__ import annotations

import os
import stat

from .limits import READ_BACK_MAX


def read_head(folder: str | int | None, name, limit) -> tuple[dict, bytes]:
    """({"event": "head", "size": bytes of the file}, its first `limit` bytes), or
    ({"event": "head", "missing": why}, b"") when there is no such regular file, or
    ({"event": "head", "unavailable": why}, b"") when the folder cannot be read from here.
    `folder`: the folder's path, or a descriptor of it (kept open), or None (unavailable)."""
    if not (type(name) is str and 0 < len(name) <= 255 and name not in (".", "..")
            and "/" not in name and "\0" not in name):
        return {"event": "head", "missing": "not a file name in the working folder"}, b""
    limit = max(0, min(limit if type(limit) is int else 0, READ_BACK_MAX))
    if folder is None:
        return {"event": "head", "unavailable": "the runner's folder is not visible here"}, b""
    try:
        folder_fd = os.dup(folder) if isinstance(folder, int) else os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        return {"event": "head", "unavailable": f"the working folder: {e.strerror or type(e).__name__}"}, b""
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY,
                         dir_fd=folder_fd)
        except OSError as e:  # absent, a link (ELOOP), a folder, a socket
            return {"event": "head", "missing": e.strerror or type(e).__name__}, b""
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return {"event": "head", "missing": "not a regular file"}, b""
            parts, left = [], limit
            while left > 0:
                part = os.read(fd, left)
                if not part:
                    break
                parts.append(part)
                left -= len(part)
            return {"event": "head", "size": int(st.st_size)}, b"".join(parts)
        finally:
            os.close(fd)
    finally:
        os.close(folder_fd)
