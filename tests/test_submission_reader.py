"""One submission reader (autograder/submission): the same bad submission gets the same sentence
through `course grade` (a batch folder, read by the workers), `grade_path` (what `course validate`
grades with) and `course gradescope` run the way the autograder zip runs it (run_autograder with
AUTOGRADER_ROOT). And a student never reads one of the framework's class names: a call that
times out inside a test's `except Exception` reads as a plain sentence in every output file."""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, run_course, write_mini_course
from test_batch_support import sandbox_works

from autograder import messages as M
from autograder.config import load_course
from autograder.build.bundle import bundle_for
from autograder.grading import grade_path, make_engine
from autograder.grading.results import gradescope_json
from autograder.status import Status

EXPECTED = "mini.py"
SOLUTION_ADD = "def add(a, b):\n    return a + b\n"


def _zip(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, target)
    return buf.getvalue()


# Each bad submission as the folder of files a student hands in (Gradescope unpacks an upload
# into such a folder), with the sentence it must get everywhere (a regular expression).
def _cases() -> dict[str, tuple[dict, str]]:
    ok = SOLUTION_ADD.encode()
    return {
        "traversal": ({"up.zip": _zip({f"../../{EXPECTED}": ok})},
                      r"^the zip has an entry pointing outside the folder it unpacks to \('\.\./\.\./mini\.py', "
                      r"a 'zip slip'\); it was not unpacked$"),
        "bomb": ({"up.zip": _zip({EXPECTED: ok, "pad.bin": b"\0" * (101 * 2**20)})},
                 r"^the zip would unpack to 101 MB, more than the limit of 100 MB \(a zip bomb\?\); "
                 r"it was not unpacked$"),
        "zip_symlink": ({"up.zip": _zip({}, symlinks={EXPECTED: "/etc/passwd"})},
                        r"^the zip holds a symbolic link \('mini\.py'\); symbolic links are not accepted, "
                        r"zip the file itself$"),
        "symlink": ({EXPECTED: ("symlink", "/etc/passwd")},
                    r"^the folder holds a symbolic link \(mini\.py\); symbolic links are not accepted$"),
        "two": ({"a.py": ok, "b.py": ok},
                r"^no file named mini\.py, and several candidates \(a\.py, b\.py\): submit mini\.py$"),
        "none": ({"notes.txt": b"I did it in my head\n"},
                 r"^no mini\.py \(nor any \.py or \.ipynb file\) in the submission$"),
        "notebook": ({"mini.ipynb": b"{ not a notebook"},
                     r"^mini\.ipynb is not a valid Jupyter notebook \(not notebook JSON: .+\)$"),
        "latin1": ({EXPECTED: "def add(a, b):\n    return a + b  # café\n".encode("latin-1")},
                   r"^mini\.py is not UTF-8 text \(line 2, byte 38: b'\\xe9'\): it was saved in another encoding "
                   r"\(Windows' ANSI, Latin-1\); save it as UTF-8$"),
        "big": ({EXPECTED: b"#" * (4 * 2**20 + 100)},
                r"^mini\.py is 4\.0 MB, more than the limit of 4 MB for a \.py file$"),
    }


def _write_folder(folder: Path, files: dict) -> None:
    folder.mkdir(parents=True)
    for name, data in files.items():
        if isinstance(data, tuple):
            os.symlink(data[1], folder / name)
        else:
            (folder / name).write_bytes(data)


def _reason(output: str) -> str:
    """The reason in a results.json `output` ("Status: rejected. <reason>")."""
    m = re.fullmatch(r"Status: rejected\. (.*)", output, flags=re.S)
    assert m, output
    return m.group(1)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = write_mini_course(tmp_path_factory.mktemp("reader") / "course")
    return root


@pytest.fixture(scope="module")
def bundle(course):
    c = load_course(course)
    return bundle_for(c.get("mini"), c.seed)


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """{case: folder}, plus each zip case's zip as a file of its own (alice-style)."""
    base = tmp_path_factory.mktemp("subs")
    folders, zips = {}, {}
    for case, (files, _) in _cases().items():
        _write_folder(base / "folders" / case, files)
        folders[case] = base / "folders" / case
        if "up.zip" in files:
            (base / "zips").mkdir(exist_ok=True)
            zips[case] = base / "zips" / f"{case}.zip"
            zips[case].write_bytes(files["up.zip"])
    return folders, zips


