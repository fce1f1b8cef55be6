"""Step of `course validate`: run the walkthrough notebook top to bottom in a Jupyter kernel, in
the student bundle as a student unzips it with the solution in place of the stub, so a broken
walkthrough is found before students open it. Its own module because it needs the whole
student bundle (pipeline.student_files), which itself checks the notebook's cells
(walkthrough.check_cells).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from ..config import Assignment, Course
from .errors import BuildError
from .pipeline import student_files
from .walkthrough import CHECK_FAILED, NOTEBOOK, _code, _first_line, _where


def execute(course: Course, assignment: Assignment, timeout: float = 900) -> None:
    """Run the walkthrough as a student would, the solution standing in for the stub; raise
    BuildError naming the template and the first cell that fails (an exception, or an otter
    check that does not pass)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    files = student_files(course, assignment)
    with tempfile.TemporaryDirectory(prefix=f"course-walkthrough-{assignment.slug}-") as tmp:
        for rel, data in files.items():
            path = Path(tmp) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        folder = Path(tmp) / assignment.slug
        (folder / assignment.submission).write_bytes(assignment.solution.read_bytes())
        nb = nbformat.reads(files[f"{assignment.slug}/{NOTEBOOK}"].decode(), as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                                resources={"metadata": {"path": str(folder)}})
        # Offline (the notebook then builds models with weights=None: nothing downloads) and
        # headless: what the project's tests run with, and what a CI machine can do.
        env = {**os.environ, "COURSE_OFFLINE": os.environ.get("COURSE_OFFLINE", "1"), "MPLBACKEND": "Agg",
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
        try:
            # stderr: the kernel's start-up warnings (TCP without encryption) are noise here;
            # a failing cell's traceback arrives through the messages, not stderr.
            client.execute(env=env, stderr=subprocess.DEVNULL)
        except CellTimeoutError:
            n = _failed_cell(nb)
            raise BuildError(f"{_where(assignment)}: walkthrough cell {n or '?'}: "
                             f"did not finish within {timeout:g} s") from None
        except (CellExecutionError, DeadKernelError) as e:
            n = _failed_cell(nb)
            cell = nb.cells[n - 1] if n else None
            what = f"{e.ename}: {e.evalue}" if isinstance(e, CellExecutionError) else f"the kernel died ({e})"
            shown = f" (`{_first_line(_code(cell))}`)" if cell is not None else ""
            raise BuildError(f"{_where(assignment)}: walkthrough cell {n or '?'}{shown} failed: {what}") from None
        for n, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code" or "check(" not in _code(cell):
                continue
            text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                             for o in cell.get("outputs", []))
            if any(mark in text for mark in CHECK_FAILED):
                raise BuildError(f"{_where(assignment)}: walkthrough cell {n} (`{_first_line(_code(cell))}`): "
                                 "an otter check fails with the solution in place")


def _failed_cell(nb) -> int | None:
    """1-based number of the cell holding an error output, else of the last cell that ran."""
    last = None
    for n, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return n
        if cell.get("execution_count") is not None or cell.get("outputs"):
            last = n
    return last
