"""`course mutants SLUG`: how good are an assignment's tests? One-change mutants of the
functions students write, graded beside the solution in one batch by the real engine.

discover.py    the student-written functions (YOUR CODE boxes / the stub's NotImplementedError),
               their fingerprints, and which questions' tests exercise each
operators.py   the mutation operators (every one-change candidate of a function)
generate.py    candidates -> checked, de-duplicated mutants, picked round-robin up to the cap
grade.py       one `course grade` batch: the solution, the stub (a control that must lose
               points) and the mutants
equivalent.py  assignments/<slug>/mutants-equivalent.yml (judged-equivalent mutants)
report.py      killed / survived per function and per question; survivors' diffs; mutants.json

Exit status: 0 no unexplained survivor; 1 some survivor is not on the equivalent list;
2 usage or configuration error, the solution without full marks, or the batch failed.
"""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..batch.cli import UsageError, checked_jobs
from ..status import Status
from . import equivalent, report
from .discover import MutantsError, discover, question_functions
from .generate import all_candidates, generate
from .grade import SOLUTION, STUB, BatchFailed, grade_batch

DEFAULT_CAP, DEFAULT_SEED = 60, 0
MARKER = ".course-mutants"  # marks an --out folder this command made

__all__ = ["run", "MutantsError", "DEFAULT_CAP", "DEFAULT_SEED"]


def _failed_cases(result, limit: int = 8) -> list[str]:
    lines = [f"{c.question}/{c.name}: {((c.message or '').strip().splitlines() or ['failed'])[-1][:200]}"
             for q in result.questions for c in q.cases if not c.passed]
    return lines[:limit]


