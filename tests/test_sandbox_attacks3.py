"""Issue 11, findings 5, 7 and 8: the attacks tests/attacks/c* (and a few generated here, too
large or too binary to keep as files), graded in ONE batch through the real `course grade`
with `--jobs 1`, an honest submission after them on the same worker.

  5  malformed input a student controls ends as that student's `rejected`/`error` row with a
     reason, never `failed`; the batch exits 0 and a rerun keeps every row;
  7  student text reaches no terminal, log, CSV, results.json or HTML raw: no ESC/BEL/CR/C1/bidi
     character in `course grade`'s stdout or stderr, one line where one line is expected (no
     forged `score:` line in a log), CSV cells never start a formula;
  8  sizes: a 2 MB message, a 10 MB import error stay small in results.json, the log and
     grades.csv, which reads back with the csv module's default field limit.

The limits asserted here are independent of autograder.text (csv's default field limit, sizes
far below what the attacks send), so this file also runs against code older than the fix.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import RAW_CONTROL, run_course

HERE = Path(__file__).resolve().parent
ATTACKS = HERE / "attacks"
FIXTURE = HERE / "fixtures" / "sandbox_course"
SLUG = "tiny"
FULL = 6.0
CSV_FIELD_LIMIT = 131072  # csv.field_size_limit() by default

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


def _honest() -> str:
    return (FIXTURE / "solutions" / SLUG / "tiny.py").read_text()


def _zip(path: Path, entries: list[tuple[str, str]]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in entries:
            zf.writestr(name, text)


def _generated(subs: Path) -> None:
    """The attacks written by the test (large or binary)."""
    # c02: notebook JSON nested 100,000 deep (json.loads raises RecursionError).
    (subs / "c02_deep_json.ipynb").write_text(
        '{"metadata": ' + "[" * 100_000 + "]" * 100_000 + ', "nbformat": 4, "cells": []}')
    # c07: a zip whose only file has terminal escapes in its name (the note "graded <name>").
    _zip(subs / "c07_escape_name.zip", [("\x1b]0;PWNED-TITLE\x07\x1b[2Jwork\u202e.py", _honest())])
    # c09: Python nested so deeply that the parser itself gives up (MemoryError in ast.parse).
    (subs / "c09_deep_nesting.py").write_text(_honest() + "\nx = " + "-" * 100_000 + "1\n")
    # c10: a 20 MB notebook of code cells (tokenising it cost the grader 35 s outside any timeout).
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["%matplotlib inline\n"] + ["x = 1  # padding padding padding padding\n"] * 100}
    nb = {"cells": [cell] * (20 * 2**20 // 4300), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (subs / "c10_huge_notebook.ipynb").write_text(json.dumps(nb))
    # c11: a zip holding a file `tiny` and a file `tiny/tiny.py` (the folder cannot be made).
    _zip(subs / "c11_file_and_folder.zip", [("tiny", "x = 1\n"), ("tiny/tiny.py", _honest())])
    # c12: a zip whose file sits 1,500 folders deep (a recursive walk of it overflows the stack).
    _zip(subs / "c12_deep_zip.zip", [("d/" * 1500 + "tiny.py", _honest())])
    # c14: a 26 MB notebook (one big output): refused before its bytes travel to a worker.
    big = {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": _honest(),
           "outputs": [{"output_type": "stream", "name": "stdout", "text": "z" * (26 * 2**20)}]}
    (subs / "c14_oversized_notebook.ipynb").write_text(json.dumps({"cells": [big], "nbformat": 4}))
    # c15: terminal escapes in the submission's own file name (the log's origin line, notes).
    (subs / "c15_\x1b]0;PWNED-TITLE\x07\u202ename.py").write_text(_honest())
    # c13: a .py that is not UTF-8.
    (subs / "c13_latin1.py").write_bytes(b"# caf\xe9\n" + _honest().encode())


class Batch:
    def __init__(self, tmp: Path):
        self.course = tmp / "course"
        shutil.copytree(FIXTURE, self.course)
        self.subs = tmp / "submissions"
        self.subs.mkdir()
        for src in sorted(ATTACKS.glob("c*")):
            shutil.copy(src, self.subs / src.name)
        _generated(self.subs)
        (self.subs / "zz_honest.py").write_text(_honest())  # graded last, on the same worker
        self.out = tmp / "out"
        self.proc = run_course("--root", self.course, "grade", SLUG, self.subs, "--out", self.out,
                               "--no-resume", "--jobs", "1", check=False, timeout=900)
        self.csv_text = (self.out / "grades.csv").read_text(encoding="utf-8") \
            if (self.out / "grades.csv").exists() else ""
        self.rows = {r["submission"]: r for r in csv.DictReader(io.StringIO(self.csv_text))}

    def results(self, name: str) -> dict:
        return json.loads((self.out / "results" / f"{name}.json").read_text(encoding="utf-8"))

    def log(self, name: str) -> str:
        return (self.out / "logs" / f"{name}.log").read_text(encoding="utf-8", errors="surrogateescape")

    def row(self, name: str) -> dict:
        assert name in self.rows, f"no row {name} in grades.csv:\n{self.csv_text[:3000]}\n{self.proc.stdout[-3000:]}"
        return self.rows[name]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    return Batch(tmp_path_factory.mktemp("attacks3"))


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


# --- the batch as a whole --------------------------------------------------------------------

def test_batch_exits_0_and_honest_neighbour_gets_full_marks(batch):
    p = batch.proc
    assert p.returncode == 0, f"exit {p.returncode}\nstdout:\n{p.stdout[-3000:]!r}\nstderr:\n{p.stderr[-3000:]!r}"
    honest = batch.row("zz_honest")
    assert honest["status"] == "graded" and float(honest["score"]) == FULL, honest
    assert not [r for r in batch.rows.values() if r["status"] == "failed"], batch.csv_text[:3000]


def test_no_raw_control_character_reaches_the_terminal(batch):
    for stream, text in (("stdout", batch.proc.stdout), ("stderr", batch.proc.stderr)):
        m = RAW_CONTROL.search(text)
        assert m is None, f"{stream} holds {m.group()!r} near {text[max(0, m.start() - 80):m.end() + 80]!r}"
    assert len(batch.proc.stdout) + len(batch.proc.stderr) < 64_000  # no megabyte reason printed


def test_grades_csv_reads_back_with_default_limits(batch):
    assert len(batch.csv_text.encode()) < 200_000
    with open(batch.out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))  # raises on a field over csv's default limit
    assert len(rows) == 1 + len(batch.rows)
    for row in rows:
        for value in row:
            assert len(value) < CSV_FIELD_LIMIT // 10
            assert RAW_CONTROL.search(value) is None, value[:200]
            assert not re.match(r"[=+@]|-(?!\d)", value), value[:80]  # a formula lead (a score may be -1)
    canvas = (batch.out / "canvas.csv").read_text(encoding="utf-8")
    assert RAW_CONTROL.search(canvas) is None


def test_every_output_file_is_small_and_free_of_raw_controls(batch):
    for path in sorted(batch.out.rglob("*")):
        if not path.is_file() or path.suffix not in (".json", ".log", ".csv", ".html"):
            continue
        size = path.stat().st_size
        if path.parent.name == "results":
            assert size < 200_000, (path, size)
            data = json.loads(path.read_text(encoding="utf-8"))
            for s in _json_strings(data):
                assert RAW_CONTROL.search(s) is None, (path, s[:200])
        elif path.parent.name == "logs":
            assert size < 300_000, (path, size)
            assert RAW_CONTROL.search(path.read_text(encoding="utf-8", errors="surrogateescape")) is None, path
        elif path.name == "report.html":
            text = path.read_text(encoding="utf-8")
            assert RAW_CONTROL.search(text) is None
            assert "<script" not in text.lower()


def test_rerun_keeps_every_row(batch):
    again = run_course("--root", batch.course, "grade", SLUG, batch.subs, "--out", batch.out, "--jobs", "1",
                       check=False, timeout=900)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert (batch.out / "grades.csv").read_text(encoding="utf-8") == batch.csv_text
    m = re.search(r"(\d+) to grade, (\d+) already graded", again.stdout)
    assert m and m.group(1) == "0" and int(m.group(2)) == len(batch.rows), again.stdout[-2000:]
    assert RAW_CONTROL.search(again.stdout + again.stderr) is None


# --- finding 5: malformed input is the student's row ----------------------------------------

@pytest.mark.parametrize("name, status, says", [
    ("c01_bad_cell_source", "rejected", "code cell 2 has a 'source' that is a list holding non-text items"),
    ("c02_deep_json", "rejected", "nested too deeply"),
    ("c08_lone_surrogate", "rejected", "not valid Unicode"),
    ("c09_deep_nesting", "rejected", "nested too deeply for Python's parser"),
    ("c10_huge_notebook", "rejected", "JSON values, more than the limit"),
    ("c11_file_and_folder", "rejected", "cannot be unpacked"),
    ("c12_deep_zip", "rejected", "folders deep"),
    ("c13_latin1", "rejected", "not UTF-8"),
    ("c14_oversized_notebook", "rejected", "more than the limit of 25 MB"),
])
def test_malformed_input_is_a_rejected_row_with_a_reason(batch, name, status, says):
    row = batch.row(name)
    assert row["status"] == status, row
    assert says in row["reason"], row["reason"][:500]
    assert float(row["score"]) == 0
    assert batch.results(name)["score"] == 0
    assert says in batch.results(name)["output"]


def test_a_zip_with_escapes_in_its_file_name_is_graded_and_named_visibly(batch):
    row = batch.row("c07_escape_name")
    assert row["status"] == "graded" and float(row["score"]) == FULL, row
    assert "\\x1b]0;PWNED-TITLE\\x07" in row["reason"], row["reason"]  # shown, not obeyed
    assert "\\x1b]0;PWNED-TITLE\\x07" in batch.proc.stdout  # the note line, visible


# --- finding 7: one sanitiser ----------------------------------------------------------------

def test_escapes_in_a_file_name_stay_out_of_the_row_name_and_the_log(batch):
    name = next(n for n in batch.rows if n.startswith("c15"))
    assert re.fullmatch(r"[\w@.+-]+", name), name  # row names are file-name safe
    row = batch.row(name)
    assert row["status"] == "graded" and float(row["score"]) == FULL, row
    origin = next(line for line in batch.log(name).splitlines() if line.startswith("origin:"))
    assert "\\x1b]0;PWNED-TITLE\\x07\\u202e" in origin, origin


def test_escape_reason_is_shown_visibly_on_one_line(batch):
    row = batch.row("c03_escape_reason")
    assert row["status"] == "error" and float(row["score"]) == 0, row
    assert "\\x1b]0;PWNED-TITLE\\x07" in row["reason"] and "\\x9b31m" in row["reason"], row["reason"]
    assert "\\u202e" in row["reason"]
    log = batch.log("c03_escape_reason")
    top = [line for line in log.splitlines() if re.match(r"^(score|status|reason):", line)]
    assert [line.split(":")[0] for line in top] == ["status", "score", "reason"], top  # nothing forged
    assert "43/43" not in next(line for line in top if line.startswith("score:"))
    assert re.search(r"^reason: .*\\n ?score: +43/43", log, re.M), log[:2000]  # the forgery, on the reason line
    summary = batch.results("c03_escape_reason")["output"]
    assert "\n" not in summary and "\\x1b[2J" in summary
    assert "\\x1b]52;c;" in batch.proc.stdout  # the progress line and summary show it visibly


def test_escapes_in_case_messages_and_output_are_visible(batch):
    row = batch.row("c06_escape_cases")
    assert row["status"] == "graded" and float(row["score"]) == 3, row  # scale (x2) and load_numbers
    visible = "\n".join(t["output"] for t in batch.results("c06_escape_cases")["tests"])
    assert "\\x1b]0;PWNED-TITLE\\x07" in visible and "\\u202e" in visible
    log = batch.log("c06_escape_cases")
    assert "\\x1b[?1049h" in log  # printed output, visible
    assert not re.search(r"^score: +43/43", log, re.M)  # every forged line is indented
    assert len(re.findall(r"^score:", log, re.M)) == 1


# --- finding 8: caps on every message ----------------------------------------------------------

def test_megabyte_case_messages_are_capped(batch):
    row = batch.row("c04_huge_message")
    assert row["status"] == "graded" and float(row["score"]) == 3, row
    results = (batch.out / "results" / "c04_huge_message.json").stat().st_size
    log = (batch.out / "logs" / "c04_huge_message.log").stat().st_size
    assert results < 100_000 and log < 100_000, (results, log)  # the attack sent 2 MB and 1.7 MB
    text = batch.log("c04_huge_message")
    assert re.search(r"more characters (cut|dropped)", text), text[:3000]
    assert len(re.findall(r"^score:", text, re.M)) == 1
    record = batch.out / "state" / "records" / "c04_huge_message.json"
    if record.exists():  # the stored record is bounded too
        assert record.stat().st_size < 200_000


def test_ten_megabyte_import_error_is_capped(batch):
    row = batch.row("c05_huge_import_error")
    assert row["status"] == "error" and float(row["score"]) == 0, row
    assert len(row["reason"]) < 10_000, len(row["reason"])
    assert not row["reason"].startswith("=")  # never a formula, whatever the message starts with
    assert (batch.out / "results" / "c05_huge_import_error.json").stat().st_size < 200_000
    assert (batch.out / "logs" / "c05_huge_import_error.log").stat().st_size < 100_000


# --- every attack in one batch ---------------------------------------------------------------

def _peak_kb(out: Path) -> list[int]:
    """The judge's peak resident memory as each record of the batch reports it (the worker
    measures its own process; with --jobs 1 the last one is the batch's peak)."""
    peaks = []
    for path in (out / "state" / "records").glob("*.json"):
        value = json.loads(path.read_text(encoding="utf-8")).get("judge_peak_kb")
        if value:
            peaks.append(int(value))
    return peaks


