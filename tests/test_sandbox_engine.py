"""The sandbox engine itself: proxies and handles (a Keras model through a handle), what the
runner can see, faults and restarts, per-case output, and the degraded mode without bubblewrap.
The attacks of issue 3 are in test_sandbox_attacks.py."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import numpy as np
import psutil
import pytest

from autograder.build.bundle import bundle_for
from autograder.config import load_course
from autograder.grading import grade_path
from autograder.grading.engine import RunnerFault, SubmissionExit
from autograder.sandbox import Handle, RemoteError, SandboxEngine
from autograder.sandbox.zygote import DEFAULT_PRELOAD, LIGHT_PRELOAD

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sandbox_course"
UID_RANGE = range(61000, 65000)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def course():
    return load_course(FIXTURE)


@pytest.fixture(scope="module")
def bundle(course):
    return bundle_for(course.get("tiny"), course.seed)


@pytest.fixture(scope="module")
def engine():
    e = SandboxEngine(preload=DEFAULT_PRELOAD)  # numpy, scipy, PIL, skimage, matplotlib, TensorFlow, Keras
    yield e
    e.close()


@pytest.fixture
def open_session(engine, bundle):
    sessions = []

    def _open(source: str):
        s = engine.open(bundle, source, "tiny.py")
        sessions.append(s)
        return s

    yield _open
    for s in sessions:
        s.close()


KERAS_SUBMISSION = '''
import keras
import numpy as np

def build(units):
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, name="dense")])

def count(model):
    return model.count_params()

def first_layer_name(model):
    return model.layers[0].name
'''


def test_keras_model_through_a_handle(open_session):
    s = open_session(KERAS_SUBMISSION)
    assert s.import_error is None
    model = s.env["build"](3)
    assert isinstance(model, Handle)
    assert model.count_params() == 4 * 3 + 3
    x = np.ones((2, 4), dtype="float32")
    y = model.predict(x, verbose=0)
    assert type(y) is np.ndarray and y.shape == (2, 3) and y.dtype == np.float32
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(y, x @ w + b, rtol=1e-5)
    assert model.output_shape == (None, 3)
    assert s.env["count"](model) == 15  # a handle passed back as an argument
    assert s.env["first_layer_name"](model) == "dense"
    # Never decided by the runner: equality, truth, hashing, conversion to an array.
    assert model == model and model != s.env["build"](3) and not (model == 15)
    assert hash(model) == object.__hash__(model)
    with pytest.raises(TypeError):
        bool(model)
    with pytest.raises(TypeError):
        np.asarray(model)
    with pytest.raises(TypeError):
        np.allclose(model, 1.0)


def test_env_mapping_and_builtin_exceptions(open_session):
    s = open_session('''
import numpy as np
TABLE = {"a": 1}
SIZE = 3
class Odd(ValueError):
    pass
class Mine(Exception):
    pass
def odd(): raise Odd("bad value")
def missing(path): return open(path)
def key(): return {}["nope"]
def mine(): raise Mine("custom")
def gen(n):
    for i in range(n):
        yield i * i
''')
    env = s.env
    assert env["SIZE"] == 3 and env["TABLE"] == {"a": 1}
    assert env.get("not_there", None) is None and env.get("not_there", 5) == 5
    assert "odd" in env and "not_there" not in env
    with pytest.raises(ValueError, match="bad value"):
        env["odd"]()
    with pytest.raises(FileNotFoundError):
        env["missing"]("no/such/file.txt")
    with pytest.raises(KeyError):
        env["key"]()
    with pytest.raises(RemoteError, match="Mine: custom"):
        env["mine"]()
    assert list(env["gen"](4)) == [0, 1, 4, 9]  # iteration forwarded; values come back as data


def test_runner_sees_no_tests_hidden_or_solutions(open_session, bundle):
    s = open_session(f'''
import os
def look():
    seen = {{}}
    for d in [".", "..", "/", "/tmp", {str(bundle.root)!r}, {str(bundle.root / "hidden")!r},
              {str(bundle.root / "tests")!r}, {str(FIXTURE / "solutions")!r}, {str(HERE.parent / "solutions")!r}]:
        try:
            seen[d] = sorted(os.listdir(d))
        except OSError as e:
            seen[d] = type(e).__name__
    names = []
    for root, dirs, files in os.walk("/"):
        if root.startswith(("/proc", "/sys", "/usr")) or "site-packages" in root or "/lib/python3" in root:
            dirs[:] = []
            continue
        names += files
    return seen, names, os.getuid(), os.getcwd()
''')
    seen, names, uid, cwd = s.env["look"]()
    assert sorted(seen["."]) == ["assets", "tiny.py"]
    assert seen[str(bundle.root)] in ("FileNotFoundError", "PermissionError")
    assert seen[str(bundle.root / "hidden")] in ("FileNotFoundError", "PermissionError")
    assert seen[str(bundle.root / "tests")] in ("FileNotFoundError", "PermissionError")
    assert seen[str(FIXTURE / "solutions")] == "FileNotFoundError"
    assert not {"golden.json", "q1_basics.py", "q2_arrays.py", "grading.json"} & set(names), names
    assert uid in UID_RANGE and cwd.startswith("/tmp/run-")
    assert "tests" not in seen["."] and "hidden" not in seen["."]


def test_faults_restart_the_runner_and_keep_grading(open_session):
    s = open_session('''
import os, ctypes, sys
COUNT = [0]
def bump():
    COUNT[0] += 1
    return COUNT[0]
def spin():
    while True:
        pass
def crash():
    ctypes.string_at(0)
def leave():
    os._exit(3)
def stop():
    sys.exit(2)
def big(n):
    import numpy as np
    return np.ones(n, dtype=np.uint8)
''')
    assert s.env["bump"]() == 1
    with pytest.raises(RunnerFault) as fault:
        s.env["spin"]()
    assert fault.value.kind == "timeout" and fault.value.reason == "timed out after 4 s"
    s.after_fault()
    assert s.env["bump"]() == 1  # a fresh runner, module imported again
    with pytest.raises(RunnerFault) as fault:
        s.env["crash"]()
    assert fault.value.kind == "crashed" and "segmentation fault" in fault.value.reason
    s.after_fault()
    assert s.env["bump"]() == 1
    with pytest.raises(SubmissionExit, match="sys.exit"):
        s.env["stop"]()
    assert s.env["bump"]() == 2  # sys.exit in a call fails that call only: same runner
    with pytest.raises(SubmissionExit, match="exited"):
        s.env["leave"]()
    assert s.env["bump"]() == 1  # os._exit: restarted on the next call
    with pytest.raises(RunnerFault, match=r"ran out of memory \(limit 1 GiB\)"):
        s.env["big"](2 * 2**30)
    s.after_fault()
    assert s.env["big"](10).shape == (10,)


def test_answers_over_the_size_cap_are_refused(bundle):
    e = SandboxEngine(preload=("numpy",), max_message_mb=1)
    try:
        s = e.open(bundle, "import numpy as np\ndef big(n):\n    return np.zeros(n, dtype=np.uint8)\n", "tiny.py")
        assert s.env["big"](1000).shape == (1000,)
        with pytest.raises(RunnerFault, match="could not be read"):
            s.env["big"](4 * 2**20)
        s.after_fault()
        assert s.env["big"](10).shape == (10,)
        s.close()
    finally:
        e.close()


def test_output_is_kept_per_case_and_capped(engine, bundle, tmp_path):
    sub = tmp_path / "tiny.py"
    sub.write_text((FIXTURE / "solutions" / "tiny" / "tiny.py").read_text().replace(
        "    return a + b", "    print('adding', a, b)\n    return a + b") + "\nprint('imported')\n")
    r = grade_path(bundle, sub, engine)
    assert r.score == 6, r
    assert r.output.startswith("imported\n")
    assert "[q1_basics - 1]\nadding 2 3" in r.output and "[q1_basics - 2]\nadding 0.25 0.5" in r.output


def test_template_preloads_tensorflow_only_where_used(bundle):
    e = SandboxEngine()
    assert e.preload_for(bundle, "import numpy as np\n") == LIGHT_PRELOAD  # the fixture's tests use numpy only
    assert e.preload_for(bundle, "import keras\n") == DEFAULT_PRELOAD
    assert "tensorflow" in DEFAULT_PRELOAD and "keras" in DEFAULT_PRELOAD
    e.close()


def test_without_bubblewrap_degrades_to_a_warning_and_still_grades(bundle, course, capfd, tmp_path):
    e = SandboxEngine(bwrap=False, preload=("numpy",))
    try:
        err = capfd.readouterr().err
        assert "warning: sandbox:" in err and "bubblewrap" in err and "WITHOUT" in err
        assert err.count("warning: sandbox:") == 1
        assert e.protections["bubblewrap"] is False and e.protections["user switch"] is (os.geteuid() == 0)
        a = course.get("tiny")
        assert grade_path(bundle, a.solution, e).score == 6
        assert grade_path(bundle, a.stub, e).score == 0
        forks = tmp_path / "forks.py"
        token = str(uuid.uuid4().int)[:9]
        forks.write_text((HERE / "attacks" / "a07_fork_children.py").read_text().replace("{{TOKEN}}", token))
        r = grade_path(bundle, forks, e)
        assert r.score == 6 and "SPAWNED 50" in r.output
        left = [p.pid for p in psutil.process_iter(["name", "cmdline", "uids"])
                if token in " ".join([p.info["name"] or "", *(p.info["cmdline"] or [])])
                or (p.info["uids"] and p.info["uids"].real in e.used_uids)]
        assert not left
    finally:
        e.close()
    assert "warning: sandbox:" not in capfd.readouterr().err  # once per process, not per submission
