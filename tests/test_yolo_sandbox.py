"""What yolo's q11 needs from the real sandbox, on the mini course through `course grade`:
Keras's .keras save calls tempfile.mkdtemp, which must land in the runner's TMPDIR (the zygote
had cached the grader's /tmp, where the submission may not write: PermissionError), and its .h5
save warns with a DeprecationWarning subclass, which the judge must record as output (Python's
default filters hold a plain-string module, '__main__', where the judge expected a regex)."""

from __future__ import annotations

import csv
import json

from conftest import MINI_SOLUTION, run_course

SUBMISSION = MINI_SOLUTION.replace("    total = a + b\n", '''\
    import os
    import tempfile
    import warnings
    folder = tempfile.mkdtemp()                 # as keras.saving does for a .keras file
    with open(os.path.join(folder, "weights.h5"), "w") as f:
        f.write("x")
    warnings.warn("the legacy format", DeprecationWarning)
    warnings.warn("a user warning", UserWarning)
    total = a + b
''')


def test_tempfile_and_deprecation_warnings_in_a_submission(mini_course, tmp_path):
    assert SUBMISSION != MINI_SOLUTION
    path = tmp_path / "mini.py"
    path.write_text(SUBMISSION)
    out = tmp_path / "out"
    run_course("--root", mini_course, "grade", "mini", path, "--out", out, "--jobs", "1", "--no-similarity")
    with open(out / "grades.csv", newline="") as f:
        row = next(csv.DictReader(f))
    results = json.loads((out / "results" / "mini.json").read_text())
    failures = [t for t in results["tests"] if t.get("score") != t.get("max_score")]
    assert not failures, failures
    assert float(results["score"]) == 5, (row, results["score"])
    outputs = "".join(t.get("output") or "" for t in results["tests"])
    assert "PermissionError" not in outputs and "bad warnings" not in outputs, outputs