def _grade_all(course: Path, subs: Path, out: Path):
    return run_course("--root", course, "grade", SLUG, subs, "--out", out, "--no-resume", "--jobs", "1",
                      check=False, timeout=1800)


DUO = HERE / "fixtures" / "attack_course"  # the b* attacks' course: add, scale, output_shape


def _merged_course(dest: Path) -> float:
    """tiny plus the b* course's question, so every a*, b* and c* attack reaches the functions it
    targets (output_shape is duo's); the total points."""
    shutil.copytree(FIXTURE, dest)
    tests = dest / "assignments" / SLUG / "tests"
    text = (DUO / "assignments" / "duo" / "tests" / "q1_duo.py").read_text(encoding="utf-8")
    (tests / "q3_duo.py").write_text(text.replace('name = "q1_duo"', 'name = "q3_duo"'), encoding="utf-8")
    shutil.copy(DUO / "reference" / "duo" / "secret_golden.json", dest / "reference" / SLUG / "secret_golden.json")
    yml = dest / "assignments" / SLUG / "assignment.yml"
    text = yml.read_text(encoding="utf-8")
    text = text.replace("assets:\n", "  - name: q3_duo\n    points: 4\nassets:\n", 1)
    text = text.replace("  - tiny/golden.json\n", "  - tiny/golden.json\n  - tiny/secret_golden.json\n")
    yml.write_text(text, encoding="utf-8")
    return FULL + 4


