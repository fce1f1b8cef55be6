"""`course grade SLUG SUBMISSIONS... --out DIR`: the batch command (see the package docstring)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import text as T
from .. import messages as M
from ..status import Status
from ..build.bundle import bundle_for
from ..files import json_key
from ..grading.results import GradeResult
from .rows import FAILED, Row, num
from .eta import EtaColumn, EtaEstimator
from .executors import make_executor
from .intake import IntakeError, Submission, collect
from .store import ResultStore, StoreError
from .toolkit import ToolkitError, apply_late, prepare, row_warnings, stored_fields
from ..build import oracles as oracle_store
from ..build.bundle import identity as bundle_identity, to_zip_bytes
from ..files import sha256_hex


def grading_key(bundle_sha: str, limits, engine: str) -> str:
    """What a stored result depends on besides the submission: the bundle's content (tests,
    assets, hidden data), the limits in force and the engine."""
    return json_key({"bundle": bundle_sha, "limits": dataclasses.asdict(limits), "engine": engine})


class _Progress:
    """A rich progress bar with ETA on a terminal; one plain line per submission otherwise."""

    def __init__(self, console: Console, total: int, live: bool, jobs: int = 1):
        self.console, self.total, self.done, self.live = console, total, 0, live and total > 0
        self.bar = None
        self.eta = EtaEstimator(total, max(jobs, 1))  # counts the submissions still running (rich's does not)
        if self.live:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn)
            self.bar = Progress(SpinnerColumn(), TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"),
                                EtaColumn(self.eta), TextColumn("{task.description}"),
                                console=console, transient=False)
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    def advance(self, row: Row) -> None:
        self.done += 1
        r = row.result
        self.eta.finished(r.elapsed)
        score = "" if r.status == FAILED else f" {num(r.score)}/{num(r.max_score)}"
        line = f"[{self.done}/{self.total}] {row.name}: {r.status}{score} ({r.elapsed:.1f} s)"
        if r.status != Status.GRADED and row.reason:
            line += f" - {T.one_line(row.reason, T.TERMINAL_LINE)}"  # reasons quote student text
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=row.name)
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            print(line, flush=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _reason(result: GradeResult, note: str, sub: Submission) -> str:
    return "; ".join(p for p in [result.reason, note, *sub.notes] if p)


def _row_from_record(sub: Submission, record: dict, kept: bool) -> Row:
    result = GradeResult.from_dict(record["result"])
    return Row(sub.name, result, _reason(result, record.get("note", ""), sub), sub.origin, sub.digest,
               sub.student, record.get("worker", ""), record.get("engine", ""), record.get("graded_at", ""), kept)


class UsageError(Exception):
    """A bad command-line value: the command prints it and exits 2."""


def checked_jobs(args) -> int:
    """--jobs (default: one per CPU), after checking it and --timeout / --submission-timeout as
    every batch command (`course grade`, `course mutants`) does."""
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    timeouts = (("--timeout", args.timeout), ("--submission-timeout", getattr(args, "submission_timeout", None)))
    for flag, value in timeouts:
        if value is not None and not value > 0:
            raise UsageError(f"{flag} must be a positive number of seconds")
    return jobs


def run_grade(args, course, reports) -> int:
    """Grade the batch into --out's store; `reports(out, assignment, plan)` gives the object that
    writes the reports (autograder.commands.grade.Reports): .submission(row) after each graded
    submission, .batch(rows, previous) -> (paths, summary lines) once at the end."""
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    assignment = course.get(args.slug)
    try:
        jobs = checked_jobs(args)
    except UsageError as e:
        errors.print(f"[red]error[/red]: {e}")
        return 2
    submission_timeout = getattr(args, "submission_timeout", None)
    overrides = {k: v for k, v in (("timeout", args.timeout), ("submission_timeout", submission_timeout))
                 if v is not None} or None  # limits the command line sets (the workers apply them too)
    if args.scheduler and args.executor != "dask":
        errors.print("[red]error[/red]: --scheduler needs --executor dask")
        return 2
    out = Path(args.out).resolve()
    if out.exists() and not out.is_dir():
        errors.print(f"[red]error[/red]: --out {escape(T.one_line(args.out, T.NAME))}: is a file, not a folder; "
                     "give a folder for the results (it is created when missing)")
        return 2
    store = ResultStore(out)
    warnings: list[str] = []
    try:
        subs = collect(args.submissions, assignment.submission, exclude=out, warnings=warnings)
        # The store's other records stay in the reports (a run over part of the class keeps the rest).
        earlier_records = {r["name"]: r for r in store.records()} if store.held_slug() in (None, assignment.slug) else {}
        plan = prepare(args, course, assignment, subs, list(earlier_records.values()), warnings)  # roster, extensions, times: checked first
    except (IntakeError, ToolkitError) as e:
        errors.print(f"[red]error[/red]: {escape(T.one_line(e, T.REASON))}")
        return 2

    started = time.monotonic()
    bundle = bundle_for(assignment, course.seed)
    limits = dataclasses.replace(bundle.limits, **{k: float(v) for k, v in (overrides or {}).items()})
    bundle_zip = to_zip_bytes(bundle.root, compress=args.executor != "local")  # local: a file on this machine
    bsha = bundle_identity(bundle.root)  # the tests' identity: an oracle store recorded since changes nothing
    key = grading_key(bsha, limits, args.engine)

    reporter = reports(out, assignment, plan)
    try:
        store.open(assignment.slug)
    except StoreError as e:
        errors.print(f"[red]error[/red]: {escape(T.one_line(e, T.REASON))}")
        return 2
    except OSError as e:  # a file where a folder of --out should be, no permission...
        errors.print(f"[red]error[/red]: --out {escape(T.one_line(args.out, T.NAME))}: cannot hold the results "
                     f"({escape(T.one_line(e.strerror or e, T.NAME))})")
        return 2

    plain = not console.is_terminal

    def say(text: str) -> None:
        if plain:
            print(text, flush=True)
        else:
            console.print(text, markup=False, highlight=False, soft_wrap=True)

    kept: dict[str, dict] = {}
    todo: list[Submission] = []
    previous: dict[str, dict] = {}  # --regrade: the results before, for changes.csv
    resume = args.resume and not plan.regrade
    for sub in subs:
        state, record = store.status_of(sub.name, sub.digest, key)
        if record is not None:
            previous[sub.name] = record["result"]
        if state == "fresh" and resume:
            kept[sub.name] = record
            continue
        if state == "changed":
            say(f"regrading {sub.name}: the submission changed since it was graded")
        elif state == "key" and resume:
            say(f"regrading {sub.name}: the tests, limits or engine changed since it was graded")
        todo.append(sub)
    for sub in subs:
        for note in sub.notes:
            say(f"note: {sub.name}: {T.one_line(note, T.TERMINAL_LINE)}")
    if todo and oracle_store.missing(assignment, bundle.root):
        say(f"note: {assignment.slug}: the tests' oracle results are not recorded yet, so each worker computes "
            f"them (slower first submissions); `course build {assignment.slug}` records them once")
    say(f"{assignment.slug}: {len(subs)} submissions; {len(todo)} to grade, {len(kept)} already graded "
        f"(kept); executor {args.executor}, {jobs} job{'s' if jobs != 1 else ''}, engine {args.engine}"
        + (f"; the reports also keep {len(plan.earlier)} graded by earlier runs into this --out"
           if plan.earlier else ""))

    run = uuid.uuid4().hex[:12]
    store.log_event("run-start", run=run, todo=len(todo), kept=len(kept), executor=args.executor, jobs=jobs,
                    engine=args.engine)
    by_name = {s.name: s for s in subs}
    rows: dict[str, Row] = {name: _row_from_record(by_name[name], rec, True) for name, rec in kept.items()}
    failures: list[str] = []
    progress = _Progress(console, len(todo), live=not plain, jobs=jobs)

    def on_done(task: dict, outcome: dict) -> None:
        sub = by_name[task["name"]]
        if "failure" in outcome:
            last = (outcome["failure"].strip().splitlines() or [""])[-1]
            reason = M.grader_failed(T.one_line(last, 300))
            result = GradeResult(assignment.slug, sub.name, FAILED, reason, elapsed=outcome.get("elapsed", 0.0))
            row = Row(sub.name, result, _reason(result, "", sub), sub.origin, sub.digest, sub.student,
                      outcome.get("worker", ""), args.engine, "", False)
            failures.append(f"{sub.name}:\n{T.block(outcome['failure'], T.TRACEBACK)}")
        else:
            record = {"name": sub.name, "origin": sub.origin, "kind": sub.kind, "digest": sub.digest, "key": key,
                      "note": outcome.get("note", ""), "result": outcome["result"], "worker": outcome.get("worker", ""),
                      "judge_peak_kb": outcome.get("judge_peak_kb"),  # the grading process's peak memory so far
                      "engine": args.engine, "executor": args.executor, "run": run, **stored_fields(plan, sub),
                      "graded_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
            store.commit(record)
            row = _row_from_record(sub, record, False)
        rows[sub.name] = row
        reporter.submission(row)
        progress.advance(row)
        if len(rows) == len(kept) + 1:  # after the first result, not while the workers start
            _import_while_waiting(["matplotlib.figure", "matplotlib.backends.backend_agg"])  # the report's charts

    interrupted = False
    executor = None
    try:
        if todo:
            # Workers cache the unpacked bundle by this key: it names the zip's bytes (store included).
            executor = make_executor(args.executor, jobs, bundle_zip, f"{key}-{sha256_hex(bundle_zip)[:16]}",
                                     args.engine, overrides, args.scheduler)
            executor.run(todo, on_done)
    except KeyboardInterrupt:
        interrupted = True
        if executor is not None:
            executor.close(graceful=False)
    except Exception as e:  # noqa: BLE001 - the executor itself failed (cluster unreachable...)
        progress.stop()
        errors.print(f"[red]the grader failed[/red]: {type(e).__name__}: {escape(T.one_line(e, T.REASON))}")
        errors.print("results graded so far are kept; rerun with the same --out to continue", markup=False)
        store.log_event("run-failed", run=run, error=f"{type(e).__name__}: {e}")
        return 1
    finally:
        progress.stop()

    if interrupted:
        store.log_event("run-interrupted", run=run)
        errors.print(f"interrupted: {len(rows) - len(kept)} graded in this run are kept; "
                     "rerun with the same --out to grade the rest", markup=False)
        return 130

    missing = [s.name for s in subs if s.name not in rows]
    for name in missing:  # cannot happen unless an executor lost a task: say so, do not hide it
        result = GradeResult(assignment.slug, name, FAILED, "the grader returned no result for this submission")
        rows[name] = Row(name, result, result.reason, by_name[name].origin, by_name[name].digest, by_name[name].student)
        failures.append(f"{name}: no result")

    for sub in plan.earlier:  # graded by earlier runs into this --out, not named in this one: kept
        rows[sub.name] = dataclasses.replace(_row_from_record(sub, earlier_records[sub.name], True), absent=True)
    apply_late(plan, rows)  # late policy on every row
    paths, lines = reporter.batch(rows, previous)  # roster, regrade changes, similarity
    store.log_event("run-end", run=run, graded=len(todo), failed=len(failures))
    _summary(console, assignment, list(rows.values()), paths, out, time.monotonic() - started, len(todo), len(kept),
             len(plan.earlier))
    for line in lines:  # names come from students: one visible line each
        console.print(T.one_line(line, T.REASON), markup=False, highlight=False, soft_wrap=True)
    for line in row_warnings(plan, rows):  # bad rows in the inputs, skipped entries: sanitised, not fatal
        console.print("warning: " + T.one_line(line, T.REASON), markup=False, highlight=False, soft_wrap=True)
    if executor is not None:
        executor.join()  # the workers closed their engines while the reports were written
    if failures:
        errors.print(f"[red]the grader failed on {len(failures)} submission(s)[/red] "
                     "(status 'failed'; rerun with the same --out to retry them):", markup=True)
        for f in failures[:5]:
            errors.print(f, markup=False, highlight=False)
        return 1
    return 0


def _import_while_waiting(modules: list[str]) -> None:
    """Import what the reports need in a thread while this process mostly waits for its workers
    (matplotlib: about a second); the report's own import then finds it done, or waits for it."""
    import importlib
    import threading

    def run():
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the report imports it again and says what failed
                return

    threading.Thread(target=run, name="report-imports", daemon=True).start()