@pytest.fixture(scope="module")
def batch(course, submissions, tmp_path_factory):
    """`course grade` over every folder and every zip: {(shape, case): results.json output}."""
    folders, zips = submissions
    out = tmp_path_factory.mktemp("batch") / "out"
    proc = run_course("--root", course, "grade", "mini", folders["traversal"].parent, zips["traversal"].parent,
                      "--out", out, "--engine", "inprocess", "--jobs", "1", "--no-similarity",
                      cwd=course, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    # A folder and a zip of the same case share a name: the zip (later by path) is `<case>-2`.
    got = {case: [case] + ([f"{case}-2"] if case in zips else []) for case in folders}
    assert sorted(n for names in got.values() for n in names) == sorted(rows), sorted(rows)
    return out, rows, got


def _rejected_reasons_from_batch(out: Path, rows: dict, names: list[str]) -> list[str]:
    reasons = []
    for n in names:
        assert rows[n]["status"] == "rejected", rows[n]
        data = json.loads((out / "results" / f"{n}.json").read_text())
        reasons.append(_reason(data["output"]))
    return reasons


def _gradescope(root: Path, bundle_dir: Path, folder: Path) -> str:
    """Run the zip's run_autograder against a submission folder; the results.json output."""
    if root.exists():
        shutil.rmtree(root)
    (root / "source").mkdir(parents=True)
    shutil.copytree(bundle_dir, root / "source" / "bundle")
    shutil.copytree(folder, root / "submission", symlinks=True)
    script = root / "run_autograder"
    shutil.copy(ROOT / "autograder" / "templates" / "run_autograder", script)
    script.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "AUTOGRADER_ENGINE": "inprocess"}
    proc = subprocess.run([str(script)], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0, data
    return _reason(data["output"])


@pytest.mark.parametrize("case", list(_cases()))
def test_the_same_sentence_through_grade_validate_and_gradescope(case, bundle, submissions, batch, tmp_path):
    folders, zips = submissions
    pattern = _cases()[case][1]
    engine = make_engine("inprocess")
    try:
        direct = [grade_path(bundle, folders[case], engine)]
        if case in zips:
            direct.append(grade_path(bundle, zips[case], engine))
    finally:
        engine.close()
    assert all(r.status == Status.REJECTED and r.score == 0 for r in direct), [(r.status, r.reason) for r in direct]
    validate_style = [_reason(gradescope_json(r)["output"]) for r in direct]
    out, rows, names = batch
    from_batch = _rejected_reasons_from_batch(out, rows, names[case])
    from_gradescope = [_gradescope(tmp_path / "gs", bundle.root, folders[case])]
    everywhere = validate_style + from_batch + from_gradescope
    assert len(set(everywhere)) == 1, everywhere      # the same sentence, word for word
    assert len(everywhere) == (5 if case in zips else 3)  # folder (+ zip) direct, batch; Gradescope
    assert re.fullmatch(pattern, everywhere[0]), everywhere[0]


def test_an_honest_folder_beside_them_is_graded_in_full(bundle, course, tmp_path):
    folder = tmp_path / "honest"
    _write_folder(folder, {"mini.py": (course / "solutions/mini/mini.py").read_bytes(), "notes.txt": b"hi"})
    engine = make_engine("inprocess")
    try:
        result = grade_path(bundle, folder, engine)
    finally:
        engine.close()
    assert result.status == Status.GRADED and result.score == result.max_score == 5, result.reason
    # and a zip inside the folder is read one level deep (Gradescope unpacks the upload itself)
    zipped = tmp_path / "zipped"
    _write_folder(zipped, {"upload.zip": _zip({"hw/mini.py": (course / "solutions/mini/mini.py").read_bytes()})})
    engine = make_engine("inprocess")
    try:
        result = grade_path(bundle, zipped, engine)
    finally:
        engine.close()
    assert result.status == Status.GRADED and result.score == 5, result.reason


# --- b: statuses and messages -------------------------------------------------------------


def test_status_values_are_the_strings_grades_csv_always_had():
    assert [s.value for s in Status] == ["graded", "error", "timeout", "crashed", "rejected", "failed"]
    assert json.dumps({"s": Status.TIMEOUT}) == '{"s": "timeout"}' and f"{Status.ERROR}" == "error"


def test_no_status_string_is_typed_by_hand_outside_status_py():
    """No `x.status == "graded"` nor `GradeResult(..., "rejected", ...)` in autograder/, and the
    sandbox's fault kinds and import-failure rows are Status members."""
    found, values = [], {s.value for s in Status}
    for path in sorted((ROOT / "autograder").rglob("*.py")):
        if path.name == "status.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):  # `x.status == "graded"`
                sides = [node.left, *node.comparators]
                if any(isinstance(n, ast.Attribute) and n.attr == "status" for n in sides) and \
                        any(isinstance(n, ast.Constant) and n.value in values for n in sides):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "GradeResult":
                if any(isinstance(n, ast.Constant) and n.value in values for n in node.args):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found
    from autograder.sandbox.reasons import death_reason, import_failure
    assert import_failure({"exit": 3}, 512) == (Status.ERROR, "the submission called sys.exit(3) while being imported")
    assert isinstance(death_reason({"signal": 9, "signame": "SIGKILL"}, "during the call", 512)[0], Status)
    assert isinstance(M.import_syntax_error("bad", 1)[0], Status)


def _exception_class_names() -> set[str]:
    """Every exception class the grading, sandbox and submission packages define: what a test
    can meet while it runs. The transport's Timeout and Closed are left out: the session turns
    them into a RunnerFault before any test sees them (and they are ordinary words)."""
    import importlib
    import pkgutil

    import autograder
    names = set()
    for info in pkgutil.walk_packages(autograder.__path__, "autograder."):
        if info.name.split(".")[1] not in ("grading", "sandbox", "submission"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == info.name:
                names.add(value.__name__)
    return names - {"Timeout", "Closed"}


def test_messages_knows_every_exception_a_test_can_meet():
    assert _exception_class_names() <= set(M.INTERNAL_EXCEPTIONS)
    assert M.plain("add('a', 1): expected ValueError, got RunnerFault: timed out after 3 s") == \
        "add('a', 1): expected ValueError, got timed out after 3 s"
    assert M.plain("my own RunnerFault class") == "my own RunnerFault class"  # a student's word stays
    # the submission's own exception type, carried by RemoteError, is what the student reads
    assert M.plain("expected ValueError, got RemoteError: ShapeError: bad") == "expected ValueError, got ShapeError: bad"
    assert {"RunnerFault", "SubmissionExit", "SubmissionRejected"} <= _exception_class_names()


Q3 = '''\
"""Question 3: add refuses text."""
from otter.test_files import test_case
from _checks import expect_value_error

OK_FORMAT = False

name = "q3_errors"
points = 2

@test_case(points=1)
def test_add_refuses_text(add):
    expect_value_error("add('a', 1)", add, "a", 1)

@test_case(points=1)
def test_add_gives_a_number(add):
    got = add(2, 3)
    assert isinstance(got, (int, float)), f"add(2, 3): expected a number, got {type(got).__name__}"
'''

CHECKS = '''\
"""Helpers the mini tests share: what every course's tests do to check an error path."""


def expect_value_error(call, function, *args):
    try:
        function(*args)
    except ValueError:
        return
    except Exception as raised:
        raise AssertionError(f"{call}: expected ValueError, got {type(raised).__name__}: {raised}") from None
    raise AssertionError(f"{call}: expected ValueError, but nothing was raised")
'''


def test_a_timeout_in_an_error_path_case_names_no_class_of_ours(tmp_path):
    if not sandbox_works():
        pytest.skip("the sandbox engine does not run here (only it can stop a call that never returns)")
    root = write_mini_course(tmp_path / "course")
    yml = root / "assignments/mini/assignment.yml"
    yml.write_text(yml.read_text().replace("  - name: q2_scale\n    points: 2\n",
                                           "  - name: q2_scale\n    points: 2\n  - name: q3_errors\n    points: 2\n"))
    (root / "assignments/mini/tests/q3_errors.py").write_text(Q3)
    (root / "assignments/mini/tests/_checks.py").write_text(CHECKS)
    solution = (root / "solutions/mini/mini.py").read_text()
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "hang.py").write_text(solution.replace(
        "    total = a + b\n", "    while isinstance(a, str):\n        pass\n    total = a + b\n"))
    (subs / "honest.py").write_text(solution.replace(
        "    total = a + b\n", "    if isinstance(a, str):\n        raise ValueError('numbers only')\n    total = a + b\n"))
    # an object that cannot cross stays in the runner behind a handle: a test printing its type
    # names the student's class, never the grader's Handle
    (subs / "boxer.py").write_text(solution.replace(
        "    total = a + b\n", "    class Box:\n        pass\n    total = Box()\n"))
    out = tmp_path / "out"
    proc = run_course("--root", root, "grade", "mini", subs, "--out", out, "--timeout", "3", "--jobs", "1",
                      "--engine", "sandbox", "--no-similarity", cwd=tmp_path, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    assert float(rows["honest"]["score"]) == 7 and rows["honest"]["status"] == "graded", rows["honest"]
    assert float(rows["hang"]["score"]) == 6 and rows["hang"]["status"] == "graded", rows["hang"]
    assert float(rows["boxer"]["score"]) == 2 and rows["boxer"]["status"] == "graded", rows["boxer"]
    boxer = json.loads((out / "results/boxer.json").read_text())
    q3_boxer = next(t for t in boxer["tests"] if t["name"] == "q3_errors")["output"]
    assert "add(2, 3): expected a number, got Box" in q3_boxer, q3_boxer
    hang = json.loads((out / "results/hang.json").read_text())
    q3 = next(t for t in hang["tests"] if t["name"] == "q3_errors")
    assert "your function did not finish: timed out after 3 s" in q3["output"], q3
    assert "1 case(s) stopped early" in rows["hang"]["reason"], rows["hang"]
    names = sorted(_exception_class_names() | {"RunnerFault", "SubmissionExit", "Handle", "CallableHandle"})
    leak = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".json", ".csv", ".html", ".log", ".txt")]
    kinds = {p.parent.name if p.parent != out else p.name for p in files}
    assert {"results", "grades.csv", "logs"} <= kinds, kinds
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        m = leak.search(text)
        assert m is None, f"{p.relative_to(out)} names {m.group()}: ...{text[max(0, m.start() - 200):m.end() + 100]}"


