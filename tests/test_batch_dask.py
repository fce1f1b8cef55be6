"""`--executor dask` on a LocalCluster gives the same grades as the local executor."""

from __future__ import annotations

import json

from conftest import run_course, write_mini_course
from test_batch_support import check_outputs, engine_args, notebook, zip_bytes


def _submissions(root, folder):
    solution = (root / "solutions/mini/mini.py").read_text()
    stub = (root / "assignments/mini/mini.py").read_text()
    folder.mkdir()
    (folder / "ann.py").write_text(solution)
    (folder / "ben.py").write_text(stub)
    (folder / "cat.py").write_text("def add(a, b)\n    return a + b\n")
    (folder / "dee.py").write_text(solution.replace("def scale(", "def scale_later("))
    (folder / "eve.zip").write_bytes(zip_bytes({"../mini.py": solution.encode()}))
    (folder / "fay.ipynb").write_text(notebook(["%load_ext autoreload\n!ls\n", solution]))
    (folder / "gus.zip").write_bytes(zip_bytes({"gus/mini.py": solution.replace("a + b", "a - b").encode()}))
    (folder / "hal.py").write_text("print('side effect')\n" + solution.replace("* float(k)", "* float(k) + 1"))


def _results(out):
    """results/*.json without the timing field."""
    data = {}
    for p in sorted((out / "results").glob("*.json")):
        d = json.loads(p.read_text())
        d.pop("execution_time", None)
        data[p.stem] = d
    return data


def test_dask_localcluster_matches_local(tmp_path):
    root = write_mini_course(tmp_path / "course")
    subs = tmp_path / "subs"
    _submissions(root, subs)
    local, dask = tmp_path / "local", tmp_path / "dask"
    common = ["--root", root, "grade", "mini", subs, "--jobs", "2", *engine_args()]
    p1 = run_course(*common, "--out", local, cwd=tmp_path, check=False, timeout=600)
    assert p1.returncode == 0, p1.stdout + p1.stderr
    p2 = run_course(*common, "--out", dask, "--executor", "dask", cwd=tmp_path, check=False, timeout=600)
    assert p2.returncode == 0, p2.stdout + p2.stderr
    assert "executor dask" in p2.stdout

    assert (dask / "grades.csv").read_text() == (local / "grades.csv").read_text()
    assert _results(dask) == _results(local)
    assert len((local / "grades.csv").read_text().splitlines()) == 9
    records = [json.loads(p.read_text()) for p in (dask / "state" / "records").glob("*.json")]
    assert {r["executor"] for r in records} == {"dask"}
    check_outputs(dask)
