"""The build: deterministic zips, hidden cases stripped with points kept, no leaks, and a
Gradescope zip whose run_autograder grades a submission into a valid results.json."""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from autograder import testfiles
from autograder.build.leaks import LeakError
from autograder.build.notebook import percent_to_notebook
from conftest import MINI_Q1, VENV_BIN, run_course


def zip_texts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.fixture
def built(mini_course):
    run_course("--root", mini_course, "build", "--out", mini_course / "dist")
    return mini_course / "dist"


def test_two_builds_are_byte_identical(mini_course, built):
    run_course("--root", mini_course, "build", "--out", mini_course / "dist2")
    for kind in ("student", "autograder"):
        a, b = built / kind / "mini.zip", mini_course / "dist2" / kind / "mini.zip"
        assert a.read_bytes() == b.read_bytes(), f"{kind} zip differs between two builds"


def test_student_zip_contents(built):
    files = zip_texts(built / "student" / "mini.zip")
    assert sorted(files) == sorted([
        "mini/README.md", "mini/assets/numbers.txt", "mini/mini.py", "mini/requirements.txt",
        "mini/tests/q1_add.py", "mini/tests/q2_scale.py", "mini/walkthrough.ipynb"])
    readme = files["mini/README.md"].decode()
    assert "# Mini assignment" in readme and "Add and scale numbers." in readme
    assert "otter check mini.py" in readme and "| `q1_add` | 3 |" in readme and "**5**" in readme
    assert "Friday 01 January 2027" in readme
    reqs = files["mini/requirements.txt"].decode().split()
    assert "otter-grader==7.0.0" in reqs and "numpy==2.4.6" in reqs
    assert not any(r.startswith("tensorflow") for r in reqs), "mini imports no TensorFlow"
    nb = json.loads(files["mini/walkthrough.ipynb"])
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any('grader.check("q1_add")' in c for c in code) and any("from mini import *" in c for c in code)


def test_no_hidden_case_and_no_solution_in_student_zip(built, mini_course):
    files = zip_texts(built / "student" / "mini.zip")
    everything = b"\n".join(files.values())
    assert b"marker_7f3a" not in everything, "a hidden case's name reached the student zip"
    assert b"hidden=True" not in everything
    assert b"-38" not in everything, "a hidden case's expected value reached the student zip"
    assert b"total = a + b" not in everything and b"scaled =" not in everything


def test_strip_keeps_points_of_remaining_cases():
    stripped = testfiles.strip_hidden(MINI_Q1, "q1_add.py")
    full = testfiles.load(Path("q1_add.py"), MINI_Q1)
    public = testfiles.load(Path("q1_add.py"), stripped)
    full_public = {c.name: c.points for c in testfiles.cases(full) if not c.hidden}
    assert {c.name: c.points for c in testfiles.cases(public)} == full_public
    assert public.possible == 1


def test_strip_pins_points_otter_would_have_spread():
    source = (
        "from otter.test_files import test_case\nname = 'q'\npoints = 6\n"
        "@test_case()\ndef a(f):\n    pass\n"
        "@test_case(hidden=True)\ndef b(f):\n    pass\n"
        "@test_case()\ndef c(f):\n    pass\n")
    before = {c.name: c.points for c in testfiles.cases(testfiles.load(Path("q.py"), source))}
    assert before == {"q - 1": 2, "q - 2": 2, "q - 3": 2}
    stripped = testfiles.strip_hidden(source, "q.py")
    after = testfiles.cases(testfiles.load(Path("q.py"), stripped))
    assert [c.points for c in after] == [2, 2], f"points changed after stripping: {stripped}"
    assert "def b" not in stripped


def test_leak_guard_stops_a_stub_carrying_the_solution(mini_course):
    stub = mini_course / "assignments/mini/mini.py"
    stub.write_text(stub.read_text().replace('raise NotImplementedError("add")', "total = a + b\n    return total"))
    proc = run_course("--root", mini_course, "build", "--out", mini_course / "dist", check=False)
    assert proc.returncode == 2
    assert "build error" in proc.stderr and "mini/mini.py: function add has the body of solution function add" in proc.stderr
    assert not (mini_course / "dist/student/mini.zip").exists(), "a leaking zip must not be written"


def test_leak_guard_stops_solution_code_in_the_notebook(mini_course):
    nb = mini_course / "assignments/mini/templates/walkthrough.py.j2"
    nb.write_text(nb.read_text() + "\n# %%\nscaled = np.asarray(x, dtype=np.float64) * float(k)\nreturn_value = scaled\n")
    proc = run_course("--root", mini_course, "build", "--out", mini_course / "dist", check=False)
    assert proc.returncode == 2 and "walkthrough.ipynb" in proc.stderr, proc.stderr


