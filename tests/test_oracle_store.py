"""The oracle store (issue 16): the tests' reference results recorded when the course is built
(autograder/grading/oracles.py, autograder/build/oracles.py) and used by `course grade`.

Through the real commands on a mini course whose helper reads the store, as the numpy
assignments' `_checks.oracle` do. The oracle function appends to a log file each time it really
runs, so a test can tell a stored result from a computed one; a poisoned store proves the judge
takes what the store says (so a store that is merely present but ignored would fail here)."""

from __future__ import annotations

import csv
import json
import os
import struct
import zipfile

import numpy as np
import pytest

from autograder.grading import oracles
from conftest import MINI_Q2, MINI_SOLUTION, run_course, write_mini_course
from test_batch_support import engine_args

CHECKS = '''\
"""Helpers the mini tests share."""
import os

try:  # the grader's results, recorded when the course was built
    from autograder.grading import oracles as _recorded
except ImportError:
    _recorded = None

_ORACLES = {}


def oracle(function, *args):
    key = ("oracle", function.__qualname__, repr(args))
    if key not in _ORACLES:
        _ORACLES[key] = _recorded.cached(key, function, args) if _recorded else function(*args)
    return _ORACLES[key]


def tripled(values):
    """The reference: values * 3. Each real run is logged, so a test can count them."""
    log = os.environ.get("MINI_ORACLE_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{values}\\n")
    import numpy as np
    return np.asarray(values, dtype=np.float64) * 3
'''

def _mini_q2_with_a_reference_case() -> str:
    """The mini course's q2 (conftest), its asset case replaced by a hidden case that asks the
    helper's oracle."""
    importing, asset_case = "from otter.test_files import test_case\n", "@test_case(points=1)\ndef test_scale_asset"
    assert importing in MINI_Q2 and asset_case in MINI_Q2, "conftest's MINI_Q2 changed: update this test"
    head = MINI_Q2[:MINI_Q2.index(asset_case)].replace(importing, importing + "from _checks import oracle, tripled\n")
    return head + '''@test_case(points=1, hidden=True)
def test_scale_vs_reference(scale):
    values = (1.0, 2.5, -4.0)
    np.testing.assert_allclose(scale(np.array(values), 3.0), oracle(tripled, values), err_msg="scale by 3")
'''


Q2 = _mini_q2_with_a_reference_case()

WRONG = MINI_SOLUTION.replace("* float(k)", "* float(k) + (k == 3.0)")  # wrong only where the oracle checks


def _course(tmp_path):
    root = write_mini_course(tmp_path / "course")
    (root / "assignments/mini/tests/_checks.py").write_text(CHECKS)
    (root / "assignments/mini/tests/q2_scale.py").write_text(Q2)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "honest.py").write_text(MINI_SOLUTION)
    (subs / "wrong.py").write_text(WRONG)
    return root, subs


def _grade(root, subs, out, log, *extra):
    proc = run_course("--root", root, "grade", "mini", subs, "--out", out, "--jobs", "1", "--no-similarity",
                      *engine_args(), *extra, env={"MINI_ORACLE_LOG": str(log)})
    with open(out / "grades.csv", newline="") as f:
        scores = {r["submission"]: float(r["score"]) for r in csv.DictReader(f)}
    return proc, scores


def _store(root):
    found = sorted((root / "build" / "oracles").glob("mini-*.bin"))
    assert len(found) == 1, found
    return found[0]


def test_build_records_once_and_grade_uses_the_store(tmp_path):
    root, subs = _course(tmp_path)
    log = tmp_path / "oracle.log"

    # Before any build: graded with the oracle computed, and a note saying how to record it.
    proc, scores = _grade(root, subs, tmp_path / "cold", log)
    assert scores == {"honest": 5.0, "wrong": 4.0}, scores
    assert "not recorded yet" in proc.stdout and "course build mini" in proc.stdout, proc.stdout
    assert log.read_text().count("\n") == 1  # one worker, one distinct input

    log.unlink()
    run_course("--root", root, "build", "--out", tmp_path / "dist", env={"MINI_ORACLE_LOG": str(log)})
    assert log.read_text().count("\n") == 1  # the build recorded it by running the solution once
    store = _store(root)
    with zipfile.ZipFile(tmp_path / "dist" / "autograder" / "mini.zip") as zf:
        assert zf.read("bundle/oracles.bin") == store.read_bytes()  # Gradescope's zip carries it
    run_course("--root", root, "build", "--out", tmp_path / "dist2", env={"MINI_ORACLE_LOG": str(log)})
    assert log.read_text().count("\n") == 1  # a second build finds it: nothing run again

    log.unlink()
    proc, scores = _grade(root, subs, tmp_path / "warm", log)
    assert scores == {"honest": 5.0, "wrong": 4.0}, scores  # the same verdicts
    assert not log.exists(), "the judge computed an oracle the store holds"
    assert "not recorded yet" not in proc.stdout

    # Recording a store does not make an earlier batch's results stale (its identity leaves it out).
    proc, _ = _grade(root, subs, tmp_path / "cold", log)
    assert "0 to grade, 2 already graded" in proc.stdout, proc.stdout


