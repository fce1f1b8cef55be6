"""Benchmark: batch-grading throughput of `course grade --jobs 2` beside an `otter run` loop.

For a numpy assignment (image_tensors) and a TensorFlow one (convolution when the course has
it, else pooling: their grading tests use Keras as the oracle), the same N submissions (env
BENCH_SUBMISSIONS, default 200: 3 in 5 the reference solution, 1 in 5 the stub, 1 in 5 the
solution with one function missing) are graded

  ours: `course grade SLUG subs/ --out DIR --jobs 2` (default engine: the sandbox), one run,
        wall-clock time including start-up, bundle and report writing;
  peer: the real otter CLI: `otter generate` once (all test files, hidden cases included, and
        the assignment's assets and hidden data as support files), then
        `otter run -a autograder.zip` once per submission, two at a time (the two cores
        `--jobs 2` gets), wall-clock time, on the first BENCH_OTTER_SUBMISSIONS (default 40, the same
        mix) of them: its rate does not depend on N (one process per submission), and a loop over
        all 200 takes the better part of an hour.

Rows give wall-clock seconds per submission (the harness' unit: lower is better, `met` = ours
<= peer); the note gives both throughputs in submissions per minute and says on how many
submissions the two agree about the total score.
`bench()` returns the rows; `python bench/bench_batch.py` prints them.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
JOBS = 2


def _count() -> int:
    return max(1, int(os.environ.get("BENCH_SUBMISSIONS", "200")))


def _otter_count(n: int) -> int:
    """BENCH_OTTER_SUBMISSIONS runs the otter loop on the first K of the N submissions only (the
    same mix when K is a multiple of 5): `otter run` starts one process per submission, so its
    rate does not depend on N, and a full loop of 200 takes the better part of an hour."""
    return max(1, min(n, int(os.environ.get("BENCH_OTTER_SUBMISSIONS", "40"))))


def _course():
    sys.path.insert(0, str(ROOT))
    from autograder.config import load_course
    return load_course(ROOT)


def _pick(course, slugs):
    have = {a.slug for a in course.assignments}
    return next((course.get(s) for s in slugs if s in have), None)


def _first_function(source: str) -> str:
    names = re.findall(r"^def ([a-z]\w*)\(", source, flags=re.M)
    return names[len(names) // 2]  # one from the middle: its question loses points


def make_submissions(assignment, n: int, folder: Path) -> dict[str, str]:
    """n submissions named student000.py...; returns {name: kind}."""
    solution = assignment.solution.read_text()
    stub = assignment.stub.read_text()
    gone = _first_function(solution)
    partial = re.sub(rf"^def {gone}\(", f"def {gone}_unfinished(", solution, flags=re.M)
    folder.mkdir(parents=True, exist_ok=True)
    kinds = {}
    for i in range(n):
        kind = ("stub", "partial", "solution", "solution", "solution")[i % 5]
        (folder / f"student{i:03d}.py").write_text({"stub": stub, "partial": partial, "solution": solution}[kind])
        kinds[f"student{i:03d}"] = kind
    return kinds


def run_ours(assignment, subs: Path, out: Path) -> tuple[float, dict[str, float], str]:
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "course"), "grade", assignment.slug, str(subs), "--out", str(out),
                           "--jobs", str(JOBS), "--no-resume"], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"course grade failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    with open(out / "grades.csv", newline="") as f:
        scores = {r["submission"]: float(r["score"]) for r in csv.DictReader(f)}
    engine = "sandbox" if "engine sandbox" in proc.stdout else "?"
    return elapsed, scores, engine


def otter_autograder(assignment, course, work: Path) -> Path:
    """An otter autograder zip for the assignment: every test file (hidden cases too) and the
    bundle's assets as support files, made by the real `otter generate`."""
    from autograder.build.bundle import bundle_for
    bundle = bundle_for(assignment, course.seed)
    gen = work / "otter-generate"
    shutil.copytree(bundle.tests_dir, gen / "tests")
    for sub in ("assets", "hidden"):  # otter's tests read hidden/ too: it must ship next to the submission
        if (bundle.root / sub).is_dir():
            shutil.copytree(bundle.root / sub, gen / sub)
    assets = sorted(str(p.relative_to(gen)) for sub in ("assets", "hidden") if (gen / sub).is_dir()
                    for p in (gen / sub).rglob("*") if p.is_file())
    proc = subprocess.run([str(BIN / "otter"), "generate", "-t", "tests", "--no-requirements", "--no-environment",
                           "--no-config", "-o", "autograder.zip", *assets], cwd=gen, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"otter generate failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return gen / "autograder.zip"


def _otter_one(zip_path: Path, sub: Path, outdir: Path) -> float | None:
    outdir.mkdir(parents=True)
    proc = subprocess.run([str(BIN / "otter"), "run", "-a", str(zip_path), "-o", str(outdir), "--no-logo", str(sub)],
                          cwd=outdir, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    try:
        data = json.loads((outdir / "results.json").read_text())
    except (OSError, ValueError):
        return None if proc.returncode else 0.0
    return float(sum(t.get("score") or 0 for t in data.get("tests", [])))


def run_otter(zip_path: Path, subs: Path, work: Path, k: int) -> tuple[float, dict[str, float | None]]:
    files = sorted(subs.glob("*.py"))[:k]
    start = time.perf_counter()
    with ThreadPoolExecutor(JOBS) as pool:
        scores = list(pool.map(lambda p: _otter_one(zip_path, p, work / "otter-out" / p.stem), files))
    elapsed = time.perf_counter() - start
    return elapsed, {p.stem: s for p, s in zip(files, scores)}


def bench_assignment(course, assignment, n: int, label: str) -> dict:
    """One row in the harness' units: `ours` and `peer` are wall-clock seconds per submission
    (1 / throughput; lower is better), the note gives submissions per minute."""
    with tempfile.TemporaryDirectory(prefix=f"bench-batch-{assignment.slug}-") as tmp:
        work = Path(tmp)
        subs = work / "subs"
        make_submissions(assignment, n, subs)
        ours_s, ours_scores, engine = run_ours(assignment, subs, work / "out")
        ours = ours_s / n
        note = f"ours {60 / ours:.1f} submissions/min ({n} in {ours_s:.0f} s, {engine} engine)"
        try:
            zip_path = otter_autograder(assignment, course, work)
            k = _otter_count(n)
            peer_s, peer_scores = run_otter(zip_path, subs, work, k)
            peer = peer_s / k
            agree = sum(1 for name, v in ours_scores.items() if peer_scores.get(name) is not None
                        and abs(peer_scores[name] - v) < 1e-6)
            note += (f"; otter run {60 / peer:.1f} submissions/min ({k}" + (f", the first of the {n}" if k < n else "")
                     + f" in {peer_s:.0f} s); same total score on {agree}/{k}; throughput x{peer / ours:.1f}")
        except Exception as e:  # noqa: BLE001 - report why the peer could not run
            peer = None
            note += f"; otter run could not run here: {type(e).__name__}: {e}"[:400]
    return {"what": f"batch grading, {label} assignment {assignment.slug}: {n} submissions, --jobs {JOBS} "
                    f"(wall seconds per submission)",
            "ours": ours, "peer_name": f"otter run loop, {JOBS} at a time", "peer": peer,
            "target": "at least as fast", "met": bool(peer is not None and ours <= peer), "note": note}


def bench() -> list[dict]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    course = _course()
    n = _count()
    rows = []
    numpy_a = _pick(course, ["image_tensors"])
    tf_a = _pick(course, ["convolution", "pooling", "activations"])
    for assignment, label in ((numpy_a, "numpy"), (tf_a, "TensorFlow")):
        if assignment is not None:
            rows.append(bench_assignment(course, assignment, n, label))
    return rows


if __name__ == "__main__":
    for row in bench():
        print(json.dumps(row))