def test_leak_guard_stops_hidden_cases(mini_course):
    from autograder.build import leaks
    files = {"mini/tests/q1_add.py": MINI_Q1.encode()}
    with pytest.raises(LeakError, match="hidden"):
        leaks.check(files, "def f():\n    return 1\n", "def f():\n    raise NotImplementedError\n",
                    {"tests/q1_add.py": MINI_Q1})


def test_template_error_names_the_file(mini_course):
    (mini_course / "assignments/mini/templates/README.md.j2").write_text("{% block intro %}{{ nope }}{% endblock %}")
    proc = run_course("--root", mini_course, "build", "--out", mini_course / "dist", check=False)
    assert proc.returncode == 2 and "README.md.j2" in proc.stderr and "nope" in proc.stderr


def test_percent_format_to_notebook():
    nb = json.loads(percent_to_notebook("# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n\n# %%\nprint(x)\n"))
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code", "code"]
    assert "".join(nb["cells"][0]["source"]) == "# Title\n\ntext"
    assert [c["id"] for c in nb["cells"]] == ["cell-000", "cell-001", "cell-002"]


def test_autograder_zip_layout_and_no_solution(built, mini_course):
    files = zip_texts(built / "autograder" / "mini.zip")
    for name in ("setup.sh", "run_autograder", "requirements.txt", "constraints.txt", "bundle/grading.json",
                 "bundle/tests/q1_add.py", "bundle/assets/numbers.txt"):
        assert name in files, f"{name} missing from the autograder zip"
    # The engine travels as a wheel that setup.sh installs as a package.
    wheels = [n for n in files if n.startswith("engine/") and n.endswith("-py3-none-any.whl")]
    assert len(wheels) == 1, sorted(files)
    with zipfile.ZipFile(io.BytesIO(files[wheels[0]])) as wz:
        names = set(wz.namelist())
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = [line.split(",") for line in wz.read(record).decode().splitlines()]
        for path, digest, size in rows:
            if path == record:
                continue
            data = wz.read(path)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
    assert "autograder/sandbox/zygote.py" in names and "autograder/gradescope.py" in names
    assert {p for p, *_ in rows} == names, "RECORD must list every file of the wheel"
    reqs = files["requirements.txt"].decode().split()
    assert "otter-grader==7.0.0" in reqs and "numpy==2.4.6" in reqs
    assert not any(r.startswith(("tensorflow", "keras", "opencv")) for r in reqs), "mini imports no TensorFlow"
    assert not any(r.startswith("otter-grader==") for r in files["constraints.txt"].decode().split()), \
        "constraints.txt pins only what requirements.txt does not"
    assert b"marker_7f3a" in files["bundle/tests/q1_add.py"], "the grader needs the hidden cases"
    solution = (mini_course / "solutions/mini/mini.py").read_bytes()
    assert all(data != solution for data in files.values())
    assert not any(b"total = a + b" in d for d in files.values())
    with zipfile.ZipFile(built / "autograder" / "mini.zip") as zf:
        mode = zf.getinfo("run_autograder").external_attr >> 16
    assert mode & 0o111, "run_autograder must be executable"


