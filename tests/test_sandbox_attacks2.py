"""Issue 11's attacks (tests/attacks/b*.py), graded by the real `course grade` with `--jobs 1`:
each attack is followed on the same worker by an honest submission (`<attack>_zhonest`, names
sort right after it). Asserted for each: the attacker's row (status, reason), the neighbour's
full marks, the batch's wall time (bounded from the limits, not a benchmark) and the judge's
peak memory (the grading process's own ru_maxrss, recorded with every result in
state/records/, compared with an honest batch's).

Every attack here failed on the code before issue 11's fix (see the docstring of each attack).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import run_course

HERE = Path(__file__).resolve().parent
ATTACKS = HERE / "attacks"
FIXTURE = HERE / "fixtures" / "attack_course"
SLUG = "duo"
FULL = 4.0
CALL_TIMEOUT = 3.0           # course.yml limits.timeout
SUBMISSION_TIMEOUT = 12.0    # --submission-timeout (course.yml says 20: the flag must win)
SLACK = 15.0                 # set-up, import and clean-up of one submission on a busy machine
HIDDEN_VALUES = ("13.371337", "4242.4242", "secret_golden")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@dataclass
class Row:
    name: str
    score: float
    status: str
    reason: str
    results_text: str
    log: str
    elapsed: float
    judge_peak_kb: int

    @property
    def results(self) -> dict:
        return json.loads(self.results_text)


@dataclass
class Batch:
    rows: dict[str, Row]
    wall: float
    returncode: int
    stdout: str
    stderr: str

    def peak_kb(self) -> int:
        return max(r.judge_peak_kb for r in self.rows.values())


def _grade(tmp: Path, subs: Path, name: str) -> Batch:
    out = tmp / f"out-{name}"
    started = time.monotonic()
    proc = run_course("--root", tmp / "course", "grade", SLUG, subs, "--out", out, "--jobs", "1", "--no-resume",
                      "--submission-timeout", SUBMISSION_TIMEOUT, check=False, timeout=900)
    wall = time.monotonic() - started
    assert (out / "grades.csv").exists(), proc.stderr[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    rows = {}
    for r in table:
        name = r["submission"]
        record = json.loads((out / "state" / "records" / f"{name}.json").read_text())
        log = out / "logs" / f"{name}.log"
        rows[name] = Row(name, float(r["score"] or 0), r["status"], r["reason"],
                         (out / "results" / f"{name}.json").read_text(),
                         log.read_text(errors="replace") if log.exists() else "",
                         float(record["result"]["elapsed"]), int(record["judge_peak_kb"]))
    return Batch(rows, wall, proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Batch, Batch]:
    tmp = tmp_path_factory.mktemp("attacks2")
    shutil.copytree(FIXTURE, tmp / "course")
    honest = (FIXTURE / "solutions" / SLUG / "duo.py").read_text()
    subs, base = tmp / "subs", tmp / "honest"
    subs.mkdir()
    base.mkdir()
    for src in sorted(ATTACKS.glob("b*.py")):
        shutil.copy(src, subs / src.name)
        (subs / f"{src.stem}_zhonest.py").write_text(honest)
    for name in ("h1", "h2"):
        (base / f"{name}.py").write_text(honest)
    return _grade(tmp, base, "honest"), _grade(tmp, subs, "attacks")


@pytest.fixture(scope="module")
def batch(graded) -> Batch:
    return graded[1]


def attack_names() -> list[str]:
    return [p.stem for p in sorted(ATTACKS.glob("b*.py"))]


def _messages(row: Row) -> str:
    return "\n".join(t.get("output", "") for t in row.results.get("tests", []))


# --- the batch as a whole ------------------------------------------------------------------

def test_batch_ends_without_grader_failures(batch):
    assert batch.returncode == 0, batch.stderr[-3000:]
    assert not [r for r in batch.rows.values() if r.status == "failed"]


@pytest.mark.parametrize("attack", attack_names())
def test_the_honest_neighbour_keeps_full_marks(batch, attack):
    r = batch.rows[f"{attack}_zhonest"]
    assert (r.status, r.score) == ("graded", FULL), f"{r.status} {r.score}: {r.reason}"


def test_wall_time_is_bounded_by_the_limits(batch):
    n = len(attack_names())
    # Each attacker may use its whole submission deadline; startup (pool, template) is the SLACK.
    bound = n * (SUBMISSION_TIMEOUT + SLACK) + 4 * SLACK
    assert batch.wall < bound, f"{batch.wall:.0f} s for {n} attacks (bound {bound:.0f} s)"
    for r in batch.rows.values():
        assert r.elapsed < SUBMISSION_TIMEOUT + SLACK, f"{r.name} took {r.elapsed:.1f} s"


def test_judge_peak_memory_within_twice_an_honest_batch(graded):
    honest, attacks = graded
    assert honest.peak_kb() > 10_000  # measured, in KiB
    assert attacks.peak_kb() < 2 * honest.peak_kb(), (honest.peak_kb(), attacks.peak_kb())


# --- each finding --------------------------------------------------------------------------

def test_b01_deep_folders_do_not_break_the_next_session(batch):
    r = batch.rows["b01_deep_dirs"]
    assert "DEEP made 3000 levels" in r.log  # the attack ran
    # Its own row: full marks, or (on a very busy machine, two imports of 3000 mkdirs) a timeout.
    assert (r.status, r.score) == ("graded", FULL) or r.status == "timeout", r.reason


def test_b02_image_and_array_claims_are_checked_against_the_bytes(batch):
    r = batch.rows["b02_pil_bomb"]
    assert r.status == "graded" and r.score == FULL - 3, r.results_text[:2000]  # add, scale, hidden scale
    text = _messages(r)
    assert "could not be read" in text and "does not match its 16 bytes" in text, text[:2000]
    assert r.elapsed < 2 * CALL_TIMEOUT + 8  # two faulted calls and their restarts


def test_b03_colliding_hashes_are_refused_before_the_work(batch):
    r = batch.rows["b03_hash_bomb"]
    assert r.status == "graded" and r.score == FULL - 3, r.results_text[:2000]  # add, scale, hidden scale
    assert "hash alike" in _messages(r)
    # Before the fix decoding these two replies took the judge about 20 s.
    assert r.elapsed < 2 * CALL_TIMEOUT + 8  # two faulted calls and their restarts


def test_b04_endless_iteration_ends_at_the_submission_deadline(batch):
    """Two limits end the endless iteration, whichever comes first, and both are right: the
    submission's deadline (the row `timeout`: add and scale ran before output_shape, the hidden
    case never started, 2/4), or, on a machine fast enough to make ~170,000 round trips in
    that time, the session's 8 MiB budget of answers' headers (round i), which fails only the
    case that iterated (3/4: the hidden case runs). It was one or the other by load (8.8 s,
    11.3 s, 12.0 s alone): the test asserted the deadline and failed one run in three."""
    r = batch.rows["b04_endless_iterator"]
    assert r.elapsed < SUBMISSION_TIMEOUT + SLACK, r.elapsed
    if r.status == "timeout":
        assert f"{SUBMISSION_TIMEOUT:g} s in all" in r.reason
        assert SUBMISSION_TIMEOUT - 1 < r.elapsed
        assert r.score == 2  # add and scale ran before output_shape; the hidden case never started
    else:
        assert r.status == "graded", f"{r.status}: {r.reason}"
        assert "8 MiB of lists, dicts and other values in all" in r.reason, r.reason
        assert r.score == 3  # only output_shape's case, the one that iterated, failed


def test_b05_malformed_import_reply_is_the_students_error(batch):
    r = batch.rows["b05_bad_exc_reply"]
    assert (r.status, r.score) == ("error", 0), r.reason
    assert "malformed reply" in r.reason


def test_b06_public_cases_never_see_hidden_inputs(batch):
    r = batch.rows["b06_record_hidden"]
    assert "RECORDED" in r.results_text  # it did show every argument it had seen
    for value in HIDDEN_VALUES:
        assert value not in r.results_text


def test_b07_warnings_are_recorded_not_printed(batch):
    r = batch.rows["b07_warning_flood"]
    assert (r.status, r.score) == ("graded", FULL), r.reason
    assert "WARNFLOOD" in r.log and "[warning] UserWarning" in r.log
    assert "WARNFLOOD" not in batch.stdout + batch.stderr
    assert "PWNED" not in batch.stdout + batch.stderr


def test_b08_exception_text_is_capped_on_the_wire(batch):
    r = batch.rows["b08_huge_exception"]
    assert r.score == 0
    assert len(r.results_text) < 64_000 and len(r.log) < 64_000
    assert "more characters" in r.results_text  # cut with a visible mark


def test_b09_network_warning_is_the_judges_own(batch):
    r = batch.rows["b09_fake_netns"]
    assert "NETNS note planted" in r.log  # the attack reached the runner's notes
    assert (r.status, r.score) == ("graded", FULL)
    assert "network access" not in batch.stderr and "network namespace" not in batch.stderr


def test_b10_no_user_namespace_in_the_runner(batch):
    r = batch.rows["b10_user_namespace"]
    assert "USERNS refused" in r.log and "USERNS created" not in r.log
    assert (r.status, r.score) == ("graded", FULL)


# --- the limit itself ----------------------------------------------------------------------

def test_submission_timeout_is_read_from_course_yml_and_checked(tmp_path):
    from autograder.config import ConfigError, Limits, load_course

    course = load_course(FIXTURE)
    limits = course.get(SLUG).limits
    assert limits.submission_timeout == 20 and limits.effective_submission_timeout == 20.0
    assert Limits(timeout=7).effective_submission_timeout == 70.0  # the default: 10 x the per-call timeout
    shutil.copytree(FIXTURE, tmp_path / "course")
    yml = tmp_path / "course" / "course.yml"
    yml.write_text(yml.read_text().replace("submission_timeout: 20", "submission_timeout: -3"))
    with pytest.raises(ConfigError, match="limits.submission_timeout: expected a positive number"):
        load_course(tmp_path / "course")
