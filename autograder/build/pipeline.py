"""The build pipeline: each step one transformation, in this order.

student zip:    stub (committed; validate checks it is stubgen's) + render README + render notebook
                + strip hidden tests + assets + reference figures + requirements
                -> leak guard -> pack
autograder zip: setup.sh + run_autograder + engine wheel + the assignment's pinned requirements
                + grading bundle (all tests, assets, hidden data) -> pack
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from ..config import Assignment, Course
from .. import testfiles
from ..files import pack, write_bytes_atomic
from . import figures, leaks, portable, render, walkthrough
from .assets import collect
from .bundle import bundle_files

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
NOT_FOR_GRADING = {"pytest", "dask", "distributed"}


def public_tests(assignment: Assignment) -> dict[str, str]:
    shared = tuple(sorted({h.parent for h in assignment.helpers} - {assignment.tests_dir}))  # the course's shared helpers
    return {f"tests/{q.name}.py": testfiles.strip_hidden(q.test_file.read_text(encoding="utf-8"), str(q.test_file), shared)
            for q in assignment.questions}


def student_files(course: Course, assignment: Assignment) -> dict[str, bytes]:
    stub = assignment.stub.read_text(encoding="utf-8")
    tests = public_tests(assignment)
    notebook = render.walkthrough(course, assignment)
    walkthrough.check_cells(assignment, notebook)
    nb = json.loads(notebook)
    notebook_code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    sources = [stub, *tests.values(), notebook_code, *(h.read_text(encoding="utf-8") for h in assignment.helpers)]
    files = {
        assignment.submission: stub.encode(),
        "README.md": render.readme(course, assignment).encode(),
        "walkthrough.ipynb": notebook.encode(),
        "requirements.txt": render.student_requirements(assignment, sources).encode(),
        **{name: text.encode() for name, text in tests.items()},
        # Test helpers sit beside the stub, not in tests/: `otter check` loads every tests/*.py
        # as a question, and the working directory (the bundle root) is on the kernel's path.
        **{helper.name: helper.read_bytes() for helper in assignment.helpers},
        **{f"assets/{n}": b for n, b in collect(assignment, course.seed).public.items()},
        **{f"figures/{n}": b for n, b in figures.render(assignment, course.seed).items()},
    }
    files = {f"{assignment.slug}/{name}": data for name, data in files.items()}
    full_tests = {f"tests/{q.name}.py": q.test_file.read_text(encoding="utf-8") for q in assignment.questions}
    leaks.check(files, assignment.solution.read_text(encoding="utf-8"), stub, full_tests)
    return files


def autograder_files(course: Course, assignment: Assignment) -> dict[str, bytes]:
    from .autograder_zip import autograder_files as files  # self-contained Gradescope zip

    return files(course, assignment)


def build_assignment(course: Course, assignment: Assignment, out: Path) -> tuple[Path, Path]:
    name = f"{assignment.slug}.zip"
    students, graders = student_files(course, assignment), autograder_files(course, assignment)
    portable.check_names(students, f"student/{name}")     # unzipped on Windows and macOS laptops too
    portable.check_names(graders, f"autograder/{name}")
    student = write_bytes_atomic(out / "student" / name, pack(students))
    grader = write_bytes_atomic(out / "autograder" / name, pack(graders))
    return student, grader