def test_the_judge_takes_what_the_store_says(tmp_path):
    """A poisoned store (every stored number doubled) fails the honest submission: proof that the
    grade comes from the store when it matches, and the reason the store is the build's alone."""
    root, subs = _course(tmp_path)
    run_course("--root", root, "build", "--out", tmp_path / "dist")
    store = _store(root)
    versions, values = oracles.loads(store.read_bytes())
    store.write_bytes(oracles.dumps({k: v * 2 for k, v in values.items()}, versions))
    log = tmp_path / "oracle.log"
    _, scores = _grade(root, subs, tmp_path / "out", log)
    assert scores == {"honest": 4.0, "wrong": 4.0}, scores
    assert not log.exists()


@pytest.mark.parametrize("damage", ["versions", "truncated", "magic"])
def test_a_foreign_or_damaged_store_is_ignored_with_a_note(tmp_path, damage):
    root, subs = _course(tmp_path)
    run_course("--root", root, "build", "--out", tmp_path / "dist")
    store = _store(root)
    data = store.read_bytes()
    if damage == "versions":
        versions, values = oracles.loads(data)
        store.write_bytes(oracles.dumps({k: v * 2 for k, v in values.items()}, dict(versions, numpy="0.0")))
    elif damage == "truncated":
        store.write_bytes(data[:-5])
    else:
        store.write_bytes(b"NOTANORACLESTORE" + data)
    log = tmp_path / "oracle.log"
    proc, scores = _grade(root, subs, tmp_path / "out", log)
    assert scores == {"honest": 5.0, "wrong": 4.0}, scores  # computed, so right even though doubled
    assert log.read_text().count("\n") == 1
    expected = {"versions": "other library versions (numpy)", "truncated": "truncated",
                "magic": "not an oracle store"}[damage]
    assert "oracles.bin" in proc.stderr and expected in proc.stderr, proc.stderr[-2000:]


def test_format_round_trip_is_exact():
    values = {
        "a": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        "b": (np.array([1, -2], np.int64), 3, 2.5, "text", None, True),
        "c": {"grad": np.array([[0.5, np.nan, np.inf]]), "n": np.int32(7)},
        "d": [np.zeros((0, 3), np.uint8), b"\x00\x01"],
        "e": np.array([True, False]),
    }
    versions, back = oracles.loads(oracles.dumps(values, {"python": "3.11", "numpy": "9"}))
    assert versions == {"python": "3.11", "numpy": "9"}
    assert set(back) == set(values)
    np.testing.assert_array_equal(back["a"], values["a"])
    assert back["a"].dtype == np.float32 and back["a"].shape == (3, 4)
    b = back["b"]
    assert type(b) is tuple and b[0].dtype == np.int64 and b[1:] == (3, 2.5, "text", None, True)
    assert type(b[1]) is int and type(b[5]) is bool
    assert back["c"]["grad"].tobytes() == values["c"]["grad"].tobytes()  # NaN and inf bit for bit
    assert type(back["c"]["n"]) is np.int32
    assert back["d"][0].shape == (0, 3) and back["d"][1] == b"\x00\x01"
    assert back["e"].dtype == np.bool_


def test_values_that_are_not_data_are_left_out_not_fatal():
    class Model:
        pass

    versions, back = oracles.loads(oracles.dumps({"model": Model(), "shape": (2, 3), "f": len}, {}))
    assert back == {"shape": (2, 3)}  # the others are computed at grading time, as before


def test_damaged_bytes_name_the_file_and_the_problem():
    good = oracles.dumps({"x": np.arange(4.0)}, {"python": "3.11"})
    head_len = struct.unpack_from("!I", good, len(oracles.MAGIC))[0]
    cases = {
        b"junk": "bad header",
        good[:-1]: "truncated",
        good + b"!": "1 bytes after the last buffer",
        good[:len(oracles.MAGIC) + 4] + b"[" + good[len(oracles.MAGIC) + 5:]: "not an oracle store",
    }
    header = json.loads(good[len(oracles.MAGIC) + 4:len(oracles.MAGIC) + 4 + head_len])
    header["entries"]["x"]["dtype"] = "|O"  # an object array: the wire refuses it
    bad_head = json.dumps(header).encode()
    body = good[len(oracles.MAGIC) + 4 + head_len:]
    cases[oracles.MAGIC + struct.pack("!I", len(bad_head)) + bad_head + body] = "cannot be read"
    for data, problem in cases.items():
        with pytest.raises(oracles.OracleFileError) as info:
            oracles.loads(data, "/some/bundle/oracles.bin")
        assert "/some/bundle/oracles.bin" in str(info.value) and problem in str(info.value), str(info.value)


