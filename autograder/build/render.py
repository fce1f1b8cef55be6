"""Step: render the student-facing text with Jinja: README.md and walkthrough.ipynb (and
requirements.txt, via requirements.py), from the assignment's templates and the framework's base templates."""

from __future__ import annotations

from pathlib import Path

import jinja2

from ..config import Assignment, Course
from .errors import BuildError
from .notebook import percent_to_notebook

BASE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REPO_ROOT = Path(__file__).resolve().parents[2]


def student_requirements(assignment: Assignment, sources: list[str]) -> str:
    """requirements.txt: the course-wide file, or a per-assignment list (see requirements.py)."""
    from . import requirements

    return requirements.student_requirements(assignment, sources)


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
