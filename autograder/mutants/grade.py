"""Grade the solution, the stub and every mutant in ONE batch, through `course grade`'s own code
(autograder.commands.grade.run: intake, the local executor's worker pool, the sandboxed engine,
the resumable store). The batch lives in OUT/batch/: its grades.csv and report.html are the usual
ones, and a rerun with the same OUT regrades only what changed (a new mutant, a changed test).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
from pathlib import Path

from ..commands.grade import run as run_grade
from ..batch.store import ResultStore
from ..grading.results import GradeResult

SOLUTION, STUB = "0-solution", "0-stub"  # row names no mutant id can take (ids start with a letter)


class BatchFailed(Exception):
    """The grader itself failed (not a mutant): the message says where its log is."""


def grade_batch(course, assignment, sources: dict[str, str], out: Path, jobs: int, timeout: float | None,
                engine: str = "sandbox") -> dict[str, GradeResult]:
    """Grade {row name: module source} as one batch; the result of every row by name."""
    out = Path(out)
    subs = out / "submissions"
    if subs.exists():
        shutil.rmtree(subs)  # last run's mutants must not join this batch
    subs.mkdir(parents=True)
    for name, source in sources.items():
        (subs / f"{name}.py").write_text(source, encoding="utf-8")
    batch = out / "batch"
    log = out / "grade.log"
    args = argparse.Namespace(slug=assignment.slug, submissions=[str(subs)], out=str(batch), jobs=jobs,
                              timeout=timeout, executor="local", scheduler=None, resume=True, engine=engine,
                              canvas_id=None,
                              no_similarity=True)  # mutants of one file are all alike: nothing to learn
    with open(log, "w", encoding="utf-8") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        status = run_grade(args, course)
    store = ResultStore(batch)
    results: dict[str, GradeResult] = {}
    missing = []
    for name in sources:
        record = store.load(name)
        if record is None or "result" not in record:
            missing.append(name)
        else:
            results[name] = GradeResult.from_dict(record["result"])
    if status not in (0, 1) or missing:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        raise BatchFailed(f"`course grade` exited {status}; no result for {len(missing)} of {len(sources)} "
                          f"submissions (rerun with the same --out to continue). Log: {log}\n" + "\n".join(tail))
    return results
