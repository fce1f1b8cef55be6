"""Step: the requirement files a build ships.

- Students: one course-wide `requirements.txt` at the course root (the same pins in every
  student bundle, with environment markers where one pin cannot serve every laptop). A course
  without that file falls back to a per-assignment list pinned from `requirements.lock`.
- Gradescope: the assignment's own needs only (what its tests, stub and bundled Python files
  import, plus assignment.yml's `requirements`), and the engine's, taken from the course-wide
  file when there is one (so a grader and a student get the same versions), else from the lock.
  `constraints.txt` beside it pins every other distribution to the lock's version.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .errors import BuildError

COURSE_FILE = "requirements.txt"
LOCK_FILE = "requirements.lock"
FRAMEWORK_ROOT = Path(__file__).resolve().parents[2]

# What every student installs when the course has no course-wide file.
STUDENT_BASE = ["numpy", "scipy", "pillow", "scikit-image", "matplotlib", "otter-grader", "ipykernel"]
STUDENT_TOOLS = ["otter-grader", "ipykernel"]
# What the grading engine itself imports at run time (config, results, sandbox wire, otter tests).
ENGINE_NEEDS = ["otter-grader", "numpy", "pyyaml", "rich"]
# Import name -> distributions. A name missing here is either the standard library or the
# assignment's own module; an unknown third-party import is caught by validation, not here.
IMPORT_TO_DIST = {
    "numpy": ["numpy"], "scipy": ["scipy"], "PIL": ["pillow"], "skimage": ["scikit-image"],
    "matplotlib": ["matplotlib"], "tensorflow": ["tensorflow-cpu", "keras"], "keras": ["tensorflow-cpu", "keras"],
    "cv2": ["opencv-python-headless"], "yaml": ["pyyaml"], "jinja2": ["jinja2"], "otter": ["otter-grader"],
}
# A distribution that stands in for another on some platforms (same version, other wheels).
ALTERNATIVES = {"tensorflow": "tensorflow-cpu"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(line: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)", line)
    return normalize(m.group(1)) if m else ""


def requirement_lines(text: str) -> list[str]:
    """The requirement lines of a pip file, comments and blank lines dropped."""
    out = []
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if line:
            out.append(line)
    return out


def pins(lock: Path | None = None) -> dict[str, str]:
    """Exact versions from requirements.lock, keyed by normalised distribution name."""
    lock = lock or FRAMEWORK_ROOT / LOCK_FILE
    found = {}
    for line in requirement_lines(lock.read_text(encoding="utf-8")):
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            found[normalize(m.group(1))] = m.group(2)
    return found


def imported_modules(source: str) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            mods.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods.add(node.module.split(".")[0])
    return mods


def needed_dists(sources: list[str], base: list[str]) -> list[str]:
    dists = [normalize(d) for d in base]
    for src in sources:
        for mod in sorted(imported_modules(src)):
            dists += [d for d in IMPORT_TO_DIST.get(mod, []) if d not in dists]
    return dists


def course_file(root: Path) -> Path | None:
    path = Path(root) / COURSE_FILE
    return path if path.is_file() else None


def course_lines(path: Path) -> dict[str, list[str]]:
    """{distribution: [its lines]} of the course-wide file; an alternative (e.g. `tensorflow`
    on macOS) is filed under the distribution it stands in for (`tensorflow-cpu`)."""
    out: dict[str, list[str]] = {}
    for line in requirement_lines(path.read_text(encoding="utf-8")):
        if line.startswith("-"):
            raise BuildError(f"{path}: '{line}': only requirement lines are allowed (no pip options)")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(\[[^\]]*\])?\s*==\s*[^\s;]+\s*(;.*)?$", line):
            raise BuildError(f"{path}: '{line}': every requirement must be pinned with == (and may carry a ; marker)")
        name = _name(line)
        out.setdefault(ALTERNATIVES.get(name, name), []).append(line)
    return out


def _extras_first(lines: list[str], extras: tuple[str, ...]) -> list[str]:
    """assignment.yml's extra lines replace the computed line of the same distribution."""
    extra_names = {ALTERNATIVES.get(_name(r), _name(r)) for r in extras}
    kept = [l for l in lines if ALTERNATIVES.get(_name(l), _name(l)) not in extra_names]
    return sorted(set(kept + list(extras)), key=str.lower)