def test_keys_name_the_test_file_so_two_files_never_share_a_result(tmp_path):
    """Two test files may both define `_reference`: their results must not be confused."""
    a, b = {}, {}
    exec(compile("def _reference(x):\n    return x + 1\n", str(tmp_path / "q1_one.py"), "exec"), a)
    exec(compile("def _reference(x):\n    return x + 2\n", str(tmp_path / "q2_two.py"), "exec"), b)
    key = ("oracle", None, "_reference", (1,))
    oracles.start_recording()
    try:
        assert oracles.cached(key, a["_reference"], (1,)) == 2
        assert oracles.cached(key, b["_reference"], (1,)) == 3
    finally:
        recorded = oracles.stop_recording()
    assert len(recorded) == 2 and sorted(recorded.values()) == [2, 3]


def test_versions_name_the_library_whichever_distribution_provides_it():
    """TensorFlow is installed here as tensorflow-cpu: a store must still record its version (a
    store made with another TensorFlow must not match), and a missing library records ""."""
    import importlib.util

    from autograder.bundle_format import library_versions

    found = library_versions(["numpy", "tensorflow", "not_a_module_xyz"])
    assert found["numpy"] == np.__version__
    if importlib.util.find_spec("tensorflow") is not None:
        assert found["tensorflow"], "tensorflow is importable but its version was not found"
    assert found["not_a_module_xyz"] == ""


def test_the_cache_name_does_not_depend_on_how_python_was_started(tmp_path, monkeypatch):
    """`course build`, `course grade` (an entry-point script) and `python -m bench` (the working
    directory on sys.path, with this repository's egg-info in it) must find the same recorded
    store; a new or upgraded package must give another name."""
    import subprocess
    import sys

    from autograder import files
    from conftest import ROOT

    code = "from autograder.files import environment_key; print(environment_key())"
    keys = {subprocess.run([sys.executable, *flags, "-c", code], cwd=cwd, capture_output=True, text=True,
                           check=True).stdout.strip()
            for cwd, flags in ((ROOT, []), (tmp_path, []), (tmp_path, ["-I"]))}
    assert len(keys) == 1 and files.environment_key() in keys, keys

    site = tmp_path / "site"
    (site / "numpy-1.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr("sysconfig.get_paths", lambda: {"purelib": str(site), "platlib": str(site)})
    before = files.environment_key()
    (site / "numpy-1.0.dist-info").rename(site / "numpy-2.0.dist-info")
    assert files.environment_key() != before


def test_old_stores_of_an_assignment_are_pruned_when_a_new_one_is_recorded(tmp_path):
    """Each edit of a test file records a new store; a build keeps the newest few of each
    assignment (build.oracles.KEEP) and leaves other assignments' alone."""
    from autograder.build import oracles as store

    folder = tmp_path / "oracles"
    folder.mkdir()
    for i in range(6):
        for slug in ("mini", "other"):
            path = folder / f"{slug}-{i:024x}.bin"
            path.write_bytes(b"x")
            os.utime(path, ns=(10**18 + i, 10**18 + i))  # written in order 0..5
    gone = store.prune(folder, "mini")
    assert sorted(p.name for p in gone) == [f"mini-{i:024x}.bin" for i in range(6 - store.KEEP)]
    assert sorted(p.name for p in folder.glob("mini-*.bin")) == [f"mini-{i:024x}.bin" for i in range(6 - store.KEEP, 6)]
    assert len(list(folder.glob("other-*.bin"))) == 6


def test_a_build_after_a_test_edit_records_a_new_store_and_keeps_the_last(tmp_path):
    root, _subs = _course(tmp_path)
    run_course("--root", root, "build", "--out", tmp_path / "dist")
    first = _store(root)
    q2 = root / "assignments" / "mini" / "tests" / "q2_scale.py"
    q2.write_text(q2.read_text() + "\n# an edit\n")
    run_course("--root", root, "build", "--out", tmp_path / "dist2")
    stores = sorted((root / "build" / "oracles").glob("mini-*.bin"))
    assert len(stores) == 2 and first in stores, stores  # the new one beside the last (KEEP is 3)
