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
Issue 16 adds, per assignment, where a submission's seconds go, read from the per-submission
records `course grade` writes (state/records/<name>.json, result.timing): the student's calls
(timed in the runner), the judge (the tests' own work: oracles, comparisons), sandbox traffic
(the rest of each call's round trip) and per-submission start-up (a runner forked, the module
imported); the target is judge + sandbox (traffic and start-up) at most 25% of the student's
time. BENCH_SUBMISSIONS may list several sizes ("30,200", the default): the side-by-side row is
repeated per size, the otter loop runs once per assignment (its rate does not depend on N).
BENCH_SPLIT_SUBMISSIONS (default 5, all honest) sizes the split-only batches of the other
assignments; BENCH_SPLIT_SLUGS limits which assignments get one. The start-up row times
`course grade` from launch to its first graded submission (target: 3 s for a numpy assignment).
The ceiling row divides the otter loop's seconds by the student's own (its calls, as the runner
timed them, over the two workers): the factor a grader of the same tests could reach if sandbox
and judge cost nothing. The floor row is the other bound: the sandbox alone (two sessions and as
many round trips as the tests made, to a function that does nothing), against the 25% allowed.

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


def _counts() -> list[int]:
    return [max(1, int(v)) for v in os.environ.get("BENCH_SUBMISSIONS", "30,200").split(",") if v.strip()]


def _count() -> int:
    return max(_counts())


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


def run_ours(assignment, subs: Path, out: Path, first: list | None = None) -> tuple[float, dict[str, float], str]:
    """`course grade` on the folder; `first` (a list) receives the seconds from launch to the
    first submission's record on disk (the grader's first graded submission)."""
    records = out / "state" / "records"
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        start = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "course"), "grade", assignment.slug, str(subs), "--out", str(out),
                                 "--jobs", str(JOBS), "--no-resume", "--no-similarity"], cwd=ROOT, stdout=so, stderr=se,
                                text=True)
        seen = None
        while proc.poll() is None:
            if seen is None and records.is_dir() and any(records.glob("*.json")):
                seen = time.perf_counter() - start
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        so.seek(0), se.seek(0)
        stdout, stderr = so.read(), se.read()
    if first is not None:
        first.append(seen if seen is not None else elapsed)
    if proc.returncode != 0:
        raise RuntimeError(f"course grade failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    with open(out / "grades.csv", newline="") as f:
        scores = {r["submission"]: float(r["score"]) for r in csv.DictReader(f)}
    engine = "sandbox" if "engine sandbox" in stdout else "?"
    return elapsed, scores, engine


def time_split(out: Path) -> dict | None:
    """Mean seconds per graded submission by where they went (the records' result.timing), in
    the steady state: each worker's first submission (its warm-up: the sandbox template's
    imports, the judge's first imports and oracle computations) is left out when the batch has
    more submissions than workers, and its mean total reported as `warmup`. None when the
    records carry no call timing."""
    order = {}
    journal = out / "state" / "journal.jsonl"
    for i, line in enumerate(journal.read_text().splitlines() if journal.exists() else []):
        event = json.loads(line)
        if event.get("event") == "graded":
            order.setdefault(event.get("name"), i)
    rows, firsts, seen = [], [], set()
    records = [json.loads(p.read_text()) for p in (out / "state" / "records").glob("*.json")]
    for record in sorted(records, key=lambda r: order.get(r.get("name"), 1 << 30)):
        result = record.get("result") or {}
        t = result.get("timing") or {}
        if result.get("status") != "graded" or "student" not in t:
            continue
        worker = record.get("worker")
        (rows if worker in seen else firsts).append(t)
        seen.add(worker)
    if len(rows) < 1:
        rows, firsts = rows + firsts, []
    if not rows:
        return None
    keys = ("student", "judge", "wire", "startup")
    mean = {k: sum(float(r.get(k, 0.0)) for r in rows) / len(rows) for k in (*keys, "calls")}
    warmup = (sum(sum(float(r.get(k, 0.0)) for k in keys) for r in firsts) / len(firsts)) if firsts else None
    return {"n": len(rows), "warmup": warmup, **mean}


def split_row(slug: str, split: dict | None, label: str) -> dict:
    what = f"time split per submission, {slug} ({label}): judge + sandbox against the student's own time"
    if split is None:
        return {"what": what, "ours": None, "peer_name": "-", "peer": None, "target": "judge + sandbox <= 25% of student",
                "met": None, "note": "no call timing in the records (engine without it?)"}
    overhead = split["judge"] + split["wire"] + split["startup"]
    share = overhead / split["student"] if split["student"] > 0 else float("inf")
    ms = {k: f"{split[k] * 1e3:.0f} ms" for k in ("student", "judge", "wire", "startup")}
    return {"what": what, "ours": overhead, "peer_name": "student code", "peer": split["student"],
            "target": "judge + sandbox <= 25% of student", "met": share <= 0.25,
            "note": (f"mean of {split['n']} graded"
                     + (f" (each worker's first left out: warm-up {split['warmup']:.1f} s each)" if split.get("warmup") else "")
                     + f": student {ms['student']}, judge (oracles, comparisons) {ms['judge']}, "
                     f"sandbox traffic {ms['wire']}, start-up (runner fork, import) {ms['startup']}; "
                     f"judge + sandbox = {share:.0%} of student; judge + traffic alone "
                     f"{(split['judge'] + split['wire']) / max(split['student'], 1e-9):.0%}")}


def otter_autograder(assignment, course, work: Path) -> Path:
    """An otter autograder zip for the assignment: every test file (hidden cases too) and the
    bundle's assets as support files, made by the real `otter generate`."""
    from autograder.build.bundle import bundle_for
    bundle = bundle_for(assignment, course.seed)
    gen = work / "otter-generate"
    shutil.copytree(bundle.tests_dir, gen / "tests")
    # otter runs every .py in tests/ as a test file, and a second .py beside the submission
    # makes `otter run` refuse it: each test file gets the helpers (tests/_*.py) it imports as
    # modules registered from their source at its top, and the helper files go.
    helpers = {h.stem: h.read_text() for h in sorted((gen / "tests").glob("_*.py"))}
    # A helper may import another (`from _watch import untouched` in _checks): those it names first.
    ordered: dict[str, str] = {}
    while len(ordered) < len(helpers):
        ready = [n for n in helpers if n not in ordered and all(
            d in ordered or d == n for d in re.findall(r"^\s*(?:from|import) (_\w+)", helpers[n], re.M) if d in helpers)]
        for name in ready or [n for n in helpers if n not in ordered]:  # a cycle: as they come
            ordered[name] = helpers[name]
    helpers = ordered
    for name in helpers:
        (gen / "tests" / f"{name}.py").unlink()
    preamble = "".join(
        f"import sys as _sys, types as _types\n_m = _types.ModuleType({name!r})\n"
        f"exec(compile({source!r}, {name + '.py'!r}, 'exec'), _m.__dict__)\n_sys.modules[{name!r}] = _m\n"
        for name, source in helpers.items())
    for test in sorted((gen / "tests").glob("*.py")):
        text = test.read_text()
        future = re.match(r"((?:[ \t]*(?:#.*)?\n|\"\"\"[\s\S]*?\"\"\"\n)*(?:from __future__ import .*\n)*)", text).group(1)
        test.write_text(future + preamble + text[len(future):])
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


def record_store(course, assignment) -> str:
    """What `make release` does before anyone grades: `course build` records the tests' oracle
    results (autograder/build/oracles.py). Timed here, outside every row; '' when not needed."""
    from autograder.build import oracles
    from autograder.build.bundle import bundle_files
    started = time.perf_counter()
    files = bundle_files(assignment, course.seed, oracles="none")
    if not oracles.wanted(assignment, files):
        return ""
    fresh = oracles.cached(assignment, files) is None
    oracles.recorded(assignment, files)
    took = time.perf_counter() - started
    return (f"; oracle results recorded by the build beforehand ({took:.1f} s)" if fresh
            else "; oracle results already recorded by an earlier build")


def bench_assignment(course, assignment, sizes: list[int], label: str) -> list[dict]:
    """Side-by-side rows (one per size) in the harness' units: `ours` and `peer` are wall-clock
    seconds per submission (1 / throughput; lower is better), the note gives submissions per
    minute; then the time split and the start-up of the largest batch."""
    rows = []
    store = record_store(course, assignment)
    with tempfile.TemporaryDirectory(prefix=f"bench-batch-{assignment.slug}-") as tmp:
        work = Path(tmp)
        runs = []
        for n in sizes:
            subs, out, first = work / f"subs{n}", work / f"out{n}", []
            make_submissions(assignment, n, subs)
            ours_s, ours_scores, engine = run_ours(assignment, subs, out, first)
            runs.append((n, ours_s, ours_scores, engine, first[0], time_split(out)))
        n_max = max(sizes)
        peer = peer_s = None
        peer_scores: dict = {}
        k = _otter_count(n_max)
        try:
            zip_path = otter_autograder(assignment, course, work)
            peer_s, peer_scores = run_otter(zip_path, work / f"subs{n_max}", work, k)
            peer = peer_s / k
            problem = ""
        except Exception as e:  # noqa: BLE001 - report why the peer could not run
            problem = f"; otter run could not run here: {type(e).__name__}: {e}"[:400]
        for n, ours_s, ours_scores, engine, first, split in runs:
            ours = ours_s / n
            note = f"ours {60 / ours:.1f} submissions/min ({n} in {ours_s:.0f} s, {engine} engine, first graded after {first:.1f} s)"
            if peer is not None:
                agree = sum(1 for name, v in ours_scores.items() if peer_scores.get(name) is not None
                            and abs(peer_scores[name] - v) < 1e-6)
                note += (f"; otter run {60 / peer:.1f} submissions/min ({k}" + (f", the first of the {n_max}" if k < n_max else "")
                         + f" in {peer_s:.0f} s, one loop for every size); same total score on {agree}/{min(k, n)}; "
                         f"throughput x{peer / ours:.1f}")
            rows.append({"what": f"batch grading, {label} assignment {assignment.slug}: {n} submissions, --jobs {JOBS} "
                                 f"(wall seconds per submission)",
                         "ours": ours, "peer_name": f"otter run loop, {JOBS} at a time", "peer": peer,
                         "target": "at least 20x faster", "met": bool(peer is not None and peer / ours >= 20),
                         "note": note + problem})
        n, _, _, _, _, split = runs[sizes.index(n_max)]
        rows.append(split_row(assignment.slug, split, f"{n} submissions, 3 in 5 honest"))
        rows.extend(floor_rows(assignment, split))
        if peer is not None and split is not None and split["student"] > 0:
            rows.append(ceiling_row(assignment.slug, split, peer, n))
        firsts = [r[4] for r in runs]
        rows.append(startup_row(assignment.slug, min(firsts), label,
                                f"best of {len(firsts)} batches ({', '.join(f'{f:.1f} s' for f in firsts)}){store}"))
    return rows


def ceiling_row(slug: str, split: dict, peer: float, n: int) -> dict:
    """What 20x asks of the student's own code: the throughput if the sandbox and the judge cost
    nothing, the JOBS workers only running the submissions' calls (their mean student seconds,
    timed in the runner). Below 20x here, no grader of these tests reaches 20x."""
    alone = split["student"] / JOBS
    return {"what": f"ceiling, {slug}: the student code alone ({JOBS} workers, no sandbox, no judge) against otter run",
            "ours": alone, "peer_name": f"otter run loop, {JOBS} at a time", "peer": peer,
            "target": "information (20x possible only if at least 20x)", "met": None,
            "note": f"x{peer / alone:.1f}: mean student time {split['student'] * 1e3:.0f} ms a submission "
                    f"({split['n']} of the {n} graded, steady state) over {JOBS} workers"}


def startup_row(slug: str, first: float, label: str, note: str) -> dict:
    numpy_only = label == "numpy"
    return {"what": f"start-up, {slug}: `course grade` launched to its first graded submission", "ours": first,
            "peer_name": "-", "peer": None, "target": "under 3 s" if numpy_only else "none (information)",
            "met": (first <= 3.0) if numpy_only else None, "note": note}


def bench_split(assignment, n: int) -> list[dict]:
    """The time split for an assignment outside the side-by-side: n honest submissions."""
    record_store(_course(), assignment)
    with tempfile.TemporaryDirectory(prefix=f"bench-split-{assignment.slug}-") as tmp:
        subs, out, first = Path(tmp) / "subs", Path(tmp) / "out", []
        subs.mkdir()
        for i in range(n):
            (subs / f"student{i:03d}.py").write_text(assignment.solution.read_text())
        run_ours(assignment, subs, out, first)
        split = time_split(out)
        return [split_row(assignment.slug, split, f"{n} honest submissions"), *floor_rows(assignment, split)]


NOTHING = "def nothing():\n    return None\n"


def sandbox_floor(assignment, calls: int, repeats: int = 15) -> float:
    """Seconds the sandbox alone costs a submission of this assignment: its two sessions opened
    (public cases, then hidden ones in a fresh runner) and `calls` round trips between them, to
    a function that does nothing: no student work, no judge work. Measured in this process, one
    submission at a time on an otherwise idle machine (lower than in a batch of two workers);
    the median of `repeats`, after one to start the template. Closing the sessions is left out,
    as the time split leaves it out (the engine's thread does it, and a batch worker waits for it
    between submissions: so here)."""
    from autograder.build.bundle import bundle_for
    from autograder.sandbox import SandboxEngine
    bundle = bundle_for(assignment, _course().seed)
    engine = SandboxEngine()
    times = []
    try:
        engine.open(bundle, NOTHING, bundle.submission).close()
        for _ in range(repeats):
            took, submission = 0.0, object()
            for first, share in ((True, calls // 2), (False, calls - calls // 2)):
                started = time.perf_counter()
                session = engine.open(bundle, NOTHING, bundle.submission, submission=submission)
                if first:  # as the grading core does: the hidden cases' session is readied meanwhile
                    engine.expect(bundle, submission)
                nothing = session.env["nothing"]
                for _ in range(share):
                    nothing()
                took += time.perf_counter() - started
                session.close_later()
            engine.wait_for_cleanup()  # as a batch worker does before its next submission
            times.append(took)
    finally:
        engine.close()
    return sorted(times)[len(times) // 2]


def floor_rows(assignment, split: dict | None) -> list[dict]:
    """The 25% line against what isolation alone costs: when the floor is over 25% of the
    student's time, no grader with a fresh runner per session meets it on these tests."""
    if split is None or not split.get("calls"):
        return []
    calls = round(split["calls"])
    floor = sandbox_floor(assignment, calls)
    allowed = 0.25 * split["student"]
    return [{"what": f"floor, {assignment.slug}: the sandbox alone (two sessions, {calls} round trips to a function "
                     "that does nothing) against 25% of the student's time",
             "ours": floor, "peer_name": "25% of the student's time", "peer": allowed,
             "target": "information (the 25% line can be met only if the floor is under it)", "met": None,
             "note": f"floor {floor * 1e3:.1f} ms = {floor / max(split['student'], 1e-9):.0%} of the student's "
                     f"{split['student'] * 1e3:.0f} ms, before any judge work; one submission at a time, idle machine"}]


def bench() -> list[dict]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    course = _course()
    sizes = sorted(set(_counts()))
    rows = []
    numpy_a = _pick(course, ["image_tensors"])
    tf_a = _pick(course, ["convolution", "pooling", "activations"])
    done = set()
    for assignment, label in ((numpy_a, "numpy"), (tf_a, "TensorFlow")):
        if assignment is not None:
            rows.extend(bench_assignment(course, assignment, sizes, label))
            done.add(assignment.slug)
    n = max(1, int(os.environ.get("BENCH_SPLIT_SUBMISSIONS", "5")))
    only = {s for s in os.environ.get("BENCH_SPLIT_SLUGS", "").split(",") if s}
    for assignment in course.assignments:
        if assignment.slug not in done and (not only or assignment.slug in only):
            try:
                rows.extend(bench_split(assignment, n))
            except Exception as e:  # noqa: BLE001 - one assignment's failure is a row, not the end
                rows.append({"what": f"time split per submission, {assignment.slug}", "ours": None, "peer_name": "-",
                             "peer": None, "target": "judge + sandbox <= 25% of student", "met": False,
                             "note": f"could not run: {type(e).__name__}: {e}"[:400]})
    return rows


if __name__ == "__main__":
    for row in bench():
        print(json.dumps(row))
