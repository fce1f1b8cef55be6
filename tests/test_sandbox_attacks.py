"""Issue 3's attack submissions (tests/attacks/), graded through the sandbox engine, each with
an assertion on what came out: grades.csv, results/<name>.json (what the student sees),
logs/<name>.log (the grader's log), plus the processes left on the machine.

All attacks are graded in ONE batch (one template process, as `course grade` does), by
`grade_batch`; GRADE_THROUGH picks the real `course grade` CLI or the library path that
writes the same three outputs.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import socket
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from conftest import run_course

HERE = Path(__file__).resolve().parent
ATTACKS = HERE / "attacks"
FIXTURE = HERE / "fixtures" / "sandbox_course"
SLUG = "tiny"
FULL = 6.0

# How the batch is graded: "cli" runs the real `course grade` in a subprocess; "api" the library.
GRADE_THROUGH = "cli"  # "api": the library path (same outputs), for debugging without the CLI

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")


@dataclass
class Graded:
    name: str
    score: float
    status: str
    reason: str
    results: dict      # results/<name>.json: the Gradescope view the student gets
    results_text: str
    log: str           # logs/<name>.log: the grader's log
    row_text: str      # the grades.csv row

    def case_messages(self) -> str:
        return "\n".join(t.get("output", "") for t in self.results.get("tests", []))


# --- grading -------------------------------------------------------------------------------

def _grade_api(course_root: Path, paths: list[Path], out: Path, engine) -> None:
    """What `course grade` writes, made with the library: grades.csv, results/, logs/."""
    from autograder.build.bundle import bundle_for
    from autograder.config import load_course
    from autograder.grading import grade_path
    from autograder.grading.results import gradescope_json

    course = load_course(course_root)
    bundle = bundle_for(course.get(SLUG), course.seed)
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    rows = []
    for p in paths:
        r = grade_path(bundle, p, engine, label=p.stem)
        (out / "results" / f"{p.stem}.json").write_text(json.dumps(gradescope_json(r), indent=2))
        (out / "logs" / f"{p.stem}.log").write_text(
            f"{p.stem}: {r.status} {r.score:g}/{r.max_score:g} {r.reason}\n{r.output}")
        rows.append({"submission": p.stem, "score": r.score, "max_score": r.max_score,
                     "status": r.status, "reason": r.reason})
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _grade_cli(course_root: Path, paths: list[Path], out: Path) -> None:
    run_course("--root", course_root, "grade", SLUG, *paths, "--out", out, "--no-resume", "--jobs", "2",
               timeout=900)


def _col(row: dict, *names: str) -> str:
    for key, value in row.items():
        if key and key.strip().lower() in names:
            return value or ""
    return ""


def read_outputs(out: Path, names: list[str]) -> dict[str, Graded]:
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    graded = {}
    for name in names:
        row = next(r for r in rows if _col(r, "submission", "name", "student") in (name, f"{name}.py"))
        results_path = out / "results" / f"{name}.json"
        text = results_path.read_text() if results_path.exists() else "{}"
        log_path = out / "logs" / f"{name}.log"
        graded[name] = Graded(name, float(_col(row, "score") or 0), _col(row, "status"), _col(row, "reason"),
                              json.loads(text), text, log_path.read_text(errors="replace") if log_path.exists() else "",
                              ",".join(str(v) for v in row.values()))
    return graded


def grade_batch(course_root: Path, paths: list[Path], out: Path, engine=None) -> dict[str, Graded]:
    if GRADE_THROUGH == "cli":
        _grade_cli(course_root, paths, out)
    else:
        _grade_api(course_root, paths, out, engine)
    return read_outputs(out, [p.stem for p in paths])


# --- the batch -----------------------------------------------------------------------------

class Listener:
    """A TCP listener on 127.0.0.1 that records whether anyone connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


def leftover_processes(token: str, uids: set[int] = frozenset()) -> list[str]:
    """Processes of this batch still alive: those the fork attack marked with its token (in
    their name or command line), and any process of a runner uid the engine used."""
    found = []
    for p in psutil.process_iter(["name", "cmdline", "uids"]):
        try:
            text = " ".join([p.info["name"] or "", *(p.info["cmdline"] or [])])
            if token in text or (p.info["uids"] and p.info["uids"].real in uids):
                found.append(f"{p.pid} {text}")
        except psutil.Error:
            pass
    return found


