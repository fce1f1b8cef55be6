"""Compatibility names: submission reading lives in autograder.submission (one reader for
`course grade`, `course validate` and `course gradescope`); nothing is implemented here."""

from __future__ import annotations

from pathlib import Path

from ..submission import (SubmissionRejected, check_source, decode_source, notebook_source,  # noqa: F401
                          read_path, source_from_file)


def read_submission(path: Path, expected: str) -> str:
    """The source to grade of a .py / .ipynb / .zip / folder submission (see read_path)."""
    return read_path(Path(path), expected).source


def pick_file(folder: Path, expected: str) -> Path:
    """The file that would be graded in a folder (see autograder.submission.pick)."""
    from ..submission import folder_files, pick
    return pick(folder_files(Path(folder)), expected)[1]
