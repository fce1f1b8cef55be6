"""Text read or written with the locale's encoding: on Windows that is the ANSI code page
(cp1252), not UTF-8, so a file the course wrote in UTF-8 reads back differently there. Every
open()/read_text()/write_text()/text-mode pipe in code that runs on a student's, grader's or
instructor's machine names its encoding (or works in bytes):

- statically, over the engine (autograder/, bar the Linux-only sandbox's /proc reads), every
  assignment's stub, tests, helpers and walkthrough template, the solutions and reference/;
- on the real paths, with Python's own EncodingWarning (`-X warn_default_encoding`): the
  convolution student bundle's q6 test (it reads JSON) under `otter check` as its README says, and
  `course grade` on the real course (the judge loads the hidden tests), each with the solution.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import COURSE, ROOT, VENV_BIN

TEXT_MODE_CALLS = {"open", "read_text", "write_text", "TemporaryFile", "NamedTemporaryFile",
                   "SpooledTemporaryFile"}
PIPES = {"run", "Popen", "check_output", "check_call", "call"}
NOT_FILES = {"Image", "os", "zf", "zipfile", "tarfile", "engine", "store", "webbrowser", "self"}


def _shipped_sources() -> list[Path]:
    paths = [*sorted((ROOT / "autograder").rglob("*.py")), *sorted((ROOT / "assignments").rglob("*.py")),
             *sorted((ROOT / "solutions").rglob("*.py")), *sorted((ROOT / "reference").rglob("*.py")),
             *sorted((ROOT / "assignments").glob("*/templates/*.py.j2"))]
    return [p for p in paths if ".venv" not in p.parts]


def _python_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".j2":  # a walkthrough template: its Jinja made into names Python can parse
        text = re.sub(r"\{%.*?%\}", "", text)
        text = re.sub(r"\{\{.*?\}\}", "x", text)
    return text


def _mode(call: ast.Call, position: int) -> str | None:
    args = [k.value for k in call.keywords if k.arg == "mode"] or call.args[position:position + 1]
    return args[0].value if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str) else None


def _default_encoding_calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        keywords = {k.arg for k in node.keywords}
        if "encoding" in keywords or None in keywords:  # named, or passed on in **kwargs
            continue
        if name in PIPES and owner == "subprocess":
            text = any(k.arg in ("text", "universal_newlines") and not (isinstance(k.value, ast.Constant)
                       and not k.value.value) for k in node.keywords)
            if text:
                found.append((node.lineno, f"subprocess.{name}(text=True)"))
            continue
        if name not in TEXT_MODE_CALLS or owner in NOT_FILES:
            continue
        if name == "open" and isinstance(func, ast.Attribute) and owner not in ("io", "builtins"):
            continue  # a method named open (a zip's member, the engine's session): not a text file
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and str(first.value).startswith("/proc/"):
            continue  # Linux's own files, ASCII, read by the sandbox only where it runs (Linux)
        mode = _mode(node, {"open": 1, "read_text": 99, "write_text": 99}.get(name, 0))
        if name in ("TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile") and (mode is None or "b" in mode):
            continue  # their default mode is w+b
        if name == "open" and mode is not None and "b" in mode:
            continue
        found.append((node.lineno, f"{name}()"))
    return found


def test_no_shipped_code_reads_or_writes_text_in_the_locale_encoding():
    offenders = []
    for path in _shipped_sources():
        for line, what in _default_encoding_calls(ast.parse(_python_of(path))):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {what} without encoding=")
    assert not offenders, ("on Windows these use cp1252, not UTF-8; name the encoding:\n" + "\n".join(offenders))


def test_the_static_check_finds_what_it_should():
    src = ('open(p)\nopen(p, "rb")\nopen(p, encoding="utf-8")\nPath(p).read_text()\nq.write_text(s)\n'
           'q.read_text(encoding="utf-8")\nImage.open(p)\nzf.open(info)\nsubprocess.run(c, text=True)\n'
           'subprocess.run(c, text=True, encoding="utf-8")\nsubprocess.run(c)\ntempfile.TemporaryFile("w+")\n'
           'tempfile.TemporaryFile()\nopen("/proc/self/status")\nopen(p, **kw)\n')
    assert [line for line, _ in _default_encoding_calls(ast.parse(src))] == [1, 4, 5, 9, 12]


# --- the real paths, under Python's own check ------------------------------------------------

# Loaded by every Python process started with it on PYTHONPATH (otter check, its Jupyter kernel,
# course, the oracle recorder): each EncodingWarning's file and line, appended to a log. A
# warning shown in the kernel would only reach a cell's output, which otter check never prints.
SITECUSTOMIZE = """\
import os, warnings
_log = os.environ["ENCODING_WARNINGS_LOG"]
def _record(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, EncodingWarning):
        with open(_log, "a", encoding="utf-8") as f:
            f.write(f"{os.getcwd()}\\0{filename}\\0{lineno}\\n")
