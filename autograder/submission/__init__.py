"""Reading a submission: from what a student handed in to the source of the module to grade.

One reader for every command (`course grade`'s workers, `course validate`, `course gradescope`),
so a submission gets the same checks and the same sentence wherever it is graded:

  read_path(path, expected)            a .py, .ipynb, .zip or folder on disk
  read_bytes(data, filename, expected) a submitted file's bytes (a batch worker's task)
  read_archive(data, expected)         a zip's bytes (a folder packed for transport)

Each returns Read(source, graded, note, code) or raises SubmissionRejected with a sentence a
student or a TA understands; `graded` names the file graded as the student named it, and
Read.syntax_error() names it, with the line (a notebook's cell and line), when Python cannot
compile it. Zips are unpacked under caps on entries, bytes and depth, with no path outside the
target and no symbolic links (archive.py); notebooks become their code cells, with IPython's
display() defined when used (notebook.py); source must be UTF-8 text Python's parser can take
(source.py); the file graded is picked by name (locate.py). Layering: imports autograder.text
and autograder.messages only, never grading or batch.
"""

from __future__ import annotations

from .archive import MAX_BYTES, MAX_DEPTH, MAX_FILES, check_zip, folder_digest, folder_files, pack_files, safe_extract
from .errors import ACCEPTED, SubmissionRejected, file_limit, too_big, wrong_kind
from .locate import Read, pick, read_archive, read_bytes, read_path
from .notebook import JsonValueCount, notebook_code, notebook_source
from .source import Code, check_source, code_from_bytes, decode_source, find_syntax_error, source_from_bytes, source_from_file

__all__ = [
    "ACCEPTED", "Code", "JsonValueCount", "MAX_BYTES", "MAX_DEPTH", "MAX_FILES", "Read", "SubmissionRejected",
    "check_source", "code_from_bytes", "find_syntax_error", "notebook_code",
    "check_zip", "decode_source", "file_limit", "folder_digest", "folder_files", "notebook_source",
    "pack_files", "pick", "read_archive", "read_bytes", "read_path", "safe_extract",
    "source_from_bytes", "source_from_file", "too_big", "wrong_kind",
]
