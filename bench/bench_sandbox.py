"""Benchmark: grading with the sandbox engine against `otter run`, side by side.

Per-submission wall time on the same submissions and the same test files:

- ours: the real `course grade --jobs 1` on a batch of N_BATCH submissions (solution and stub
  copies, alternating), its whole wall time (start-up, template, every submission) / N_BATCH;
- peer: `otter run` (the real CLI, non-containerised) with an autograder zip that
  `otter generate` makes from the same tests, assets and hidden files, one call per submission,
  on the first N_OTTER of the same submissions (each call is independent, so the mean over a
  sample is its per-submission time; all N_BATCH would take minutes).

For a numpy-only assignment (the tests' fixture `tiny`, and `image_tensors`) the target is at
least 10x faster. For submissions that import TensorFlow (a Keras
variant of `tiny` that runs a TF op in every runner, and the `classifier_swap` stub), the
overhead per submission beyond the tests' own compute must stay under 1 s: the sandbox's steady
per-submission time minus the in-process engine's (same judge, same tests, warm).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "sandbox_course"
BIN = Path(sys.executable).parent
N_BATCH = 30   # submissions in the batch `course grade` grades (a small class)
N_OTTER = 4    # of which `otter run` grades this many (its cost per submission is constant)


def _assignment(root: Path, slug: str):
    from autograder.config import load_course

    try:
        course = load_course(root)
        return course, course.get(slug)
    except Exception:  # noqa: BLE001 - an assignment still being written is skipped
        return None, None


def _submissions(assignment, folder: Path, n: int) -> list[Path]:
    """n submissions: the solution and the stub, alternating (full marks and zero)."""
    folder.mkdir(parents=True, exist_ok=True)
    subs = []
    for i in range(n):
        src = assignment.solution if i % 2 == 0 else assignment.stub
        dest = folder / f"student{i:02d}" / assignment.submission
        dest.parent.mkdir()
        shutil.copyfile(src, dest)
        subs.append(dest)
    return subs


def _env() -> dict:
    return {**os.environ, "COURSE_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}


def _otter_run(zip_path: Path, subs: list[Path], work: Path) -> tuple[list[float], list[float | None]]:
    times, scores = [], []
    for i, sub in enumerate(subs):
        out = work / f"otter-out-{i}"
        out.mkdir(parents=True)
        start = time.perf_counter()
        proc = subprocess.run([str(BIN / "otter"), "run", "-a", str(zip_path), "-o", str(out), "--no-logo", str(sub)],
                              cwd=sub.parent, capture_output=True, text=True, timeout=1800, env=_env())
        times.append(time.perf_counter() - start)
        try:
            results = json.loads((out / "results.json").read_text())
            scores.append(sum(t.get("score") or 0 for t in results.get("tests", [])))
        except (OSError, ValueError):
            scores.append(None)
            if proc.returncode:
                raise RuntimeError(f"otter run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return times, scores


def _ours(bundle, subs: list[Path], preload=None) -> tuple[float, list[float], list[float]]:
    """(template start-up, per-submission times, scores) grading the batch in one engine."""
    from autograder.grading import grade_path
    from autograder.sandbox import SandboxEngine

    engine = SandboxEngine(preload=preload)
    times, scores = [], []
    try:
        start = time.perf_counter()
        engine._zygote(bundle, subs[0].read_text())  # what the first submission would start
        startup = time.perf_counter() - start
        for sub in subs:
            t = time.perf_counter()
            r = grade_path(bundle, sub, engine)
            times.append(time.perf_counter() - t)
            scores.append(r.score)
    finally:
        engine.close()
    return startup, times, scores


def _inprocess(bundle, subs: list[Path]) -> list[float]:
    from autograder.grading import grade_path, make_engine

    engine = make_engine("inprocess")
    grade_path(bundle, subs[0], engine)  # warm: test files loaded, oracles built, libraries imported
    times = []
    for sub in subs:
        t = time.perf_counter()
        grade_path(bundle, sub, engine)
        times.append(time.perf_counter() - t)
    return times


def _ours_cli(course_root: Path, slug: str, subs: list[Path], out: Path) -> tuple[float, list[float]]:
    """The real `course grade` over the whole batch, one worker: (wall time, scores)."""
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "course"), "--root", str(course_root), "grade", slug, *(str(s.parent) for s in subs),
                           "--out", str(out), "--jobs", "1", "--no-resume"], capture_output=True, text=True,
                          timeout=3600, env=_env())
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"course grade failed ({proc.returncode}): {proc.stderr[-2000:]}")
    with open(out / "grades.csv", newline="") as f:
        scores = {row["submission"]: float(row["score"]) for row in csv.DictReader(f)}
    return wall, [scores.get(s.parent.name, float("nan")) for s in subs]


def _vs_otter(label: str, course, assignment, work: Path, n: int = N_BATCH, n_otter: int = N_OTTER) -> dict:
    """`course grade` on a class-sized batch against `otter run` on a sample of the same
    submissions (otter grades each in a fresh process, so its time per submission does not
    depend on the batch: the sample's mean is its per-submission time)."""
    from autograder.build.bundle import bundle_for
    from bench.bench_batch import otter_autograder  # the tests' helpers inlined, as otter needs

    bundle = bundle_for(assignment, course.seed)
    subs = _submissions(assignment, work / "subs", n)
    wall, ours_scores = _ours_cli(course.root, assignment.slug, subs, work / "out")
    ours = wall / len(subs)
    sample = subs[:n_otter]
    zip_path = otter_autograder(assignment, course, work / "otter-stage")
    peer_times, peer_scores = _otter_run(zip_path, sample, work)
    peer = statistics.mean(peer_times)
    agree = all(a == b for a, b in zip(ours_scores, peer_scores))
    return {"what": f"{label}: wall time per submission, `course grade --jobs 1` on {n} submissions "
                    f"vs `otter run` on {n_otter} of them",
            "ours": ours, "peer_name": "otter run", "peer": peer, "target": "at least 10x faster",
            "met": bool(ours * 10 <= peer),
            "note": (f"{peer / ours:.1f}x faster; course grade took {wall:.1f} s in all (start-up and "
                     f"template included); scores {'agree' if agree else 'DIFFER'} on the sample: "
                     f"ours {'/'.join(f'{s:g}' for s in ours_scores[:n_otter])}, otter "
                     f"{'/'.join('-' if s is None else f'{s:g}' for s in peer_scores)} of {bundle.max_score:g}")}


KERAS_TINY = """
import numpy as np
import keras


def add(a, b):
    return a + b


def safe_div(a, b):
    if b == 0:
        raise ValueError("b must not be 0")
    return float(a) / b


def scale(x, k):
    # A TensorFlow op in every runner: the child's TF runtime starts up inside the measurement.
    return keras.ops.convert_to_numpy(keras.ops.multiply(keras.ops.convert_to_tensor(np.asarray(x, float)), k))


def load_numbers(path):
    return np.loadtxt(path, dtype=float).reshape(-1)
"""


def _tf_overhead(label: str, bundle, sub: Path, n: int = 4) -> dict:
    """Steady per-submission time through the sandbox (TensorFlow template) minus the
    in-process engine's on the same submission and tests: what isolation costs."""
    from autograder.sandbox.zygote import DEFAULT_PRELOAD

    subs = [sub] * (n + 1)
    startup, ours_times, scores = _ours(bundle, subs, preload=DEFAULT_PRELOAD)
    steady = statistics.median(ours_times[1:])  # the first also loads the judge's test files
    base = statistics.median(_inprocess(bundle, subs[:n]))
    overhead = steady - base
    return {"what": f"{label}: sandbox overhead per submission beyond the tests' own compute",
            "ours": overhead, "peer_name": "in-process engine (tests' own compute)", "peer": base,
            "target": "overhead < 1 s", "met": bool(overhead < 1.0),
            "note": f"sandbox {steady:.2f} s vs in-process {base:.2f} s per submission (median of {n}, "
                    f"score {scores[-1]:g}/{bundle.max_score:g}); TensorFlow template start {startup:.1f} s, "
                    "once per batch worker"}


def bench() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        tmp = Path(tmp)
        tcourse, tiny = _assignment(FIXTURE, "tiny")
        rows.append(_vs_otter("tiny (test fixture, numpy)", tcourse, tiny, tmp / "tiny"))
        course, it = _assignment(ROOT, "image_tensors")
        if it is not None and it.solution.is_file():
            rows.append(_vs_otter("image_tensors (numpy, PIL, matplotlib)", course, it, tmp / "image_tensors"))
        from autograder.build.bundle import bundle_for

        # A submission importing Keras and running a TensorFlow op in every call to scale().
        keras_tiny = tmp / "keras_tiny" / "tiny.py"
        keras_tiny.parent.mkdir()
        keras_tiny.write_text(KERAS_TINY)
        rows.append(_tf_overhead("tiny with Keras (a TF op per call)", bundle_for(tiny, tcourse.seed), keras_tiny))
        # The real TensorFlow assignment: its stub imports Keras (the solution's tests run ~40 s of
        # model building, which would drown a sub-second difference in noise).
        course, cs = _assignment(ROOT, "classifier_swap")
        if cs is not None and cs.stub.is_file():
            rows.append(_tf_overhead("classifier_swap stub (imports Keras)", bundle_for(cs, course.seed), cs.stub))
    return rows


if __name__ == "__main__":
    for row in bench():
        print(json.dumps(row, default=str))