warnings.showwarning = _record
warnings.simplefilter("always", EncodingWarning)
"""


def _warned_env(tmp_path: Path) -> tuple[dict, Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "encoding-warnings.log"
    return {**os.environ, "PYTHONWARNDEFAULTENCODING": "1", "ENCODING_WARNINGS_LOG": str(log),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}, log


# The names of the files a bundle ships (its tests, helpers, stub): found wherever the engine
# or the student unpacked them (the grader's workers use temporary folders).
SHIPPED_NAMES = {p.name for p in [*(ROOT / "assignments").rglob("*.py"), *(ROOT / "solutions").rglob("*.py")]}


def _ours(log: Path, *folders: Path) -> list[str]:
    """The logged warnings raised in the course's own files (third-party libraries left out)."""
    if not log.exists():
        return []
    roots = [os.path.realpath(f) + os.sep for f in folders]
    found = set()
    for entry in log.read_text(encoding="utf-8").splitlines():
        cwd, filename, line = entry.split("\0")
        path = os.path.realpath(os.path.join(cwd, filename))
        if "site-packages" not in path and (any(path.startswith(r) for r in roots)
                                            or os.path.basename(path) in SHIPPED_NAMES):
            found.add(f"{path}:{line}")
    return sorted(found)


@pytest.fixture(scope="module")
def student_zips(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([COURSE, "build", "convolution", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out / "student"


@pytest.mark.parametrize("slug, questions", [("convolution", ["q6_conv_demo"])])  # yolo's: the static scan (11 s more)
def test_otter_check_on_the_student_bundle_reads_text_as_utf8(student_zips, tmp_path, slug, questions):
    """`otter check <slug>.py -q <question>` in the unzipped bundle, the solution in place: the
    tests, helpers and the solution's own file readers name their encoding."""
    with zipfile.ZipFile(student_zips / f"{slug}.zip") as zf:
        zf.extractall(tmp_path)
    folder = tmp_path / slug
    shutil.copy(ROOT / "solutions" / slug / f"{slug}.py", folder / f"{slug}.py")
    env, log = _warned_env(tmp_path)
    for q in questions:
        proc = subprocess.run([str(VENV_BIN / "otter"), "check", f"{slug}.py", "-q", q], cwd=folder, env=env,
                              capture_output=True, text=True, encoding="utf-8", timeout=900)
        out = proc.stdout + proc.stderr
        assert "All tests passed!" in out, out[-3000:]
    assert log.exists(), "the sitecustomize saw no EncodingWarning at all (otter's own reads raise some)"
    assert not _ours(log, folder, ROOT), _ours(log, folder, ROOT)


def test_course_grade_reads_text_as_utf8(tmp_path):
    """`course grade convolution` with the solution: the judge runs every test file, hidden
    ones too (q6 reads its answers from hidden/answers.json)."""
    env, log = _warned_env(tmp_path)
    sub = tmp_path / "subs" / "convolution.py"
    sub.parent.mkdir()
    shutil.copy(ROOT / "solutions/convolution/convolution.py", sub)
    proc = subprocess.run([COURSE, "--root", str(ROOT), "grade", "convolution", str(sub), "--out", str(tmp_path / "out"), "--jobs", "1",
                           "--no-similarity"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    grades = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8")
    assert ",graded," in grades, grades
    assert not _ours(log, ROOT), _ours(log, ROOT)


def test_what_otter_check_reads_in_the_locale_encoding_is_ascii(student_zips):
    """otter check (third-party) opens the stub and every test file without an encoding, and a
    student's code reads the assets with plain open(): ASCII reads the same in every code page.
    The README and the notebook are read as UTF-8 by their viewers and Jupyter."""
    sources = [p for p in (ROOT / "assignments").rglob("*.py")]
    wrong = [str(p.relative_to(ROOT)) for p in sources if not p.read_bytes().isascii()]
    with zipfile.ZipFile(student_zips / "convolution.zip") as zf:
        wrong += [n for n in zf.namelist() if n.endswith((".py", ".json", ".txt", ".cfg", ".csv"))
                  and not zf.read(n).isascii()]
    assert not wrong, wrong