def test_a_zip_inside_a_zip_is_never_opened_and_a_wrong_kind_reads_the_same_everywhere(tmp_path):
    """One level only: a folder may hold the zip to read (Gradescope unpacks an upload); a zip's
    own inner zip is refused with a sentence, never unpacked (no recursion for a bomb to ride)."""
    from autograder.submission import SubmissionRejected, read_bytes, read_path
    inner = _zip({EXPECTED: SOLUTION_ADD.encode()})
    with pytest.raises(SubmissionRejected, match=r"only a zip inside the zip \(inner\.zip\)"):
        read_bytes(_zip({"inner.zip": inner}), "alice.zip", EXPECTED)
    folder = tmp_path / "f"
    _write_folder(folder, {"outer.zip": _zip({"inner.zip": inner})})
    with pytest.raises(SubmissionRejected, match=r"only a zip inside the zip \(inner\.zip\)"):
        read_path(folder, EXPECTED)
    (tmp_path / "notes.docx").write_bytes(b"PK")
    sentences = set()
    for call in (lambda: read_path(tmp_path / "notes.docx", EXPECTED),
                 lambda: read_bytes(b"PK", "notes.docx", EXPECTED)):
        with pytest.raises(SubmissionRejected) as e:
            call()
        sentences.add(str(e.value))
    assert sentences == {"notes.docx: expected a .py, .ipynb or .zip file (or a folder)"}
