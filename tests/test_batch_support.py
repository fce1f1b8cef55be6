"""Helpers for the batch tests (no tests here): the zoo of broken submissions, and readers
for what `course grade` leaves in --out."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import subprocess
import zipfile
from pathlib import Path

from conftest import COURSE

SANDBOX_OK: bool | None = None


def sandbox_works() -> bool:
    """The sandbox engine is written by someone else, concurrently: use it when it validates
    the mini course (solution full marks, stub zero); otherwise fall back to --engine inprocess."""
    global SANDBOX_OK
    if SANDBOX_OK is None:
        import tempfile

        from conftest import write_mini_course
        with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as tmp:
            root = write_mini_course(Path(tmp) / "course")
            probe = subprocess.run([COURSE, "--root", str(root), "validate", "mini", "--engine", "sandbox"],
                                   capture_output=True, text=True, timeout=300, cwd=tmp)
        SANDBOX_OK = probe.returncode == 0
    return SANDBOX_OK


def engine_args() -> list[str]:
    return ["--engine", "sandbox"] if sandbox_works() else ["--engine", "inprocess"]


def zip_bytes(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def notebook(cells: list[str]) -> str:
    return json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": c.splitlines(keepends=True)} for c in cells]
                 + [{"cell_type": "markdown", "metadata": {}, "source": ["# notes\n", "%not code\n"]}],
    })


def remove_function(source: str, name: str) -> str:
    out = re.sub(rf"^def {name}\(", f"def {name}_unfinished(", source, flags=re.M)
    assert out != source, name
    return out


def write_zoo(folder: Path, solution: str, stub: str, expected: str, first_function: str,
              extra: Path) -> dict[str, dict]:
    """Write the broken submissions into folder (a folder of submissions) plus one duplicate
    name in extra/. Returns {row name: expectation} with keys status, reason (a substring the
    reason must hold, case-insensitive), score ("full", "zero", "partial")."""
    folder.mkdir(parents=True)
    extra.mkdir(parents=True)
    stem = Path(expected).stem
    w = lambda rel, data: ((folder / rel).parent.mkdir(parents=True, exist_ok=True),  # noqa: E731
                           (folder / rel).write_bytes(data if isinstance(data, bytes) else data.encode()))
    exp: dict[str, dict] = {}

    w("alice.py", solution)                                  # the solution
    exp["alice"] = dict(status="graded", score="full", reason="another submission has the same name alice")
    (extra / "alice.py").write_text(stub)                     # duplicate student name (the stub)
    exp["alice-2"] = dict(status="graded", score="zero", reason="renamed alice-2")
    w("bob.py", stub)                                        # the stub
    exp["bob"] = dict(status="graded", score="zero", reason="NotImplementedError")
    w("carol.py", solution + "\ndef broken(:\n    pass\n")   # syntax error
    exp["carol"] = dict(status="error", score="zero", reason="syntax error")
    w("dan.py", remove_function(solution, first_function))   # missing function
    exp["dan"] = dict(status="graded", score="partial", reason=f"missing from the submission: {first_function}")
    w("erin.zip", zip_bytes({"homework/my_answers.py": solution.encode()}))   # wrong file name, graded
    exp["erin"] = dict(status="graded", score="full", reason=f"asks for {expected}")
    w("fred.txt", solution)                                  # wrong file name: not a submission type
    exp["fred"] = dict(status="rejected", score="zero", reason="expected a .py, .ipynb or .zip")
    w("gina/part1.py", solution)                             # two candidate files
    w("gina/part2.py", solution)
    exp["gina"] = dict(status="rejected", score="zero", reason="several candidates")
    w("hank.zip", zip_bytes({f"a/{expected}": solution.encode(), f"b/{expected}": stub.encode()}))
    exp["hank"] = dict(status="rejected", score="zero", reason=f"two or more files named {expected}")
    w("ivy.py", b"")                                         # empty file
    exp["ivy"] = dict(status="rejected", score="zero", reason="is empty")
    w("jack.zip", zip_bytes({}))                             # empty zip
    exp["jack"] = dict(status="rejected", score="zero", reason="zip archive is empty")
    w("kate.zip", zip_bytes({f"../../{expected}": solution.encode()}))        # zip slip
    exp["kate"] = dict(status="rejected", score="zero", reason="zip slip")
    w("kyle.zip", zip_bytes({f"/tmp/{expected}": solution.encode()}))         # absolute path
    exp["kyle"] = dict(status="rejected", score="zero", reason="absolute path")
    w("liam.zip", zip_bytes({expected: solution.encode(), "padding.bin": b"\0" * (101 * 2**20)}))  # zip bomb
    exp["liam"] = dict(status="rejected", score="zero", reason="zip bomb")
    w("lily.zip", zip_bytes({expected: solution.encode(), **{f"f/{i}.txt": b"x" for i in range(1001)}}))
    exp["lily"] = dict(status="rejected", score="zero", reason="more than the limit of 1,000")
    w("mark.zip", zip_bytes({}, symlinks={expected: "/etc/passwd"}))          # symlink in zip
    exp["mark"] = dict(status="rejected", score="zero", reason="symbolic link")
    w("nora.py", "# caf\xe9 au lait\n".encode("latin-1") + solution.encode())  # not UTF-8
    exp["nora"] = dict(status="rejected", score="zero", reason="not UTF-8")
    w("owen.py", bytes(range(256)) * 16)                     # binary garbage named .py
    exp["owen"] = dict(status="rejected", score="zero", reason="binary data")
    w("pia.ipynb", notebook([                                 # notebook with magics and shell escapes
        "%matplotlib inline\n!pip install --quiet numpy\nfiles = !ls\n",
        "%%bash\necho this cell is bash\n",
        solution,
        f"%time {first_function}\n{first_function}?\nfor i in range(2):\n    !echo {{i}}\n",
    ]))
    exp["pia"] = dict(status="graded", score="full", reason="")
    w("quin.ipynb", "{ this is not a notebook, it is not even JSON")           # notebook not JSON
    exp["quin"] = dict(status="rejected", score="zero", reason="not a valid Jupyter notebook")
    w(f"rosa/work/src/deep/{expected}", solution)            # folder with nested folders
    w("rosa/work/notes/readme.txt", "my notes")
    w("rosa/.git/config", "[core]")
    exp["rosa"] = dict(status="graded", score="full", reason="")
    w("sam.py", "raise RuntimeError('[/] [bold]I refuse to be imported')\n" + solution)  # raises at import
    exp["sam"] = dict(status="error", score="zero", reason="RuntimeError")
    w("tess.py", "import sys\nsys.exit(3)\n")                # exits at import
    exp["tess"] = dict(status="error", score="zero", reason="exit")
    w(f"uma/{stem}.py", solution.replace("import numpy as np", "import numpy as np\nimport os as _os\n"
                                         "print('hello from uma', _os.environ.get('OPENBLAS_NUM_THREADS'))", 1))
    exp["uma"] = dict(status="graded", score="full", reason="")  # a student's folder, expected name
    return exp


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def check_outputs(out: Path) -> None:
    """No half-written file: every JSON parses, no temp file is left, the CSV is rectangular."""
    for path in list((out / "results").glob("*.json")) + list((out / "state" / "records").glob("*.json")):
        json.loads(path.read_text(encoding="utf-8"))
    leftovers = [p for p in out.rglob("*.tmp")]
    assert not leftovers, leftovers
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows and all(len(r) == len(rows[0]) for r in rows), rows


def graded_events(out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in (out / "state" / "journal.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "graded":
            counts[event["name"]] = counts.get(event["name"], 0) + 1
    return counts
