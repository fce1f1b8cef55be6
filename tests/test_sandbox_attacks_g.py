"""The g round of white-box attacks (tests/attacks/g*.py, 2026-12-04), graded by the real
`course grade --jobs 1` in the `duo` assignment of tests/fixtures/attack_course, each followed on
the same worker by an honest submission (one batch for the round, as conftest.grade_duo_attacks
does): g01 filled the tmpfs every runner of a template writes in and left its folder slow to
remove, so the next submission's monitor had no room for its source file (the honest neighbour's
row was the sandbox's failure before the fix); g02 claimed a 4,300-digit count of dropped output
from each of two runners, whose sum the judge could not print (its own row was the grader's
failure); g03 raised a builtin exception that can be built but not printed (a UnicodeEncodeError
whose start is negative), rebuilt as itself in the judge, whose handler for a failing case then
raised SystemError (the row was the grader's failure); g04 wrote a frame naming a buffer of a
4,000-digit length while being imported, whose refusal was an OverflowError, not the wire's error
(the row was the grader's failure); g05 pinned more than its memory limit in unix socket buffers,
which RLIMIT_AS does not count (one process, as many descriptors as the grader had); g06 did
the same with memfds written and never mapped and with System V segments touched, then
detached, and g10 in System V semaphore sets (~2 MB each, 32,000 to a namespace). g07 (its own
test, through `course gradescope`): 60,000 blank lines made the judge's check for TensorFlow
imports quadratic, outside any deadline. g08 (a batch of its own): g01 with
256 KB left, so the next submission set up without a retry and then its own 1 MB write failed.
g09 (a batch of its own): code nested just below the reader's limit, which a few frames deeper
ast.parse refused with RecursionError when a runner started."""

from __future__ import annotations

import sys

import pytest

from conftest import check_honest_neighbours, grade_duo_attacks

ATTACK_FILES = ["g01_fill_the_shared_tmp", "g02_huge_dropped_count", "g03_unprintable_builtin_exception",
                "g04_huge_buffer_length", "g05_socket_buffers", "g06_memory_outside_rlimit_as",
                "g10_semaphores_and_message_queues"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_duo_attacks(tmp_path_factory.mktemp("attacks-g"), ATTACK_FILES)


def test_no_grader_failure_and_every_honest_neighbour_keeps_full_marks(graded):
    check_honest_neighbours(graded, ATTACK_FILES)


def test_a_full_tmp_left_behind_does_not_stop_the_next_submission(graded):
    """Before: the neighbour's three set-up attempts all met ENOSPC while the clean-up thread was
    still removing the attacker's folder ("the sandbox could not start a runner"). Now a set-up
    that failed waits for the queued clean-ups before trying again, and (since g08) a worker
    waits for them before it starts the next submission's clock."""
    _proc, _out, rows, _records = graded
    for name in ("g01_fill_the_shared_tmp", "g01_fill_the_shared_tmp_zhonest"):
        assert rows[name]["status"] == "graded", rows[name]


def test_a_runners_count_of_dropped_output_is_bounded(graded):
    """Before: ValueError (int too long to print) out of grade_source, the row `failed`, and its
    session never closed. Now the count is capped (limits.DROPPED_CAP): a graded row."""
    _proc, out, rows, _records = graded
    name = "g02_huge_dropped_count"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]  # add's exit
    log = (out / "logs" / f"{name}.log").read_text()
    assert "1000000000000000 more characters of output dropped" in log, log[-2000:]


def test_an_exception_the_judge_cannot_print_is_not_rebuilt_as_itself(graded):
    """Before: SystemError out of core's handler for a failing case, the row `failed` on every
    rerun. Now a builtin rebuilt from its arguments must print, or it comes back by name only."""
    _proc, out, rows, _records = graded
    name = "g03_unprintable_builtin_exception"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 3.0), rows[name]  # add raises
    log = (out / "logs" / f"{name}.log").read_text()
    assert "UnicodeEncodeError" in log, log[-2000:]