def _descendants() -> set[int]:
    try:
        return {p.pid for p in psutil.Process().children(recursive=True)}
    except psutil.Error:
        return set()


@dataclass
class Batch:
    graded: dict[str, Graded]
    markers: dict[str, str]
    listener_connections: int
    leftover_uid_processes: list
    leftover_descendants: list
    out: Path
    course: Path


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    tmp = tmp_path_factory.mktemp("sandbox-attacks")
    course = tmp / "course"
    shutil.copytree(FIXTURE, course)
    # Unique markers: the solution, another student's submission (the hidden test file and the
    # golden output carry fixed ones from the fixture).
    markers = {"hidden test": "SBX-MARKER-HIDDEN-TEST-9d2f61c4", "golden output": "SBX-MARKER-GOLDEN-5c1e9a0b",
               "solution": f"SBX-MARKER-SOLUTION-{uuid.uuid4().hex[:12]}",
               "other submission": f"SBX-MARKER-OTHER-{uuid.uuid4().hex[:12]}"}
    solution = course / "solutions" / SLUG / "tiny.py"
    solution.write_text(solution.read_text() + f"# {markers['solution']}\n")
    subs = tmp / "submissions"
    subs.mkdir()
    out = tmp / "out"
    listener = Listener()
    guesses = [str(course / "**"), str(subs / "**"), str(out / "**"), "/tmp/course-bundle-*/**",
               "/tmp/course-worker-bundle-*/**", "/tmp/**", str(HERE.parent / "solutions" / "**"),
               "/autograder/**"]
    token = str(uuid.uuid4().int)[:9]
    fill = {"{{TOKEN}}": token, "{{PORT}}": str(listener.port), "{{PATHS}}": json.dumps(guesses), "{{OUT}}": str(out),
            "{{BUNDLE}}": "/tmp"}
    paths = []
    for src in sorted(ATTACKS.glob("a*.py")):
        text = src.read_text()
        for k, v in fill.items():
            text = text.replace(k, v)
        dest = subs / src.name
        dest.write_text(text)
        paths.append(dest)
    # Graded after the attacks: a correct submission must not be affected by any of them.
    other = subs / "zz_other_student.py"
    other.write_text((FIXTURE / "solutions" / SLUG / "tiny.py").read_text() + f"# {markers['other submission']}\n")
    paths.append(other)
    before = _descendants()
    engine = None
    if GRADE_THROUGH == "api":
        from autograder.sandbox import SandboxEngine
        engine = SandboxEngine()
    try:
        graded = grade_batch(course, paths, out, engine)
        leftover_uid = leftover_processes(token, engine.used_uids if engine is not None else set())
        if engine is not None:
            engine.close()
            engine = None
        leftover = [p for p in _descendants() - before if psutil.pid_exists(p)]
    finally:
        if engine is not None:
            engine.close()
        listener.close()
    return Batch(graded, markers, listener.connections, leftover_uid, leftover, out, course)


def _zero(g: Graded) -> None:
    assert g.score == 0, f"{g.name} scored {g.score}: {g.results_text[:2000]}"
    assert g.results.get("score") == 0


# --- the attacks ---------------------------------------------------------------------------

def test_grading_mode_is_reported(batch):
    print(f"attacks graded through: {GRADE_THROUGH}")
    assert batch.graded


def test_1_monkeypatching_otter_scores_zero(batch):
    _zero(batch.graded["a01_monkeypatch_otter"])


def test_2_lying_eq_and_subclasses_score_zero(batch):
    g = batch.graded["a02_lying_values"]
    _zero(g)
    # The ndarray subclass arrived as its true data (-7s), not as what __array__ claimed.
    assert "-7." in g.case_messages()


def test_3_fake_results_everywhere_score_zero_and_real_results_intact(batch):
    g = batch.graded["a03_fake_results"]
    _zero(g)
    assert "planted" in g.log  # the attack ran (and found only its own sandbox to write in)
    assert g.results.get("tests") and all(t["score"] == 0 for t in g.results["tests"])
    fakes = [p for p in [*batch.out.rglob("*"), *batch.course.rglob("*")]
             if p.name in ("results.json", "results.pkl") or (p.name == "grades.csv" and p.parent != batch.out)]
    assert not fakes, f"files planted outside the sandbox: {fakes}"
    for r in (batch.out / "results").glob("*.json"):
        json.loads(r.read_text())  # every real result is still the grader's own JSON


