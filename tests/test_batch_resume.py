"""A batch killed with SIGKILL and rerun with the same --out: nothing lost, nothing graded
twice, no half-written file; a changed submission is regraded, an unchanged batch is not."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import psutil

from conftest import COURSE, write_mini_course
from test_batch_support import check_outputs, engine_args, graded_events, read_csv

N = 12
SLOW = "import time\ntime.sleep(1.5)  # a slow import: the batch takes a while\n"


def _submissions(root, folder):
    solution = (root / "solutions/mini/mini.py").read_text()
    stub = (root / "assignments/mini/mini.py").read_text()
    folder.mkdir()
    for i in range(N):
        body = solution if i % 3 else stub
        (folder / f"student{i:02d}.py").write_text(SLOW + body)


def _snapshot(out):
    """{name: (record bytes, results mtime_ns)} of the submissions with a record now."""
    snap = {}
    for rec in (out / "state" / "records").glob("*.json"):
        data = rec.read_bytes()
        json.loads(data)  # complete, never half-written
        res = out / "results" / f"{rec.stem}.json"
        snap[rec.stem] = (data, res.stat().st_mtime_ns if res.exists() else None)
    return snap


def test_sigkill_then_resume(tmp_path):
    root = write_mini_course(tmp_path / "course")
    subs, out = tmp_path / "subs", tmp_path / "out"
    _submissions(root, subs)
    cmd = [COURSE, "--root", str(root), "grade", "mini", str(subs), "--out", str(out), "--jobs", "2",
           *engine_args()]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    records = out / "state" / "records"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if records.is_dir() and len(list(records.glob("*.json"))) >= N // 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch ended before it could be killed:\n" + proc.stdout.read()
        children = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)  # kill -9 of `course grade` alone, mid-batch
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Its worker processes (and whatever they started) go with it: none left grading.
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, [p.cmdline() for p in alive]

    before = _snapshot(out)
    assert N // 2 <= len(before) < N, len(before)
    assert not (out / "grades.csv").exists()  # reports come at the end of a run

    rerun = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{N - len(before)} to grade, {len(before)} already graded" in rerun.stdout

    rows = read_csv(out / "grades.csv")
    assert [r["submission"] for r in rows] == [f"student{i:02d}" for i in range(N)]  # none lost
    for i, r in enumerate(rows):
        assert r["status"] == "graded" and r["score"] == ("0" if i % 3 == 0 else "5"), r
    counts = graded_events(out)
    assert counts == {f"student{i:02d}": 1 for i in range(N)}, counts  # none graded twice
    after = _snapshot(out)
    for name, (data, mtime) in before.items():  # the ones done before the kill were left alone
        assert after[name][0] == data
        if mtime is not None:
            assert after[name][1] == mtime, name
    check_outputs(out)

    # Unchanged: nothing to grade, outputs untouched. Changed: only that one is regraded.
    grades_mtime = (out / "grades.csv").stat().st_mtime_ns
    again = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and f"0 to grade, {N} already graded" in again.stdout, again.stdout
    assert (out / "grades.csv").stat().st_mtime_ns == grades_mtime
    (subs / "student00.py").write_text((root / "solutions/mini/mini.py").read_text())
    changed = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "regrading student00: the submission changed" in changed.stdout and "1 to grade" in changed.stdout
    assert read_csv(out / "grades.csv")[0]["score"] == "5"
    counts = graded_events(out)
    assert counts["student00"] == 2 and all(counts[f"student{i:02d}"] == 1 for i in range(1, N))
    check_outputs(out)


def test_dead_worker_is_a_grader_failure_and_spares_the_others(tmp_path):
    """A worker process that dies (here: trusted in-process code calling os._exit) is the
    grader failing: that row says so, the exit status is 1, every other submission is graded,
    and the rerun retries only the failed one."""
    root = write_mini_course(tmp_path / "course")
    solution = (root / "solutions/mini/mini.py").read_text()
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    for i in range(5):
        (subs / f"ok{i}.py").write_text(solution)
    (subs / "killer.py").write_text("import os\nos._exit(9)\n")
    cmd = [COURSE, "--root", str(root), "grade", "mini", str(subs), "--out", str(out), "--jobs", "2",
           "--engine", "inprocess"]
    first = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert first.returncode == 1, first.stdout + first.stderr
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    assert rows["killer"]["status"] == "failed" and "worker process died" in rows["killer"]["reason"]
    assert rows["killer"]["score"] == ""
    assert all(rows[f"ok{i}"]["status"] == "graded" and rows[f"ok{i}"]["score"] == "5" for i in range(5))
    assert "the grader failed on 1 submission" in first.stderr
    second = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert second.returncode == 1 and "1 to grade, 5 already graded" in second.stdout, second.stdout
    check_outputs(out)


class _InstantPool:
    """A stand-in for the executor's process pool: each task is done as it is submitted (its name
    recorded in `submitted`), except "killer", whose worker dies: that future fails and the pool
    refuses every later submit, as a broken ProcessPoolExecutor does."""

    def __init__(self, submitted: list):
        self.submitted, self.broken = submitted, False

    def submit(self, fn, task):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        if self.broken:
            raise BrokenProcessPool("a worker died")
        self.submitted.append(task["name"])
        fut = Future()
        if task["name"] == "killer":
            self.broken = True
            fut.set_exception(BrokenProcessPool("a worker died"))
        else:
            fut.set_result({"name": task["name"], "result": "ok"})
        return fut

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def test_pool_refusing_submit_after_a_death_is_retried_not_fatal(monkeypatch):
    """Race seen under load: a worker dies, and the pool refuses the next submit (raising
    BrokenProcessPool) before the dead worker's future is collected. The batch must carry on:
    the refused task is regraded, the culprit retried alone, the rest graded."""
    from autograder.batch import executors

    ex = executors.LocalExecutor(jobs=2, bundle_zip=b"", key="k", engine="inprocess", timeout=None)
    monkeypatch.setattr(ex, "_new_pool", lambda n: _InstantPool([]))
    tasks = [{"name": n, "digest": n} for n in ("killer", "a", "b", "c")]
    done = {}
    ex.run(tasks, lambda task, outcome: done.setdefault(task["name"], outcome))
    assert sorted(done) == ["a", "b", "c", "killer"]
    assert all(done[n].get("result") == "ok" for n in "abc"), done
    assert "died" in done["killer"]["failure"] and "2 attempts" in done["killer"]["failure"]


def test_a_worker_gets_its_next_submission_before_the_client_writes_the_last_result(monkeypatch):
    """The client's files for a result (record, journal, reports: fsync'd, tens of ms) are written
    while the worker grades the next submission, never while it waits for one; still at most
    `jobs` submissions in flight."""
    from autograder.batch import executors

    submitted = []
    ex = executors.LocalExecutor(jobs=1, bundle_zip=b"", key="k", engine="inprocess", timeout=None)
    monkeypatch.setattr(ex, "_new_pool", lambda n: _InstantPool(submitted))
    seen = []
    ex.run([{"name": n, "digest": n} for n in "abc"], lambda task, outcome: seen.append((task["name"], list(submitted))))
    assert seen == [("a", ["a", "b"]), ("b", ["a", "b", "c"]), ("c", ["a", "b", "c"])]


def test_the_workers_share_the_cores_for_their_thread_pools(monkeypatch):
    from autograder.batch import executors

    monkeypatch.setattr(executors.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert [executors._threads_per_worker(j) for j in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]


# Crash injection: `course grade` run in a subprocess whose store dies (os._exit, like a kill:
# no cleanup, no finally) at one chosen point of the second submission's commit. The order of
# writes and what each point must leave are in autograder/batch/store.py's docstring.
CRASH_DRIVER = r'''
import os, sys
import psutil
from autograder.batch import store
from autograder.cli import main

point, pids_file = sys.argv[1], sys.argv[2]
commits = []

def die():
    with open(pids_file, "w") as f:  # the workers must not outlive us: the test checks
        f.write(" ".join(str(p.pid) for p in psutil.Process().children(recursive=True)))
    os._exit(137)

real_replace, real_append, real_commit = os.replace, store.ResultStore._append, store.ResultStore.commit

def replace(src, dst, *a, **k):
    if point == "before-record" and len(commits) == 2 and "records" in str(dst):
        die()  # the record's temp file is written and fsync'd, not yet published
    return real_replace(src, dst, *a, **k)

def append(self, data):
    if len(commits) == 2 and b'"graded"' in data:
        if point == "before-line":
            die()
        if point == "mid-line":
            real_append(self, data[: len(data) // 2])
            die()
    return real_append(self, data)

def commit(self, record):
    commits.append(record["name"])
    real_commit(self, record)
    if point == "after-line" and len(commits) == 2:
        die()

store.os.replace = replace
store.ResultStore._append = append
store.ResultStore.commit = commit
sys.exit(main(sys.argv[3:]))
'''


def _crash_then_rerun(tmp_path, point):
    import sys

    root = write_mini_course(tmp_path / "course")
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    solution = (root / "solutions/mini/mini.py").read_text()
    stub = (root / "assignments/mini/mini.py").read_text()
    names = [f"s{i}" for i in range(4)]
    for i, name in enumerate(names):
        (subs / f"{name}.py").write_text(stub if i == 1 else solution)
    args = ["--root", str(root), "grade", "mini", str(subs), "--out", str(out), "--jobs", "1",
            "--engine", "inprocess"]
    pids = tmp_path / "pids"
    crashed = subprocess.run([sys.executable, "-c", CRASH_DRIVER, point, str(pids), *args], cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
    assert crashed.returncode == 137, crashed.stdout + crashed.stderr
    workers = [psutil.Process(int(p)) for p in pids.read_text().split() if psutil.pid_exists(int(p))]
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    records = sorted(p.stem for p in (out / "state" / "records").glob("*.json"))
    return root, subs, out, args, records, graded_events(out)


def _rerun_and_check(tmp_path, out, args, kept, recovered):
    rerun = subprocess.run([COURSE, *args], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{4 - kept} to grade, {kept} already graded" in rerun.stdout, rerun.stdout
    events = [json.loads(line) for line in (out / "state" / "journal.jsonl").read_text().splitlines()
              if line.startswith("{") and line.endswith("}")]
    graded = [e for e in events if e["event"] == "graded"]
    # Record and journal agree: one complete line per record's grading, none twice.
    assert sorted(e["name"] for e in graded) == ["s0", "s1", "s2", "s3"], graded
    for e in graded:
        record = json.loads((out / "state" / "records" / f"{e['name']}.json").read_text())
        assert (e["run"], e["digest"], e["status"]) == (record["run"], record["digest"], "graded")
    assert sorted(e["name"] for e in graded if e.get("recovered")) == recovered
    rows = read_csv(out / "grades.csv")
    assert [(r["submission"], r["score"]) for r in rows] == [("s0", "5"), ("s1", "0"), ("s2", "5"), ("s3", "5")]
    check_outputs(out)


def test_crash_before_the_record_is_published(tmp_path):
    root, subs, out, args, records, logged = _crash_then_rerun(tmp_path, "before-record")
    assert records == ["s0"] and logged == {"s0": 1}
    assert list((out / "state" / "records").glob(".s1.json.*.tmp"))  # written, never published
    _rerun_and_check(tmp_path, out, args, kept=1, recovered=[])


def test_crash_between_record_and_journal_line(tmp_path):
    """The gap of issue 17: the rerun completes the line from the record and grades nothing twice."""
    root, subs, out, args, records, logged = _crash_then_rerun(tmp_path, "before-line")
    assert records == ["s0", "s1"] and logged == {"s0": 1}
    _rerun_and_check(tmp_path, out, args, kept=2, recovered=["s1"])


def test_crash_in_the_middle_of_the_journal_line(tmp_path):
    root, subs, out, args, records, logged = _crash_then_rerun(tmp_path, "mid-line")
    assert records == ["s0", "s1"] and logged == {"s0": 1}
    assert not (out / "state" / "journal.jsonl").read_bytes().endswith(b"\n")  # cut short
    _rerun_and_check(tmp_path, out, args, kept=2, recovered=["s1"])


def test_crash_after_the_journal_line(tmp_path):
    root, subs, out, args, records, logged = _crash_then_rerun(tmp_path, "after-line")
    assert records == ["s0", "s1"] and logged == {"s0": 1, "s1": 1}
    _rerun_and_check(tmp_path, out, args, kept=2, recovered=[])