def _summary(console: Console, assignment, rows: list[Row], paths: dict, out: Path, elapsed: float,
             graded: int, kept: int, earlier: int = 0) -> None:
    from collections import Counter

    counts = Counter(r.status for r in rows)
    table = Table(title=escape(f"{assignment.title} ({assignment.slug}): {len(rows)} submissions"))
    table.add_column("status")
    table.add_column("submissions", justify="right")
    table.add_column("mean score", justify="right")
    for status, n in sorted(counts.items()):
        scores = [r.result.score for r in rows if r.status == status]
        mean = "" if status == FAILED else f"{num(sum(scores) / len(scores))}/{num(assignment.total_points)}"
        table.add_row(status, str(n), mean)
    console.print(table)
    problems = [r for r in rows if r.status != Status.GRADED]
    if problems:
        t = Table(title="not graded")
        for col in ("submission", "status", "reason"):
            t.add_column(col, overflow="fold")
        for r in problems[:25]:
            t.add_row(escape(r.name), r.status, escape(T.one_line(r.reason, T.TABLE_CELL)))  # quotes student text
        if len(problems) > 25:
            t.add_row("...", "", f"{len(problems) - 25} more in grades.csv")
        console.print(t)
    rate = f", {60 * graded / elapsed:.0f} submissions/minute" if graded and elapsed > 0 else ""
    lines = [f"graded {graded}, kept {kept} in {elapsed:.1f} s{rate}"]
    if earlier:
        lines.append(f"  the reports list {len(rows)} submissions: {graded} graded now, {len(rows) - graded} kept "
                     f"from before ({earlier} graded by earlier runs and not named in this one)")
    lines += [f"  {paths[label]}" for label in ("grades", "canvas", "html", "changes", "similarity")
               if label in paths]
    lines.append(f"  {out / 'results'}/<submission>.json, {out / 'logs'}/<submission>.log")
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `course grade`")
