"""Run every bench/bench_*.py and write bench/REPORT.md: one table, our code beside its peer.

Each module defines bench() -> list of rows {what, ours, peer_name, peer, target, met, note};
times are seconds (best of several repeats). Targets are judged here, in the report, never in
unit tests. `python -m bench [NAME...]` runs a subset (e.g. `python -m bench pooling`) and
replaces only those sections of REPORT.md: the others stay as they were last measured.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("COURSE_OFFLINE", "1")


def fmt_seconds(s) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {cpu}"


def _old_sections(path: Path) -> dict[str, list[str]]:
    """The sections of an existing report by title, each as its lines (heading included)."""
    if not path.exists():
        return {}
    found: dict[str, list[str]] = {}
    title = None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            found[title] = []
        if title is not None:
            found[title].append(line)
    return found


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(n == f"bench_{a}" or n == a for a in argv)]
    sections, failures = [], 0
    for name in names:
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            rows = importlib.import_module(f"bench.{name}").bench()
        except Exception:  # a broken bench is reported, the others still run
            failures += 1
            sections.append((name, None, traceback.format_exc(limit=5), time.perf_counter() - started))
            print(sections[-1][2], flush=True)
            continue
        sections.append((name, rows, "", time.perf_counter() - started))
        for r in rows:
            print(f"  {r['what']}: ours {fmt_seconds(r.get('ours'))}, {r.get('peer_name') or '-'} "
                  f"{fmt_seconds(r.get('peer'))}, target {r.get('target', '-')}, met {r.get('met')}"
                  f"{'  (' + r['note'] + ')' if r.get('note') else ''}", flush=True)

    lines = ["# Benchmark report", "",
             f"Made by `make bench` on {time.strftime('%Y-%m-%d %H:%M')}, {machine()}.",
             "Times are the best of several repeats; ratio = ours / peer (below 1: ours is faster).", ""]
    kept = _old_sections(HERE / "REPORT.md") if argv else {}
    ran = {name.removeprefix("bench_") for name, *_ in sections}
    order = sorted(ran | set(kept))
    sections = sorted(sections, key=lambda sec: sec[0])
    for title in order:
        if title in kept and title not in ran:
            lines += kept[title]
            continue
        name, rows, error, took = next(sec for sec in sections if sec[0].removeprefix("bench_") == title)
        lines += [f"## {title}", "", f"(took {took:.0f} s; measured {time.strftime('%Y-%m-%d %H:%M')})", ""]
        if rows is None:
            lines += ["Failed:", "", "```", error.strip(), "```", ""]
            continue
        lines += ["| what | ours | peer | peer time | ratio | target | met | note |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            ours, peer = r.get("ours"), r.get("peer")
            ratio = f"{ours / peer:.2f}" if ours and peer else "-"
            met = {True: "yes", False: "**no**", None: "-"}[r.get("met")]
            lines.append(f"| {r['what']} | {fmt_seconds(ours)} | {r.get('peer_name') or '-'} | "
                         f"{fmt_seconds(peer)} | {ratio} | {r.get('target') or '-'} | {met} | {r.get('note') or ''} |")
        lines.append("")
    (HERE / "REPORT.md").write_text("\n".join(lines))
    print(f"wrote {HERE / 'REPORT.md'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
