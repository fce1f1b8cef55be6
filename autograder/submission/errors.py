"""The one exception of submission reading, and the sentences every reader path shares."""

from __future__ import annotations

from pathlib import Path

from .. import text as T


class SubmissionRejected(Exception):
    """The submission cannot be graded as handed in; the message says why."""


READABLE = (".py", ".ipynb")
ACCEPTED = (".py", ".ipynb", ".zip")


def file_limit(suffix: str, archive_limit: int) -> int:
    """The byte limit of one submitted file: a notebook's own, a .py's code limit (UTF-8 takes up
    to 4 bytes a character), an archive's unpacked limit for anything else."""
    return {".ipynb": T.NOTEBOOK_BYTES, ".py": T.SOURCE_CHARS * 4}.get(suffix.lower(), archive_limit)


def too_big(name: str, size: int, limit: int) -> str:
    """The one sentence for a file over its size limit (client side and worker side alike)."""
    kind = Path(name).suffix.lower() or "submitted"
    return (f"{name} is {size / 2**20:.1f} MB, more than the limit of {limit / 2**20:.0f} MB "
            f"for a {kind} file")


def wrong_kind(name: str) -> str:
    return f"{name}: expected a .py, .ipynb or .zip file (or a folder)"
