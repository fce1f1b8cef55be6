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


def test_pool_refusing_submit_after_a_death_is_retried_not_fatal(monkeypatch):
    """Race seen under load: a worker dies, and the pool refuses the next submit (raising
    BrokenProcessPool) before the dead worker's future is collected. The batch must carry on:
    the refused task is regraded, the culprit retried alone, the rest graded."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from autograder.batch import executors

    class FakePool:
        made = 0

        def __init__(self):
            FakePool.made += 1
            self.broken = False

        def submit(self, fn, task):
            if self.broken:
                raise BrokenProcessPool("a worker died")
            fut = Future()
            if task["name"] == "killer":
                self.broken = True  # its worker dies: this future fails, the pool is broken
                fut.set_exception(BrokenProcessPool("a worker died"))
            else:
                fut.set_result({"name": task["name"], "result": "ok"})
            return fut

        def shutdown(self, wait=True, cancel_futures=False):
            pass

    ex = executors.LocalExecutor(jobs=2, bundle_zip=b"", key="k", engine="inprocess", timeout=None)
    monkeypatch.setattr(ex, "_new_pool", lambda n: FakePool())
    tasks = [{"name": n, "digest": n} for n in ("killer", "a", "b", "c")]
    done = {}
    ex.run(tasks, lambda task, outcome: done.setdefault(task["name"], outcome))
    assert sorted(done) == ["a", "b", "c", "killer"]
    assert all(done[n].get("result") == "ok" for n in "abc"), done
    assert "died" in done["killer"]["failure"] and "2 attempts" in done["killer"]["failure"]
