"""Which file of a submission is graded, for every shape a submission comes in: a .py or
.ipynb file, a .zip, a folder, or their bytes (a batch worker has no client paths)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import messages as M
from .. import text as T
from .archive import MAX_BYTES, folder_files, safe_extract
from .errors import ACCEPTED, SubmissionRejected, file_limit, too_big, wrong_kind
from .source import Code, code_from_bytes, code_from_file, find_syntax_error


@dataclass(frozen=True)
class Read:
    source: str      # the module source to grade
    graded: str      # the file graded as the student named it: its path inside the folder or zip
                     # submitted, or the submitted file's own name (student text: sanitise to show)
    note: str = ""   # for the grader: the file graded is not named as the assignment asks
    code: Code | None = None  # where the source's lines came from (a notebook's cells)

    @property
    def written(self) -> str:
        """The source as the student wrote it: without the grader's display() line (similarity)."""
        if not (self.code and self.code.prelude):
            return self.source
        lines = self.source.split("\n")
        return "\n".join(lines[:self.code.prelude - 1] + lines[self.code.prelude:])

    def syntax_error(self) -> str:
        """The reason for a source Python cannot compile, naming the file and where in it (a
        notebook's cell and line), as the runner would find it; "" when it compiles."""
        found = find_syntax_error(self.source)
        if found is None:
            return ""
        msg, line = found
        where = self.code.where(line) if self.code else f"line {line}"
        return M.syntax_error(msg, where, self.graded)


def pick(files: list[tuple[str, Path]], expected: str) -> tuple[str, Path]:
    """The file to grade among (relative name, path) pairs: the expected name anywhere inside,
    else its notebook, else the only .py/.ipynb, else the only .zip (read one level deep)."""
    stem = Path(expected).stem
    exact = [f for f in files if Path(f[0]).name == expected]
    if not exact:  # Image_Tensors.py, IMAGE_TENSORS.PY: a laptop's file system ignores the case
        exact = [f for f in files if T.folded(Path(f[0]).name) == T.folded(expected)]
    nb = ([f for f in files if Path(f[0]).name == f"{stem}.ipynb"]
          or [f for f in files if T.folded(Path(f[0]).name) == T.folded(f"{stem}.ipynb")])
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise SubmissionRejected(f"two or more files named {expected}: {', '.join(r for r, _ in exact)}")
    if len(nb) == 1:
        return nb[0]
    candidates = [f for f in files if Path(f[0]).suffix.lower() in (".py", ".ipynb")]
    if len(candidates) == 1:
        return candidates[0]
    zips = [f for f in files if Path(f[0]).suffix.lower() == ".zip"]
    if not candidates and len(zips) == 1:
        return zips[0]  # Gradescope unpacks a submitted zip; a zip inside it is read like a zip
    if not candidates:
        raise SubmissionRejected(f"no {expected} (nor any .py or .ipynb file) in the submission")
    listed = ", ".join(r for r, _ in candidates[:5])
    raise SubmissionRejected(f"no file named {expected}, and several candidates ({listed}): submit {expected}")


def _note(rel: str, expected: str) -> str:
    if Path(rel).name in (expected, f"{Path(expected).stem}.ipynb"):
        return ""
    return f"graded {rel} (the assignment asks for {expected})"


def _read_files(files: list[tuple[str, Path]], expected: str, nested_zip: bool) -> Read:
    rel, path = pick(files, expected)
    if Path(rel).suffix.lower() == ".zip":
        if not nested_zip:
            raise SubmissionRejected(f"no {expected} (nor any .py or .ipynb file) in the submission, only "
                                     f"a zip inside the zip ({rel}); zip the files themselves")
        inner = read_archive(_read_capped(path), expected, nested_zip=False)
        return Read(inner.source, f"{rel}/{inner.graded}", _note(inner.graded, expected), inner.code)
    code = code_from_file(path)
    return Read(code.source, rel, _note(rel, expected), code)


def _read_capped(path: Path) -> bytes:
    size, limit = path.stat().st_size, file_limit(path.suffix, MAX_BYTES)
    if size > limit:
        raise SubmissionRejected(too_big(path.name, size, limit))
    return path.read_bytes()


def read_archive(data: bytes, expected: str, nested_zip: bool = False) -> Read:
    """A zip's bytes (a submitted .zip, or a folder packed for transport), unpacked safely into
    a private temporary folder that is gone when this returns. `nested_zip`: a lone .zip inside
    may be read (a folder's, as read_path allows); a zip's own inner zip never is."""
    with tempfile.TemporaryDirectory(prefix="course-submission-") as tmp:
        folder = Path(tmp) / "unpacked"
        safe_extract(data, folder)
        return _read_files(folder_files(folder), expected, nested_zip)


def read_bytes(data: bytes, filename: str, expected: str) -> Read:
    """A submitted file's content: a .py, an .ipynb or a .zip, named `filename` by the student."""
    name = Path(filename).name or "submission"
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED:
        raise SubmissionRejected(wrong_kind(name))
    limit = file_limit(suffix, MAX_BYTES)
    if len(data) > limit:
        raise SubmissionRejected(too_big(name, len(data), limit))
    if suffix == ".zip":
        return read_archive(data, expected, nested_zip=False)
    code = code_from_bytes(data, name)
    return Read(code.source, name, code=code)


def read_path(path: Path, expected: str) -> Read:
    """A submission on disk: a folder (its files listed safely: no symbolic links, capped), a
    .zip, a .py or an .ipynb."""
    path = Path(path)
    if path.is_dir():
        return _read_files(folder_files(path), expected, nested_zip=True)
    if not path.is_file():
        raise SubmissionRejected(f"{path.name or path} does not exist")
    if path.suffix.lower() not in ACCEPTED:
        raise SubmissionRejected(wrong_kind(path.name))
    return read_bytes(_read_capped(path), path.name, expected)