def test_a_buffer_length_beyond_any_limit_is_the_wires_own_error(graded):
    """Before: OverflowError (the size in MiB as a float) out of the runner's start, the row
    `failed` on every rerun and the worker's engine thrown away. Now each length is checked
    against the limit first: the student's `error` row, naming the problem."""
    _proc, _out, rows, _records = graded
    name = "g04_huge_buffer_length"
    assert (rows[name]["status"], float(rows[name]["score"])) == ("error", 0.0), rows[name]
    assert "bad buffer table" in rows[name]["reason"], rows[name]


def test_socket_buffers_cannot_hold_more_than_the_memory_limit(graded):
    """Before: 1,088 MB of unread socket data in ~4,900 pairs from one process of a runner whose
    memory_mb is 1024 (and the grader's 20,000 descriptors allowed twice that). Now a runner
    process has RUNNER_FILES descriptors: ~110 MB."""
    _proc, out, rows, _records = graded
    name = "g05_socket_buffers"
    log = (out / "logs" / f"{name}.log").read_text()
    assert "within the memory limit" in log and "OVER" not in log, log[-2000:]
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]


def test_memfds_and_detached_segments_are_refused(graded):
    """Before: more than memory_mb (1024) in memfds of file_size_mb and again in detached System V
    segments, from one process. Now the runner's seccomp filter refuses memfd_create and shmget."""
    _proc, out, rows, _records = graded
    name = "g06_memory_outside_rlimit_as"
    log = (out / "logs" / f"{name}.log").read_text()
    assert log.count("within the memory limit") == 2 and "OVER" not in log, log[-2000:]
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]


def test_blank_lines_do_not_make_the_preload_check_quadratic(tmp_path):
    """g07, through `course gradescope` (what Gradescope runs for each submission, where every
    submission starts the template and so meets the preload check; a batch's workers start theirs
    before the first one). Before: ~30 s of the judge's CPU on 60,000 blank lines, outside any
    deadline (a 1 MiB file: hours). Now the check reads a line's own indentation only."""
    import json
    import time

    from conftest import ATTACK_COURSE, ROOT, run_course

    from autograder.build.bundle import bundle_for
    from autograder.config import load_course

    course = load_course(ATTACK_COURSE)
    bundle = bundle_for(course.get("duo"), course.seed)
    sub = tmp_path / "duo.py"
    sub.write_text((ROOT / "tests" / "attacks" / "g07_blank_lines_before_the_preload.py").read_text() + "\n" * 60_000)
    results = tmp_path / "results.json"
    started = time.monotonic()
    run_course("gradescope", "--bundle", bundle.root, "--submission", sub, "--results", results, timeout=600)
    wall = time.monotonic() - started
    data = json.loads(results.read_text())
    assert data["score"] == 4 and data["output"].startswith("Status: graded."), data["output"]
    assert wall < 15, wall


WRITER = '''"""An honest submission that writes a scratch file of 1 MB in its working folder (as saving a
model does) before it answers."""
import numpy as np


def add(a, b):
    with open("scratch.bin", "wb") as f:
        f.write(b"\\0" * (1 << 20))
    return a + b


def scale(x, k):
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    return tuple(shape)
'''


