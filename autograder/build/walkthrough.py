"""Step: check the walkthrough notebook. The build compiles every code cell (a syntax error
fails `course build`); `course validate` runs the notebook (walkthrough_run.py). Failures name
the template and the cell.
"""

from __future__ import annotations

import json

from ..config import Assignment
from .errors import BuildError

TEMPLATE = "walkthrough.py.j2"
NOTEBOOK = "walkthrough.ipynb"
# otter's display of a failed check (Notebook.check's repr): a check that fails with the
# solution in place means the walkthrough and the tests disagree.
CHECK_FAILED = ("Test case failed", "❌")


def _where(assignment: Assignment) -> str:
    return (assignment.templates_dir / TEMPLATE).relative_to(assignment.root).as_posix()


def _code(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _first_line(source: str) -> str:
    line = next((l.strip() for l in source.splitlines() if l.strip()), "")
    return line if len(line) <= 60 else line[:57] + "..."


def check_cells(assignment: Assignment, notebook: str) -> None:
    """Every code cell compiles (IPython magics and shell lines aside)."""
    nb = json.loads(notebook)
    for n, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        source = _code(cell)
        python = "\n".join("pass" if l.lstrip().startswith(("%", "!")) else l for l in source.splitlines())
        try:
            compile(python, f"cell {n}", "exec")
        except SyntaxError as e:
            raise BuildError(f"{_where(assignment)}: walkthrough cell {n} (`{_first_line(source)}`): "
                             f"syntax error: {e.msg} (line {e.lineno} of the cell)") from None
