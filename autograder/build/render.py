"""Step: render the student-facing text with Jinja: README.md, walkthrough.ipynb and
requirements.txt, from the assignment's templates and the framework's base templates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jinja2

from ..config import Assignment, Course
from .errors import BuildError
from .notebook import percent_to_notebook

BASE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REPO_ROOT = Path(__file__).resolve().parents[2]

# What every student installs, and what an import in the stub, tests or notebook adds.
STUDENT_BASE = ["numpy", "scipy", "pillow", "scikit-image", "matplotlib", "otter-grader", "ipykernel"]
IMPORT_TO_DIST = {
    "numpy": ["numpy"], "scipy": ["scipy"], "PIL": ["pillow"], "skimage": ["scikit-image"],
    "matplotlib": ["matplotlib"], "tensorflow": ["tensorflow-cpu", "keras"], "keras": ["tensorflow-cpu", "keras"],
    "cv2": ["opencv-python-headless"], "yaml": ["pyyaml"], "jinja2": ["jinja2"],
}


def pins(lock: Path | None = None) -> dict[str, str]:
    """Exact versions from requirements.lock, keyed by normalised distribution name."""
    lock = lock or REPO_ROOT / "requirements.lock"
    found = {}
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            found[m.group(1).lower().replace("_", "-")] = m.group(2)
    return found


def imported_modules(source: str) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            mods.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods.add(node.module.split(".")[0])
    return mods


def student_requirements(assignment: Assignment, sources: list[str]) -> str:
    """requirements.txt: the base set, whatever the shipped code imports, and assignment.yml's extras."""
    versions = pins()
    dists = list(STUDENT_BASE)
    for src in sources:
        for mod in sorted(imported_modules(src)):
            dists += [d for d in IMPORT_TO_DIST.get(mod, []) if d not in dists]
    lines = []
    for d in dists:
        if d not in versions:
            raise BuildError(f"requirements.lock pins no version of {d}")
        lines.append(f"{d}=={versions[d]}")
    extra_names = {re.split(r"[=<>!~ ]", r, maxsplit=1)[0].lower() for r in assignment.requirements}
    lines = [l for l in lines if l.split("==")[0] not in extra_names] + list(assignment.requirements)
    return "\n".join(sorted(set(lines), key=str.lower)) + "\n"


def environment(assignment: Assignment) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(assignment.templates_dir)),
                                  jinja2.FileSystemLoader(str(BASE_TEMPLATES))])
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, autoescape=False)


def context(course: Course, assignment: Assignment) -> dict:
    return {
        "course": {"name": course.name, "term": course.term},
        "slug": assignment.slug,
        "title": assignment.title,
        "due": assignment.due.strftime("%A %d %B %Y, %H:%M") + f" ({assignment.timezone})",  # course.yml timezone
        "submission": assignment.submission,
        "module": assignment.module_name,
        "questions": [{"name": q.name, "points": q.points} for q in assignment.questions],
        "total_points": assignment.total_points,
    }


def render_template(course: Course, assignment: Assignment, name: str) -> str:
    try:
        template = environment(assignment).get_template(name)
        return template.render(**context(course, assignment))
    except jinja2.TemplateNotFound:
        raise BuildError(f"{assignment.templates_dir / name}: template not found") from None
    except jinja2.TemplateError as e:
        where = getattr(e, "filename", None) or assignment.templates_dir / name
        line = getattr(e, "lineno", None)
        raise BuildError(f"{where}{f':{line}' if line else ''}: {e}") from None


def readme(course: Course, assignment: Assignment) -> str:
    return render_template(course, assignment, "README.md.j2")


def walkthrough(course: Course, assignment: Assignment) -> str:
    text = render_template(course, assignment, "walkthrough.py.j2")
    try:
        return percent_to_notebook(text)
    except ValueError as e:
        raise BuildError(f"{assignment.templates_dir / 'walkthrough.py.j2'}: {e}") from None