def _from_course(path: Path, dists: list[str], extras: tuple[str, ...], where: str,
                 engine: tuple[str, ...] = ()) -> list[str]:
    table = course_lines(path)
    lines = []
    versions = pins() if engine else {}
    for d in dists:
        if d in table:
            lines += table[d]
        elif d in engine and d in versions:  # the grader's own library, students never import it
            lines.append(f"{d}=={versions[d]}")
        else:
            raise BuildError(f"{path}: {where} needs {d}, which this file does not pin")
    # An assignment.yml pin that the course file also pins must agree with it.
    for extra in extras:
        name = ALTERNATIVES.get(_name(extra), _name(extra))
        if name in table and "==" in extra:
            version = extra.split("==", 1)[1].split(";")[0].strip()
            theirs = {l.split("==", 1)[1].split(";")[0].strip() for l in table[name]}
            if version not in theirs:
                raise BuildError(f"{where}: requirement '{extra}' disagrees with {path} "
                                 f"({', '.join(table[name])})")
    # Extras the course file already pins (maybe with markers) keep the course file's lines.
    extras = tuple(e for e in extras if ALTERNATIVES.get(_name(e), _name(e)) not in table)
    names = {ALTERNATIVES.get(_name(e), _name(e)) for e in extras}
    return sorted(set([l for l in lines if _name(l) not in names] + list(extras)), key=str.lower)


def _from_lock(dists: list[str], extras: tuple[str, ...]) -> list[str]:
    versions = pins()
    lines = []
    for d in dists:
        if d not in versions:
            raise BuildError(f"requirements.lock pins no version of {d}")
        lines.append(f"{d}=={versions[d]}")
    return _extras_first(lines, extras)


def student_requirements(assignment, sources: list[str]) -> str:
    """requirements.txt of a student bundle: the course-wide file when the course has one
    (after checking that it covers what the assignment imports), else the base set, whatever
    the shipped code imports and assignment.yml's extras, pinned from the lock."""
    path = course_file(assignment.root)
    dists = needed_dists(sources, STUDENT_BASE)
    if path is None:
        return "\n".join(_from_lock(dists, assignment.requirements)) + "\n"
    # What a student cannot do without: what the shipped code imports, otter check and a kernel.
    _from_course(path, needed_dists(sources, STUDENT_TOOLS), assignment.requirements, f"assignment {assignment.slug}")
    return path.read_text(encoding="utf-8")


def grader_requirements(assignment, sources: list[str]) -> str:
    """requirements.txt of the Gradescope zip: the engine's needs and the assignment's."""
    dists = needed_dists(sources, ENGINE_NEEDS)
    path = course_file(assignment.root)
    where = f"assignment {assignment.slug} (autograder)"
    lines = (_from_course(path, dists, assignment.requirements, where, tuple(ENGINE_NEEDS)) if path else
             _from_lock(dists, assignment.requirements))
    return "\n".join(lines) + "\n"


def grader_constraints(requirements: str) -> str:
    """The lock's pins for every distribution requirements.txt does not name itself, so the
    dependencies of the direct pins resolve to the versions the course was tested with."""
    named = {_name(l) for l in requirement_lines(requirements)}
    named |= {ALTERNATIVES.get(n, n) for n in named} | {k for k, v in ALTERNATIVES.items() if v in named}
    versions = pins()
    lines = [f"{d}=={v}" for d, v in sorted(versions.items()) if d not in named]
    return "# Versions of indirect dependencies, from the course's requirements.lock.\n" + "\n".join(lines) + "\n"
