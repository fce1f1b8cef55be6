"""Benchmark: `course mutants SLUG --cap 60 --jobs 2` on each numpy-only assignment.

One cold run per assignment (a fresh --out, so nothing is resumed), wall-clock time of the real
command including mutant generation, the sandbox template start, the batch and the report. The
row gives seconds per mutant (lower is better); the target is the issue's: 60 mutants of a numpy
assignment in under 3 minutes on this 2-core machine. The note gives mutants per second and the
kill rate (killed / generated, the equivalent-listed survivors counted as not killed).
BENCH_MUTANTS_CAP changes the cap (the 3-minute target stays); BENCH_MUTANTS_OUT=DIR keeps each
run's output folder and printed tables in DIR. There is no peer: no other
autograder measures its own tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SLUGS = ("image_tensors", "convolution", "activations", "pooling")
TARGET_SECONDS_PER_60 = 180.0


def _cap() -> int:
    return max(1, int(os.environ.get("BENCH_MUTANTS_CAP", "60")))


def run_one(slug: str, cap: int, jobs: int = 2) -> tuple[float, dict, int]:
    keep = os.environ.get("BENCH_MUTANTS_OUT")  # a folder to keep each run's output and printed tables in
    with tempfile.TemporaryDirectory(prefix="bench-mutants-") as tmp:
        out = Path(keep or tmp) / slug
        if out.exists():
            raise RuntimeError(f"{out} exists: a cold run needs a fresh folder")
        started = time.perf_counter()
        proc = subprocess.run([str(BIN / "course"), "mutants", slug, "--cap", str(cap), "--jobs", str(jobs),
                               "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=3600)
        took = time.perf_counter() - started
        if keep:
            (Path(keep) / f"{slug}.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"course mutants {slug} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        return took, json.loads((out / "mutants.json").read_text()), proc.returncode


def bench() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from autograder.config import load_course

    have = {a.slug for a in load_course(ROOT).assignments}
    cap = _cap()
    target = TARGET_SECONDS_PER_60  # start-up dominates small caps, so the limit does not scale down
    rows = []
    for slug in SLUGS:
        if slug not in have:
            continue
        took, data, status = run_one(slug, cap)
        n = data["generated"]
        rate = n / took if took else 0.0
        kill = f"{100 * data['kill_rate']:.1f}%" if data["kill_rate"] is not None else "-"
        rows.append({
            "what": f"course mutants {slug} --cap {cap} --jobs 2 (wall seconds per mutant)",
            "ours": took / n if n else None, "peer_name": None, "peer": None,
            "target": f"{cap} mutants in under {target:.0f} s", "met": took < target,
            "note": f"{n} mutants in {took:.0f} s ({rate:.2f} mutants/s); kill rate {kill} "
                    f"({data['killed']} killed, {data['equivalent']} listed equivalent, "
                    f"{data['unexplained']} unexplained survivors; exit {status})",
        })
    return rows


if __name__ == "__main__":
    for row in bench():
        print(row)