def run_autograder(zip_path: Path, submission: Path, root: Path, engine: str) -> dict:
    """Lay the zip out as Gradescope does (/autograder/source, /autograder/submission) and run it."""
    source = root / "source"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(source)
    (source / "run_autograder").chmod(0o755)
    (root / "submission").mkdir(parents=True)
    shutil.copy(submission, root / "submission" / submission.name)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": str(VENV_BIN / "python"),
           "AUTOGRADER_ENGINE": engine}
    proc = subprocess.run([str(source / "run_autograder")], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("engine", ["inprocess", "sandbox"])
def test_run_autograder_gives_the_solution_full_marks(built, mini_course, tmp_path, engine):
    results = run_autograder(built / "autograder" / "mini.zip", mini_course / "solutions/mini/mini.py",
                             tmp_path / "autograder", engine)
    assert results["score"] == 5
    assert {t["name"]: (t["score"], t["max_score"], t["visibility"]) for t in results["tests"]} == {
        "q1_add": (1, 1, "visible"), "q1_add (hidden)": (2, 2, "after_published"), "q2_scale": (2, 2, "visible")}


def test_run_autograder_hides_hidden_failures(built, mini_course, tmp_path):
    wrong = tmp_path / "mini.py"
    wrong.write_text("def add(a, b):\n    return 5\n\ndef scale(x, k):\n    return x\n")
    results = run_autograder(built / "autograder" / "mini.zip", wrong, tmp_path / "autograder", "sandbox")
    assert results["score"] == 1
    hidden = next(t for t in results["tests"] if t["name"] == "q1_add (hidden)")
    assert hidden["score"] == 0 and "-38" not in json.dumps(results) and "marker" not in hidden["output"].replace(
        "test_hidden_negative_marker_7f3a", "")


# --- requirements: one course-wide student file; per-assignment Gradescope zips --------------

def _real_course():
    from autograder.config import load_course
    from conftest import ROOT
    return load_course(ROOT)


def _sources(a) -> list[str]:
    return [a.stub.read_text(encoding="utf-8")] + [p.read_text(encoding="utf-8") for p in sorted(a.tests_dir.glob("*.py"))]


def test_every_student_bundle_ships_the_course_wide_requirements():
    from autograder.build import requirements as R
    course = _real_course()
    text = (course.root / "requirements.txt").read_text()
    for a in course.assignments:
        assert R.student_requirements(a, _sources(a)) == text, a.slug
    lines = R.requirement_lines(text)
    names = {R._name(l) for l in lines}
    assert {"jupyterlab", "otter-grader", "ipykernel"} <= names, "students need Jupyter and otter in the one venv"
    # Same versions as the lock the grader and the development venv use; the macOS alternative
    # of tensorflow-cpu is the same release.
    lock = R.pins()
    for line in lines:
        name, version = R._name(line), line.split("==", 1)[1].split(";")[0].strip()
        base = R.ALTERNATIVES.get(name, name)
        assert base not in lock or version == lock[base], f"{line}: the lock has {lock.get(base)}"
    assert {R.ALTERNATIVES.get(n, n) for n in names} - set(lock) == {"jupyterlab"}, "only Jupyter is students-only"
    tf = [l for l in lines if R._name(l) in ("tensorflow", "tensorflow-cpu")]
    assert sorted(tf) == ['tensorflow-cpu==2.21.0 ; sys_platform != "darwin"', 'tensorflow==2.21.0 ; sys_platform == "darwin"']


def test_gradescope_requirements_are_the_assignments_own():
    from autograder.build import requirements as R
    course = _real_course()
    reqs = {a.slug: R.grader_requirements(a, _sources(a)) for a in course.assignments}
    assert "tensorflow" not in reqs["image_tensors"] and "keras" not in reqs["image_tensors"], reqs["image_tensors"]
    for slug in ("convolution", "activations", "pooling", "classifier_swap", "yolo"):
        assert 'tensorflow-cpu==2.21.0 ; sys_platform != "darwin"' in reqs[slug].splitlines(), (slug, reqs[slug])
    assert "opencv-python-headless==5.0.0.93" in reqs["yolo"] and "opencv" not in reqs["image_tensors"]
    for slug, text in reqs.items():
        names = {R._name(l) for l in R.requirement_lines(text)}
        assert {"otter-grader", "numpy", "pyyaml", "rich"} <= names, slug
        assert "jupyterlab" not in names and "ipykernel" not in names, f"{slug}: the grader needs no Jupyter"


WIDE = {"COLUMNS": "500"}  # rich wraps long error lines at the terminal width


def test_course_requirements_errors_name_the_file(mini_course):
    req = mini_course / "requirements.txt"
    req.write_text("numpy\notter-grader==7.0.0\n")
    proc = run_course("--root", mini_course, "build", "--out", mini_course / "dist", check=False, env=WIDE)
    assert proc.returncode == 2 and "requirements.txt" in proc.stderr and "'numpy'" in proc.stderr, proc.stderr
    assert "pinned" in proc.stderr
    req.write_text("numpy==2.4.6\n")
    proc = run_course("--root", mini_course, "build", "--out", mini_course / "dist", check=False, env=WIDE)
    assert proc.returncode == 2 and "requirements.txt" in proc.stderr and "otter-grader" in proc.stderr, proc.stderr


def test_course_requirements_reach_both_zips(mini_course):
    text = ("# the course\nnumpy==2.4.6\nscipy==1.17.1\npillow==13.0.0\nscikit-image==0.26.0\nmatplotlib==3.11.2\n"
            "otter-grader==7.0.0\nipykernel==7.4.0\njupyterlab==4.6.6\n")
    (mini_course / "requirements.txt").write_text(text)
    run_course("--root", mini_course, "build", "--out", mini_course / "dist")
    student = zip_texts(mini_course / "dist/student/mini.zip")
    assert student["mini/requirements.txt"].decode() == text
    grader = zip_texts(mini_course / "dist/autograder/mini.zip")["requirements.txt"].decode().split()
    # The engine's own libraries come from the lock when students do not need them.
    assert grader == ["numpy==2.4.6", "otter-grader==7.0.0", "pyyaml==6.0.4", "rich==15.0.0"], grader