def test_a_nearly_full_tmp_left_behind_costs_the_next_submission_nothing(tmp_path):
    """g08 then an honest submission that writes a file, in a batch of their own. Before: the
    neighbour's set-up worked (g08 left 256 KB), so nothing was retried, and its own 1 MB write
    met ENOSPC while the clean-up thread was still removing g08's folder: 3/4. Now a worker starts
    a submission's clock only once the last one's clean-ups are done. Where the runner has a
    memory cgroup (cgroups.py, round m), g08's own hidden case is killed for memory first: the
    tmpfs pages it fills are the session's memory, past memory_mb long before /tmp is full
    (3/4); without one it keeps 4/4."""
    from autograder.sandbox.cgroups import RunnerGroups
    import csv
    import shutil

    from conftest import ATTACK_COURSE, ROOT, run_course

    shutil.copytree(ATTACK_COURSE, tmp_path / "course")
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    shutil.copy(ROOT / "tests" / "attacks" / "g08_leave_a_little_room.py", subs / "g08_leave_a_little_room.py")
    (subs / "g08_leave_a_little_room_zwriter.py").write_text(WRITER)
    proc = run_course("--root", tmp_path / "course", "grade", "duo", subs, "--out", out, "--jobs", "1",
                      "--no-resume", "--submission-timeout", "20", check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    writer, g08 = rows["g08_leave_a_little_room_zwriter"], rows["g08_leave_a_little_room"]
    assert (writer["status"], float(writer["score"])) == ("graded", 4.0), writer
    groups = RunnerGroups.probe()[0]
    grouped = groups is not None and "memory" in groups.controllers
    assert (g08["status"], float(g08["score"])) == ("graded", 3.0 if grouped else 4.0), g08


def test_code_nested_just_below_the_readers_limit_is_graded(tmp_path):
    """g09 with sums of 2,915 to 2,987 ones (the reader accepts up to ~2,955 here; where exactly
    depends on its stack), in a batch of their own. Before: the sums the reader accepted but a
    deeper ast.parse did not (~2,941-2,955) were the grader's failure. Now each is graded (3/4:
    add is wrong) or rejected as too deep."""
    import csv
    import shutil

    from conftest import ATTACK_COURSE, ROOT, run_course

    shutil.copytree(ATTACK_COURSE, tmp_path / "course")
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    text = (ROOT / "tests" / "attacks" / "g09_nested_just_below_the_limit.py").read_text()
    for n in range(2915, 2990, 3):
        (subs / f"g09_{n}.py").write_text(text.replace("{{TERMS}}", f"{n:,}").replace("{{SUM}}", "+".join(["1"] * n)))
    proc = run_course("--root", tmp_path / "course", "grade", "duo", subs, "--out", out, "--jobs", "1",
                      "--no-resume", "--submission-timeout", "20", check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    outcomes = {(r["status"], r["score"]) for r in rows}
    assert outcomes <= {("graded", "3"), ("rejected", "0")}, rows
    assert len(outcomes) == 2, rows  # the range spans the reader's limit


def test_semaphore_sets_and_message_queues_are_refused(graded):
    """Before: 1,026 MB of semaphore sets (memory_mb 1024) and message queues, none of it counted.
    Now the runner's seccomp filter refuses semget and msgget too (System V IPC as a whole)."""
    _proc, out, rows, _records = graded
    name = "g10_semaphores_and_message_queues"
    log = (out / "logs" / f"{name}.log").read_text()
    assert log.count("within the memory limit") == 2 and "OVER" not in log, log[-2000:]
    assert "held 0 MB" in log, log[-2000:]
    assert (rows[name]["status"], float(rows[name]["score"])) == ("graded", 4.0), rows[name]


def test_a_submission_cannot_make_the_tests_memo_hold_gigabytes(tmp_path):
    """g11 on the real image_tensors (its tests' memo, `_checks.student`): load_image answering
    every path with 150 MB. Before: the grading process kept one per distinct path of a test file
    (its peak, as the record reports it, 937 MB; more paths, or answers nearer max_message_mb,
    more). Now the memo keeps at most 64 MB for all functions: 213 MB (one answer in flight at a
    time), and the honest submission graded after it on the same worker gets full marks."""
    import json

    from autograder.config import load_course
    from conftest import ROOT, run_course
    from test_batch_support import read_csv

    slug = "image_tensors"
    solution = (ROOT / "solutions" / slug / f"{slug}.py").read_text(encoding="utf-8")
    attack = (ROOT / "tests" / "attacks" / "g11_hoard_the_memo.py").read_text(encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a_g11_hoard_the_memo.py").write_text(solution + "\n\n" + attack, encoding="utf-8")
    (subs / "b_honest.py").write_text(solution, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_course("--root", ROOT, "grade", slug, subs, "--out", out, "--jobs", "1", "--no-similarity",
                      check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    full = load_course(ROOT).get(slug).total_points
    assert rows["b_honest"]["status"] == "graded" and float(rows["b_honest"]["score"]) == full, rows["b_honest"]
    hoard = rows["a_g11_hoard_the_memo"]
    assert hoard["status"] == "graded" and float(hoard["score"]) < full, hoard  # its load_image is wrong
    record = json.loads((out / "state" / "records" / "a_g11_hoard_the_memo.json").read_text(encoding="utf-8"))
    peak_mb = int(record["judge_peak_kb"]) / 1024
    assert 150 < peak_mb < 500, f"the grading process peaked at {peak_mb:.0f} MB grading g11"