def run(args, course) -> int:
    # A log or a pipe gets wide tables (function and question names unbroken); a terminal its own width.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    if args.cap < 1:
        errors.print("[red]error[/red]: --cap must be at least 1")
        return 2
    try:
        jobs = checked_jobs(args)
    except UsageError as e:
        errors.print(f"[red]error[/red]: {e}")
        return 2
    a = course.get(args.slug)
    out = Path(args.out).resolve() if args.out else course.root / "dist" / "mutants" / a.slug
    started = time.monotonic()
    try:
        source, targets = discover(a.solution, a.stub)
        entries = equivalent.load(a.dir / equivalent.FILENAME)
    except MutantsError as e:
        errors.print(f"[red]error[/red]: {escape(str(e))}")
        return 2
    every = targets  # the equivalent list is checked against all of them, whatever --function picks
    only = getattr(args, "function", None)
    if only:
        unknown = [n for n in only if n not in {t.name for t in targets}]
        if unknown:
            errors.print(f"[red]error[/red]: no student-written function {', '.join(map(repr, unknown))} in "
                         f"{escape(str(a.solution))}; there are: {', '.join(t.name for t in targets)}")
            return 2
        targets = [t for t in targets if t.name in only]
    rel = a.solution.relative_to(course.root).as_posix()
    tree = ast.parse(source)
    known = {c.ident for cs in all_candidates(tree, every).values() for c in cs}
    mutants = generate(source, targets, args.cap, args.seed, rel)
    generated_in = time.monotonic() - started
    console.print(f"{a.slug}: {len(targets)} student-written functions, {len(known)} candidate changes; "
                  f"{len(mutants)} mutants (cap {args.cap}, seed {args.seed}) in {generated_in:.1f} s",
                  markup=False, soft_wrap=True)
    sources = {SOLUTION: source, **{m.ident: m.source for m in mutants}}
    stub = a.stub.read_text(encoding="utf-8") if a.stub.is_file() else None
    if stub is not None:
        sources[STUB] = stub
    marker = out / MARKER
    if out.is_dir() and any(out.iterdir()) and not marker.is_file():
        # The run deletes and rewrites OUT/submissions and OUT/survivors: never in someone's folder.
        errors.print(f"[red]error[/red]: {escape(str(out))} is not empty and was not made by course mutants; "
                     "choose another --out")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"course mutants {a.slug}\n", encoding="utf-8")
    console.print(f"grading the solution, {'the stub, ' if stub else ''}and {len(mutants)} mutants in one batch "
                  f"({jobs} job{'s' if jobs != 1 else ''}); log: {out / 'grade.log'}", markup=False, soft_wrap=True)
    graded_at = time.monotonic()
    try:
        results = grade_batch(course, a, sources, out, jobs, args.timeout, args.engine)
    except BatchFailed as e:
        errors.print(f"[red]the batch failed[/red]: {escape(str(e))}")
        return 2
    grading = time.monotonic() - graded_at

    sol = results[SOLUTION]
    if sol.status != Status.GRADED or sol.score < sol.max_score:
        errors.print(f"[red]error[/red]: the unmodified solution {rel} scored {sol.score:g}/{sol.max_score:g} "
                     f"(status {sol.status}{': ' + sol.reason if sol.reason else ''}); mutants are measured against "
                     f"full marks, so fix the solution or the tests first:")
        for line in _failed_cases(sol):
            errors.print(f"  - {escape(line)}")
        return 2
    if stub is not None and results[STUB].status == Status.GRADED and results[STUB].score >= sol.max_score:
        errors.print(f"[red]error[/red]: the stub {a.stub.relative_to(course.root)} (every exercise raising "
                     f"NotImplementedError) got full marks: the batch is not measuring the submissions")
        return 2

    q_names = [q.name for q in a.questions]
    q_funcs = question_functions(a.tests_dir, q_names, tree, every)
    by_id = {e.id: e for e in entries}
    stale = equivalent.stale(entries, every, known)
    stale_ids = {e.id for e, _ in stale}
    outcomes = report.classify(mutants, results, sol,
                               {k: v for k, v in by_id.items() if k not in stale_ids}, q_funcs)
    console.print(report.function_table(outcomes, targets))
    console.print(report.question_table(outcomes, q_names, q_funcs))
    report.write_survivors(outcomes, a.slug, out, targets, rel)
    report.print_survivors(console, outcomes, a.slug, out)
    for e, why in stale:
        console.print(f"stale entry in {a.dir.relative_to(course.root)}/{equivalent.FILENAME}: {e.id}: {why}",
                      markup=False, highlight=False, soft_wrap=True)
    wrongly = [o.mutant.ident for o in outcomes if o.status == report.KILLED and o.mutant.ident in by_id]
    for ident in wrongly:
        console.print(f"note: {ident} is listed as equivalent but the tests kill it: remove the entry",
                      markup=False, highlight=False, soft_wrap=True)
    total = report.summary(outcomes)
    elapsed = time.monotonic() - started
    rate = len(mutants) / grading if grading > 0 else 0.0
    report.write_json(out / "mutants.json", {
        "slug": a.slug, "cap": args.cap, "seed": args.seed, "jobs": jobs, **total,
        "solution": {"score": sol.score, "max_score": sol.max_score},
        "stub": {"score": results[STUB].score, "status": results[STUB].status} if stub is not None else None,
        "functions": {t.name: t.fingerprint for t in targets},
        "questions": {q: sorted(fs) for q, fs in q_funcs.items()},
        "stale": [{"id": e.id, "why": why} for e, why in stale],
        "seconds": {"total": round(elapsed, 2), "grading": round(grading, 2), "generating": round(generated_in, 2)},
        "mutants": [{"id": o.mutant.ident, "function": o.mutant.function, "family": o.mutant.family,
                     "what": o.mutant.what, "line": o.mutant.line, "status": o.status, "score": o.score,
                     "grade_status": o.grade_status, "killed_by": o.killed_by, "should_fail": o.should_fail}
                    for o in outcomes]})
    kr = f"{100 * total['kill_rate']:.1f}%" if total["kill_rate"] is not None else "-"
    console.print(f"{a.slug}: {total['generated']} mutants, {total['killed']} killed ({kr}), "
                  f"{total['equivalent']} equivalent, {total['unexplained']} unexplained; solution "
                  f"{sol.score:g}/{sol.max_score:g}; {elapsed:.0f} s ({rate:.2f} mutants/s graded); "
                  f"{out / 'mutants.json'}", markup=False, highlight=False, soft_wrap=True)
    return 1 if total["unexplained"] else 0
