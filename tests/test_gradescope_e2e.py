"""The Gradescope autograder zip as Gradescope runs it, end to end and offline.

A real `course build` of the numpy-only image_tensors assignment is unzipped into a temporary
AUTOGRADER_ROOT; its own setup.sh builds a NEW environment from the zip alone: uv (installed by
pip from the wheelhouse `make wheelhouse` filled) provides Python 3.11, found on PATH because
Python downloads are off here (UV_PYTHON_DOWNLOADS=never: on Gradescope the same discovery
downloads one), and the engine is installed from the zip's wheel. Nothing comes from the checkout:
the environment is scrubbed, PATH holds no project venv, apt-get is a trap.
Then run_autograder grades a solution, the stub, a syntax error and a notebook; each results.json
must validate against Gradescope's schema.

COURSE_E2E_ZIP=path/to/image_tensors.zip runs the same test on another zip (e.g. one built from
an older commit, to see it fail). COURSE_WHEELHOUSE overrides the wheelhouse (default .wheelhouse).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, notebook_text, run_course

SLUG = "image_tensors"
WHEELHOUSE = Path(os.environ.get("COURSE_WHEELHOUSE", ROOT / ".wheelhouse"))

_NUMBER = {"type": "number"}
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
# Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/),
# with the fields this course always writes made required.
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["score", "execution_time", "output", "stdout_visibility", "tests"],
    "properties": {
        "score": _NUMBER,
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "tests": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "visibility", "output"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "visibility": _VISIBILITY,
                    "output": {"type": "string"},
                },
            },
        },
    },
}


def validate_results(data: dict) -> None:
    jsonschema.validate(data, RESULTS_SCHEMA)
    for t in data["tests"]:
        assert t["score"] <= t["max_score"], f"{t['name']}: score above max_score"
        assert t["status"] == ("passed" if t["score"] == t["max_score"] else "failed"), t
    assert abs(data["score"] - sum(t["score"] for t in data["tests"])) < 1e-9, "score is not the sum of the tests"


def _base_python311() -> Path:
    """A CPython 3.11 that is not the project's venv, for uv to discover on PATH: the base
    interpreter the development venv was made from (3.11.5+, as the lock needs)."""
    exe = Path(sys.base_prefix) / "bin" / "python3.11"
    assert exe.exists(), f"{exe}: no python3.11 beside the development venv's base interpreter"
    return exe


def scrubbed_env(root: Path, **extra: str) -> dict[str, str]:
    """No variable of the development shell: only what Gradescope would set, plus offline knobs."""
    trap = root / "trap"
    path = f"{trap}:/usr/local/bin:/usr/bin:/bin:{_base_python311().parent}"
    return {"PATH": path, "HOME": str(root / "home"), "LANG": "C.UTF-8", "AUTOGRADER_ROOT": str(root), **extra}


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory) -> Path:
    given = os.environ.get("COURSE_E2E_ZIP")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    run_course("build", SLUG, "--out", out)
    return out / "autograder" / f"{SLUG}.zip"


@pytest.fixture(scope="module")
def gradescope(tmp_path_factory, zip_path):
    """(root, setup.sh's CompletedProcess): the zip unzipped into root/source and set up."""
    if not (WHEELHOUSE / "requirements-image_tensors.txt").is_file():
        pytest.fail(f"{WHEELHOUSE}: no wheelhouse; `make wheelhouse` (a prerequisite of `make test`) fills it")
    root = tmp_path_factory.mktemp("autograder")
    (root / "home").mkdir()
    trap = root / "trap"
    trap.mkdir()
    for tool in ("apt-get", "apt"):
        (trap / tool).write_text(f'#!/bin/sh\necho "{tool} $* (called in an offline test)" >> "{root}/apt.log"\nexit 97\n')
        (trap / tool).chmod(0o755)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    env = scrubbed_env(
        root, AUTOGRADER_USE_UV="1", AUTOGRADER_APT="0",
        PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE),
        UV_OFFLINE="1", UV_FIND_LINKS=str(WHEELHOUSE), UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    proc = subprocess.run(["bash", "./setup.sh"], cwd=root / "source", env=env, capture_output=True,
                          text=True, timeout=900)
    yield root, proc
    shutil.rmtree(root, ignore_errors=True)


def run_autograder(root: Path, submission: Path, name: str | None = None) -> dict:
    sub = root / "submission"
    shutil.rmtree(sub, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    sub.mkdir()
    shutil.copy(submission, sub / (name or submission.name))
    # Gradescope copies run_autograder to /autograder/ and runs it from there.
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    proc = subprocess.run([str(root / "run_autograder")], cwd=root, env=scrubbed_env(root),
                          capture_output=True, text=True, timeout=600)
    results = root / "results" / "results.json"
    assert proc.returncode == 0 and results.is_file(), \
        f"run_autograder exited {proc.returncode}, results.json {'written' if results.is_file() else 'missing'}\n" \
        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    data = json.loads(results.read_text())
    validate_results(data)
    if shutil.which("bwrap"):
        # The zip's interpreter and engine must be reachable inside bubblewrap, not just outside.
        assert "bubblewrap refused" not in proc.stderr, proc.stderr[-3000:]
    # The zip's recorded oracles match the environment setup.sh made from its pins (issue 16).
    assert "its oracles are computed instead" not in proc.stderr, proc.stderr[-3000:]
    return data


def _setup_ok(gradescope):
    root, proc = gradescope
    apt = (root / "apt.log").read_text() if (root / "apt.log").exists() else ""
    assert proc.returncode == 0, f"setup.sh exited {proc.returncode}\n{apt}{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return root


def test_setup_builds_a_new_environment_from_the_zip_alone(gradescope, zip_path):
    root = _setup_ok(gradescope)
    assert not (root / "apt.log").exists(), (root / "apt.log").read_text()
    cfg = (root / "venv" / "pyvenv.cfg").read_text()
    assert "uv = " in cfg and "version_info = 3.11." in cfg, cfg
    probe = ("import autograder, importlib.util, json, sys; print(json.dumps({'file': autograder.__file__, "
             "'tf': importlib.util.find_spec('tensorflow') is not None, 'keras': importlib.util.find_spec('keras') "
             "is not None, 'path': sys.path}))")
    out = subprocess.run([str(root / "venv/bin/python"), "-I", "-c", probe], cwd="/", env=scrubbed_env(root),
                         capture_output=True, text=True, timeout=120, check=True)
    info = json.loads(out.stdout)
    site = root / "venv" / "lib" / "python3.11" / "site-packages"
    # Installed as a package (what `python -I -m autograder.sandbox.zygote` needs), not editable.
    assert Path(info["file"]).resolve() == (site / "autograder" / "__init__.py").resolve(), info["file"]
    assert not any(str(ROOT) in p for p in info["path"]), info["path"]
    assert not list(site.glob("__editable__*")) and not list(site.glob("*.egg-link"))
    for pth in site.glob("*.pth"):
        assert str(ROOT) not in pth.read_text(), f"{pth} points into the checkout"
    # The numpy-only assignment installs no TensorFlow, from the zip's own requirements on.
    with zipfile.ZipFile(zip_path) as zf:
        reqs = zf.read("requirements.txt").decode().lower()
    assert "tensorflow" not in reqs and "keras" not in reqs, reqs
    assert not info["tf"] and not info["keras"]


def test_the_zip_carries_the_recorded_oracles(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        data = zf.read("bundle/oracles.bin")
    assert data.startswith(b"ORACLES") and len(data) > 1000


def test_solution_gets_full_marks(gradescope):
    root = _setup_ok(gradescope)
    data = run_autograder(root, ROOT / "solutions" / SLUG / f"{SLUG}.py")
    max_score = sum(t["max_score"] for t in data["tests"])
    assert max_score > 0 and data["score"] == max_score, data["output"]
    assert all(t["status"] == "passed" for t in data["tests"])


def test_stub_gets_zero(gradescope):
    root = _setup_ok(gradescope)
    data = run_autograder(root, ROOT / "assignments" / SLUG / f"{SLUG}.py")
    assert data["score"] == 0 and all(t["status"] == "failed" for t in data["tests"])
    assert "NotImplementedError" in json.dumps(data)


def test_syntax_error_gets_zero_and_says_why(gradescope, tmp_path):
    root = _setup_ok(gradescope)
    bad = tmp_path / f"{SLUG}.py"
    bad.write_text("import numpy as np\n\ndef load_image(path:\n    return np.zeros(3)\n")
    data = run_autograder(root, bad)
    assert data["score"] == 0
    assert "SyntaxError" in data["output"] or "syntax" in data["output"].lower(), data["output"]


def test_notebook_submission_is_graded(gradescope, tmp_path):
    root = _setup_ok(gradescope)
    source = (ROOT / "solutions" / SLUG / f"{SLUG}.py").read_text()
    path = tmp_path / f"{SLUG}.ipynb"
    path.write_text(notebook_text("%matplotlib inline", source))
    data = run_autograder(root, path)
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0, data["output"]


def test_the_validator_rejects_what_gradescope_would():
    good = {"score": 1, "execution_time": 0.5, "output": "", "stdout_visibility": "hidden",
            "tests": [{"name": "q1", "score": 1, "max_score": 1, "status": "passed", "visibility": "visible",
                       "output": ""}]}
    validate_results(good)
    for broken in ({k: v for k, v in good.items() if k != "execution_time"},
                   {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
                   {**good, "tests": [{k: v for k, v in good["tests"][0].items() if k != "status"}]},
                   {**good, "stdout_visibility": "sometimes"},
                   {**good, "score": 2}):
        with pytest.raises((jsonschema.ValidationError, AssertionError)):
            validate_results(broken)