def _honest_merged() -> str:
    return _honest() + "\n\ndef output_shape(shape):\n    return tuple(shape)\n"


def test_every_attack_in_one_batch_keeps_honest_marks_and_judge_memory(tmp_path):
    """a*, b* and c* together with honest submissions between them, on one worker, in a course
    with both fixtures' questions: every honest one at full marks, the batch exits 0, and the
    judge's peak memory is within 2x of a batch of honest submissions alone."""
    from test_sandbox_attacks import Listener  # the a* network attack needs a port to miss

    course = tmp_path / "course"
    full = _merged_course(course)
    honest_names = ["a00_honest", "b00_honest", "c00_honest", "zz_honest"]

    plain = tmp_path / "honest"
    plain.mkdir()
    for name in honest_names:
        (plain / f"{name}.py").write_text(_honest_merged())
    base = _grade_all(course, plain, tmp_path / "out-honest")
    assert base.returncode == 0, base.stdout[-2000:] + base.stderr[-2000:]
    with open(tmp_path / "out-honest" / "grades.csv", newline="", encoding="utf-8") as f:
        assert {float(r["score"]) for r in csv.DictReader(f)} == {full}
    base_peaks = _peak_kb(tmp_path / "out-honest")
    if not base_peaks:
        pytest.skip("records carry no judge_peak_kb (the worker does not measure its peak memory)")

    subs = tmp_path / "all"
    subs.mkdir()
    out = tmp_path / "out-all"
    listener = Listener()
    try:
        fill = {"{{TOKEN}}": "424242", "{{PORT}}": str(listener.port), "{{OUT}}": str(out), "{{BUNDLE}}": "/tmp",
                "{{PATHS}}": json.dumps([str(course / "**"), str(out / "**"), "/tmp/**"])}
        for src in sorted(ATTACKS.glob("[abc]*")):
            if src.suffix not in (".py", ".ipynb", ".zip"):
                continue
            if src.suffix == ".py":
                text = src.read_text(encoding="utf-8")
                for k, v in fill.items():
                    text = text.replace(k, v)
                (subs / src.name).write_text(text, encoding="utf-8")
            else:
                shutil.copy(src, subs / src.name)
        _generated(subs)
        for name in honest_names:
            (subs / f"{name}.py").write_text(_honest_merged())
        started = time.monotonic()
        proc = _grade_all(course, subs, out)
        wall = time.monotonic() - started
    finally:
        listener.close()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert RAW_CONTROL.search(proc.stdout + proc.stderr) is None
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert len(rows) > 30
    for name in honest_names:
        assert rows[name]["status"] == "graded" and float(rows[name]["score"]) == full, rows[name]
    assert not [n for n, r in rows.items() if r["status"] == "failed"], rows
    # b04 did run: it ends at the submission's deadline or, where that allows more than ~170,000
    # round trips (this course's), at its session's budget of reply headers (SESSION_HEADERS, i03)
    b04 = rows["b04_endless_iterator"]
    assert b04["status"] == "timeout" or "MiB of lists, dicts and other values in all" in b04["reason"], b04
    assert listener.connections == 0
    peak, honest_peak = max(_peak_kb(out)), max(base_peaks)
    print(f"judge peak: {peak / 1024:.0f} MiB with every attack, {honest_peak / 1024:.0f} MiB honest only; "
          f"{len(rows)} submissions in {wall:.0f} s")
    assert peak <= 2 * honest_peak, (peak, honest_peak)


# --- the sanitiser itself, against Unicode's own categories ----------------------------------

def test_sanitiser_leaves_no_control_or_format_character_raw():
    import unicodedata

    from autograder import text as T

    hidden = [chr(c) for c in range(0x110000)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp", "Cs") and chr(c) not in "\n\t"]
    sample = "".join(hidden)
    shown = T.visible(sample)
    left = sorted(set(shown) & set(hidden))
    assert not left, [f"U+{ord(c):04X}" for c in left]
    line = T.one_line("a\r\nb\rc\nd\te", 100)
    assert line == "a\\nb\\nc\\nd e"
    assert T.cap("x" * 50, 10) == "x" * 10 + "... [40 more characters cut]"
    assert T.csv_cell("=1+1") == "'=1+1" and T.csv_cell("  @SUM(A1)") == "'@SUM(A1)"
    assert T.csv_cell("-cmd|' /C calc'!A0").startswith("'-")
    assert len(T.csv_cell("y" * 1_000_000)) < 5_000