@pytest.mark.parametrize("name, says", [("a04_os_exit", "exited"), ("a04_sys_exit", "sys.exit"),
                                        ("a04_raise_systemexit", "sys.exit")])
def test_4_exit_at_import_scores_zero_with_reason(batch, name, says):
    g = batch.graded[name]
    _zero(g)
    assert g.status == "error", g.row_text
    assert says in g.reason and "import" in g.reason, g.reason


def test_5_infinite_loop_at_import_times_out(batch):
    g = batch.graded["a05_loop_import"]
    _zero(g)
    assert g.status == "timeout", g.row_text
    assert "timed out after 4 s" in g.reason


def test_5_infinite_loop_in_one_function_fails_only_its_cases(batch):
    g = batch.graded["a05_loop_function"]
    assert g.score == FULL - 2, g.results_text  # test_scale and the hidden golden case use scale()
    assert g.status == "graded"
    visible = next(t for t in g.results["tests"] if t["name"] == "q2_arrays")
    assert "timed out after 4 s" in visible["output"]
    assert next(t for t in g.results["tests"] if t["name"] == "q1_basics")["score"] == 3


def test_6_memory_bomb_fails_with_memory_reason(batch):
    g = batch.graded["a06_memory_bomb"]
    assert g.score == FULL - 2, g.results_text  # the two cases calling add()
    assert "ran out of memory (limit 1 GiB)" in g.case_messages()
    assert psutil.Process().memory_info().rss < 4 * 2**30  # the grader itself is unharmed


def test_7_fifty_sleeping_children_are_all_gone(batch):
    g = batch.graded["a07_fork_children"]
    assert g.score == FULL, g.results_text
    assert "SPAWNED 50" in g.log  # they did start
    assert not batch.leftover_uid_processes, batch.leftover_uid_processes
    assert not batch.leftover_descendants, [psutil.Process(p).cmdline() for p in batch.leftover_descendants
                                            if psutil.pid_exists(p)]


def test_8_filesystem_walk_finds_no_marker(batch):
    g = batch.graded["a08_snoop"]
    _zero(g)
    m = re.search(r"SNOOP walked (\d+) files; found (\d+)", g.log)
    assert m, "the snooping submission did not run to the end"
    assert int(m.group(1)) > 0 and m.group(2) == "0"
    # Every file the batch wrote: grades.csv, results/*.json, logs/*.log, the report, its state.
    everything = [p for p in sorted(batch.out.rglob("*")) if p.is_file()]
    assert batch.out / "grades.csv" in everything and len(everything) > 2 * len(batch.graded)
    for what, marker in batch.markers.items():
        for path in everything:
            # The TA-only report shows submitted code side by side in its similarity section, so the
            # other student's own marker may appear there; nowhere else, and never in what the snooper got.
            if what == "other submission" and path == batch.out / "report.html":
                continue
            assert marker not in path.read_text(errors="replace"), f"{marker} leaked into {path}"
    for path in everything:
        if "a08_snoop" in path.name:
            text = path.read_text(errors="replace")
            assert not any(m in text for m in batch.markers.values()), f"a marker reached the snooper's {path}"


def test_9_network_is_unreachable(batch):
    g = batch.graded["a09_network"]
    _zero(g)
    assert batch.listener_connections == 0
    m = re.search(r"NET (.*)", g.log)
    assert m and m.group(1) != "connected"
    assert re.search(r"refused|unreachable", m.group(1), re.I), m.group(1)


def test_10_printing_100_mb_is_capped(batch):
    g = batch.graded["a10_print_flood"]
    assert g.score == FULL, g.results_text
    assert g.status == "graded"
    assert len(g.log) < 16 * 1024 + 4096, len(g.log)  # output_kb = 16 in the fixture
    assert "more characters of output dropped" in g.log
    assert len(g.results_text) < 20_000


def test_11_segfault_is_a_crash_and_others_grade_normally(batch):
    g = batch.graded["a11_segfault"]
    assert g.score == FULL - 2, g.results_text
    assert "the runner crashed" in g.case_messages() and "segmentation fault" in g.case_messages()
    other = batch.graded["zz_other_student"]
    assert other.score == FULL and other.status == "graded", other.results_text
