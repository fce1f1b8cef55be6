"""Step: the Gradescope autograder zip, self-contained.

    setup.sh, run_autograder        the two scripts Gradescope runs (templates/)
    requirements.txt                the engine's and this assignment's needs, pinned
    constraints.txt                 the lock's versions for everything else
    engine/<name>-<ver>-py3-none-any.whl   the engine, a wheel built here (deterministic)
    bundle/                         grading.json, tests (all cases), assets, hidden data

setup.sh installs the wheel as a package into its own environment, so the sandbox template
(`python -I -m autograder.sandbox.zygote`, which ignores PYTHONPATH) imports it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from pathlib import Path

from ..config import Assignment, Course
from ..files import pack
from . import leaks, requirements
from .bundle import bundle_files

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
GENERATOR = "cnn-course-autograder build"


def _project() -> dict:
    return tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def package_files() -> dict[str, bytes]:
    """The engine's files as a wheel holds them: every module and every template."""
    out = {}
    for p in sorted(PACKAGE.rglob("*")):
        rel = p.relative_to(PACKAGE)
        if not p.is_file() or "__pycache__" in rel.parts or p.suffix in (".pyc", ".pyo"):
            continue
        if p.suffix == ".py" or rel.parts[0] == "templates":
            out[f"autograder/{rel.as_posix()}"] = p.read_bytes()
    return out


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def engine_wheel() -> tuple[str, bytes]:
    """(file name, bytes) of a pure-Python wheel of the engine. Its dependencies are left out on
    purpose: requirements.txt installs only what this assignment needs."""
    project = _project()
    name, version = project["name"], project["version"]
    dist = re.sub(r"[-_.]+", "_", name).lower()
    info = f"{dist}-{version}.dist-info"
    files = package_files()
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        f"Summary: {project.get('description', '')}\n"
        f"Requires-Python: {project.get('requires-python', '>=3.11')}\n").encode()
    files[f"{info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: {GENERATOR}\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n").encode()
    scripts = project.get("scripts", {})
    if scripts:
        files[f"{info}/entry_points.txt"] = ("[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in sorted(scripts.items()))).encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in sorted(files.items()))
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    return f"{dist}-{version}-py3-none-any.whl", pack(files)


def grading_sources(assignment: Assignment, bundle: dict[str, bytes]) -> list[str]:
    """The Python the grader runs besides the submission: every test file (hidden cases and
    helpers included), Python files among the assets, and the stub (a submission starts from it)."""
    out = [assignment.stub.read_text(encoding="utf-8")]
    for rel, data in sorted(bundle.items()):
        if rel.endswith(".py"):
            out.append(data.decode("utf-8"))
    return out


def shell_script(name: str) -> bytes:
    """A script Gradescope runs with bash, with LF line endings whatever the checkout made of it
    (a CRLF line is "$'\\r': command not found" there; .gitattributes asks git for LF too)."""
    return (TEMPLATES / name).read_bytes().replace(b"\r\n", b"\n")


def autograder_files(course: Course, assignment: Assignment) -> dict[str, bytes]:
    bundle = bundle_files(assignment, course.seed, oracles="record")  # Gradescope grades each submission cold
    reqs = requirements.grader_requirements(assignment, grading_sources(assignment, bundle))
    wheel_name, wheel = engine_wheel()
    files = {
        "setup.sh": shell_script("setup.sh"),
        "run_autograder": shell_script("run_autograder"),
        "requirements.txt": reqs.encode(),
        "constraints.txt": requirements.grader_constraints(reqs).encode(),
        f"engine/{wheel_name}": wheel,
        **{f"bundle/{rel}": data for rel, data in bundle.items()},
    }
    solution = assignment.solution.read_bytes()
    for name, data in files.items():
        if data == solution:
            raise leaks.LeakError(f"autograder zip: {name} is the solution file")
    return files
