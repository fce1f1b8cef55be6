"""Step: a percent-format script (`# %%` code cells, `# %% [markdown]` prose cells) into
a Jupyter notebook, with fixed cell ids and metadata so the bytes are reproducible."""

from __future__ import annotations

import re

import nbformat

CELL_RE = re.compile(r"^# %%(?P<kind> \[markdown\])?.*$")


def _markdown(lines: list[str]) -> str:
    out = []
    for line in lines:
        if line.startswith("# "):
            out.append(line[2:])
        elif line.rstrip() in ("#", ""):
            out.append("")
        else:
            raise ValueError(f"markdown cell line does not start with '# ': {line!r}")
    return "\n".join(out).strip("\n")


def percent_to_notebook(text: str) -> str:
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        m = CELL_RE.match(line)
        if m:
            cells.append(("markdown" if m.group("kind") else "code", []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip():
            cells.append(("code", [line]))
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, lines) in enumerate(cells):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(_markdown(lines))
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines).strip("\n"))
        cell.id = f"cell-{i:03d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
