"""What a Gradescope-style audit found in runners forked by the template's successor (the fork
that imports the libraries submissions name: preload.py, zygote.py), graded by the real
`course grade --jobs 1` in the `tiny` assignment of tests/fixtures/sandbox_course (numpy only, so
a submission naming matplotlib starts a successor):

- the fork request that started a successor left its runner's socket open in the successor, so a
  runner that exited (os._exit) was read as a timeout: 60 s on Gradescope, not "exited";
- runners of the successor inherit matplotlib's settings folder, the template's private one,
  which they could not enter: `import matplotlib.pyplot` failed with PermissionError;
- after a call that exited, the next case's first call restarted the runner and its second call
  met "this object belonged to a runner that has since been restarted".
"""

from __future__ import annotations

import csv
import sys
import time

import pytest

from conftest import ROOT, run_course

FIXTURE = ROOT / "tests" / "fixtures" / "sandbox_course"
SOLUTION = (FIXTURE / "solutions" / "tiny" / "tiny.py").read_text()
CALL_TIMEOUT = 4  # course.yml limits.timeout

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


def _grade(tmp_path, subs: dict[str, str]) -> tuple[dict[str, dict], float]:
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, source in subs.items():
        (folder / f"{name}.py").write_text(source)
    started = time.monotonic()
    run_course("--root", FIXTURE, "grade", "tiny", folder, "--out", tmp_path / "out", "--jobs", "1", "--no-resume",
               timeout=600)
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        return {r["submission"]: r for r in csv.DictReader(f)}, time.monotonic() - started


def test_an_exit_while_the_successor_starts_is_an_exit_not_a_timeout(tmp_path):
    # The first submission naming matplotlib starts the successor with its own fork request in hand.
    rows, wall = _grade(tmp_path, {
        "a_exits": "import os\nos._exit(0)\nfrom matplotlib.figure import Figure\n" + SOLUTION,
        "b_exits_too": "import os\nos._exit(3)\nimport matplotlib.figure\n" + SOLUTION,
    })
    for name, code in (("a_exits", 0), ("b_exits_too", 3)):
        r = rows[name]
        assert r["status"] == "error" and f"os._exit({code})" in r["reason"] and "timed out" not in r["reason"], r
    assert wall < 2 * CALL_TIMEOUT + 30, wall  # no import waited for its timeout


def test_pyplot_imports_in_every_runner_of_the_successor(tmp_path):
    # It names matplotlib.figure (preloaded by the successor) and imports pyplot by a name the
    # preload cannot see, so each runner imports pyplot itself, as image_tensors' students do
    # (its template preloads matplotlib.figure, the solution's import, not pyplot).
    source = ("import importlib\nfrom matplotlib.figure import Figure\n"
              "plt = importlib.import_module('matplotlib.' + 'pyplot')\n" + SOLUTION + "\nplt.figure()\nplt.close('all')\n")
    # The first one's add takes 2.5 s a call: the successor is ready before the next submissions.
    slow = source + "\n\nimport time as _time\n_add = add\n\ndef add(a, b):\n    _time.sleep(2.5)\n    return _add(a, b)\n"
    rows, _ = _grade(tmp_path, {"a_slow": slow, **{f"s{i}": source for i in range(3)}})
    for r in rows.values():
        assert (r["status"], float(r["score"])) == ("graded", 6.0), r


def test_after_a_call_that_exits_the_next_cases_get_a_new_runner(tmp_path):
    source = SOLUTION + "\n\nimport os as _os\n\ndef add(a, b):\n    _os._exit(0)\n"
    rows, _ = _grade(tmp_path, {"exits_in_add": source, "z_honest": SOLUTION})
    r = rows["exits_in_add"]
    # Both add cases are lost; safe_div, scale, load_numbers and the hidden scale case all pass.
    assert (r["status"], float(r["score"])) == ("graded", 4.0), r
    assert float(rows["z_honest"]["score"]) == 6.0
