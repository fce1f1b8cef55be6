"""Compatibility names: safe unpacking and folder listing live in autograder.submission.archive."""

from __future__ import annotations

from ..submission.archive import (MAX_BYTES, MAX_DEPTH, MAX_FILES, check_zip, folder_digest,  # noqa: F401
                                  folder_files, pack_files, safe_extract)
