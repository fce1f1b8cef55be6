"""The `course` command (also `python -m autograder`).

course validate [SLUG...]                 solution = full marks, stub = zero, stub generated, walkthrough runs
course build [SLUG...] [--out dist]       student and autograder zips
course stub [SLUG...] [--check]           generate the student stubs from the solutions
course grade SLUG SUBMISSIONS... --out DIR  grade a batch (see autograder.batch)
course mutants SLUG [--cap N] [--seed S]   how many wrong solutions the tests catch (autograder.mutants)
course gradescope --bundle B --submission S --results R   what run_autograder calls
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# TensorFlow's log lines: autograder/tfquiet.py, installed when the package is imported.

from rich.console import Console
from rich.table import Table

from .build.errors import BuildError
from .config import ConfigError, find_root, load_course

console = Console(stderr=False, highlight=False)
errors = Console(stderr=True, highlight=False)


def _course(args):
    return load_course(find_root(args.root) if args.root else find_root())


def _note_unreleased(course, slugs) -> None:
    skipped = course.unreleased(slugs)
    if skipped:
        console.print(f"not released (released: false), skipped unless named: {', '.join(skipped)}")


def cmd_validate(args) -> int:
    from .grading import make_engine
    from .validate import config_errors, validate_assignment

    course = _course(args)
    _note_unreleased(course, args.slugs)
    config_errors(course.select(args.slugs))
    engine = make_engine(args.engine)
    table = Table(title=f"{course.name}: validation", show_lines=False)
    for col in ("assignment", "questions", "solution", "stub", "result"):
        table.add_column(col)
    failed = []
    try:
        for a in course.select(args.slugs):
            check = validate_assignment(course, a, engine, walkthrough=not args.skip_walkthrough)
            table.add_row(a.slug, str(len(a.questions)),
                          f"{check.solution.score:g}/{check.solution.max_score:g}",
                          f"{check.stub.score:g}/{check.stub.max_score:g}",
                          "[green]ok[/green]" if check.ok else "[red]FAILED[/red]")
            if not check.ok:
                failed.append(check)
    finally:
        engine.close()
    console.print(table)
    for check in failed:
        errors.print(f"[red]{check.slug}[/red]:")
        for p in check.problems:
            errors.print(f"  - {p}", markup=False, highlight=False, soft_wrap=True)
    return 1 if failed else 0


def cmd_build(args) -> int:
    from .build.pipeline import build_assignment

    course = _course(args)
    _note_unreleased(course, args.slugs)
    out = Path(args.out).resolve()
    table = Table(title=f"{course.name}: build into {out}")
    for col in ("assignment", "student/ zip bytes", "autograder/ zip bytes"):
        table.add_column(col, justify="right" if "bytes" in col else "left")
    for a in course.select(args.slugs):
        student, grader = build_assignment(course, a, out)
        table.add_row(a.slug, f"{student.stat().st_size:,}", f"{grader.stat().st_size:,}")
    console.print(table)
    return 0


def cmd_stub(args) -> int:
    from .build import stubgen

    from .config import source_pairs

    stale = []
    for a in source_pairs(find_root(args.root) if args.root else find_root(), args.slugs):
        rel = a.stub.relative_to(a.root)
        if args.check:
            diff = stubgen.out_of_date(a)
            if diff:
                stale.append(a.slug)
                errors.print(f"[red]{rel}[/red] differs from the stub generated from "
                             f"{a.solution.relative_to(a.root)} (run: course stub {a.slug})", soft_wrap=True)
                errors.print(diff, markup=False, highlight=False)
            else:
                console.print(f"{rel}: up to date")
        else:
            console.print(f"{rel}: {'written' if stubgen.write(a) else 'unchanged'}")
    return 1 if stale else 0


def cmd_gradescope(args) -> int:
    from .gradescope import run

    return run(Path(args.bundle), Path(args.submission), Path(args.results), args.engine)


def cmd_grade(args) -> int:
    from .commands.grade import run

    return run(args, _course(args))


def cmd_mutants(args) -> int:
    from .mutants import run

    return run(args, _course(args))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course", description="Build, validate and grade the CNN course.")
    p.add_argument("--root", help="course root (default: the nearest folder with course.yml)")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="solution scores full marks and stub scores zero")
    v.add_argument("slugs", nargs="*", metavar="SLUG")
    v.add_argument("--engine", default="sandbox", choices=("sandbox", "inprocess"),
                   help="where student code runs (inprocess: trusted code only)")
    v.add_argument("--skip-walkthrough", action="store_true",
                   help="do not run the walkthrough notebooks (faster; they run by default)")
    v.set_defaults(func=cmd_validate)

    b = sub.add_parser("build", help="build the student and autograder zips")
    b.add_argument("slugs", nargs="*", metavar="SLUG")
    b.add_argument("--out", default="dist")
    b.set_defaults(func=cmd_build)

    g = sub.add_parser(
        "grade", help="grade a batch of submissions",
        description="Grade every submission into DIR: grades.csv, results/<name>.json, logs/<name>.log, "
                    "report.html, canvas.csv. A SUBMISSION is a .py, .ipynb or .zip file, a student's folder, "
                    "a folder of submissions, or a Gradescope 'export submissions' folder. Rerunning with the "
                    "same --out grades only what has no result yet (or changed).",
        epilog="exit status: 0 every submission got a row (whatever the scores); 1 the grader itself failed "
               "on some submission (status 'failed'; rerun to retry); 2 usage or configuration error.")
    g.add_argument("slug")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    g.add_argument("--out", required=True, metavar="DIR", help="output folder (also holds the resumable state)")
    g.add_argument("--jobs", type=int, default=None, help="parallel runners (default: number of cores)")
    g.add_argument("--timeout", type=float, default=None, help="seconds per call (overrides course.yml)")
    g.add_argument("--submission-timeout", type=float, default=None, metavar="S",
                   help="seconds for one whole submission on the grader's side, every call included "
                        "(overrides limits.submission_timeout; default 10x the per-call timeout)")
    g.add_argument("--executor", default="local", choices=("local", "dask"),
                   help="local worker processes (default) or one Dask task per submission")
    g.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="Dask scheduler address (default: a LocalCluster of --jobs workers)")
    g.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                   help="keep results already in --out (default) or regrade everything")
    g.add_argument("--engine", default="sandbox", choices=("sandbox", "inprocess"),
                   help="where student code runs (inprocess: trusted code only)")
    g.add_argument("--canvas-id", default=None, metavar="ID",
                   help="Canvas assignment id for canvas.csv's score column (default: the slug)")
    g.add_argument("--roster", default=None, metavar="CSV",
                   help="Canvas gradebook export (Student, ID, SIS User ID, SIS Login ID, Section): canvas.csv "
                        "gets one line per student; unmatched submissions and missing students are listed")
    g.add_argument("--missing-score", default="empty", choices=("empty", "zero"),
                   help="with --roster: a student with no submission gets an empty cell (default) or 0")
    g.add_argument("--extensions", default=None, metavar="CSV",
                   help="per-student extensions (student, assignment, days|hours|due); default: "
                        "extensions.csv beside the --roster file, if there is one")
    g.add_argument("--timestamps", default=None, metavar="CSV",
                   help="submission times (submission, time) for the late policy; a Gradescope export's "
                        "created_at is read without it")
    g.add_argument("--times-from-mtime", action="store_true",
                   help="take a submission's time from its file modification time when nothing else gives one")
    g.add_argument("--regrade", action="store_true",
                   help="grade everything again (after the tests or the policy changed) and write changes.csv")
    g.add_argument("--no-similarity", action="store_true",
                   help="skip the similarity check (similarity.csv and the report's section)")
    g.set_defaults(func=cmd_grade)

    m = sub.add_parser(
        "mutants", help="grade one-change mutants of the solution: how many wrong solutions the tests catch",
        description="Make deterministic one-change mutants of the functions students write (from the "
                    "solution's YOUR CODE boxes), grade them with the solution and the stub in one `course grade` "
                    "batch, and print per function and per question how many the tests kill. Each survivor is "
                    "written to OUT/survivors/<mutant>.diff with the questions that should have failed it and a "
                    "command reproducing it. Survivors listed in assignments/<slug>/mutants-equivalent.yml "
                    "(with a reason and the function's fingerprint) are explained.",
        epilog="exit status: 0 no unexplained survivor; 1 a survivor is not on the equivalent list; 2 usage or "
               "configuration error, the solution without full marks, or the batch failed.")
    m.add_argument("slug")
    m.add_argument("--cap", type=int, default=60, metavar="N", help="at most N mutants (default 60)")
    m.add_argument("--seed", type=int, default=0, metavar="S", help="which mutants are picked (default 0)")
    m.add_argument("--jobs", type=int, default=None, metavar="J", help="parallel runners (default: number of cores)")
    m.add_argument("--out", default=None, metavar="DIR",
                   help="survivors, submissions, the batch and mutants.json (default: dist/mutants/SLUG)")
    m.add_argument("--timeout", type=float, default=None, help="seconds per call (default: the course's limit)")
    m.add_argument("--engine", default="sandbox", choices=("sandbox", "inprocess"),
                   help="where the mutants run (inprocess: trusted code only)")
    m.add_argument("--function", action="append", default=None, metavar="NAME",
                   help="only this student-written function (repeatable); its mutants are the ones a full run "
                        "picks for it, in the same order")
    m.set_defaults(func=cmd_mutants)

    st = sub.add_parser("stub", help="write assignments/<slug>/<slug>.py from the solution's YOUR CODE boxes")
    st.add_argument("slugs", nargs="*", metavar="SLUG", help="default: every assignment")
    st.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 naming each committed stub that differs from the generated one")
    st.set_defaults(func=cmd_stub)

    s = sub.add_parser("gradescope", help="grade one submission into results.json (run_autograder calls this)")
    s.add_argument("--bundle", required=True)
    s.add_argument("--submission", required=True)
    s.add_argument("--results", required=True)
    s.add_argument("--engine", default="sandbox", choices=("sandbox", "inprocess"))
    s.set_defaults(func=cmd_gradescope)
    return p


SANDBOX_LINUX_ONLY = ("the sandbox engine runs on Linux only (it isolates student code with Linux's own "
                      "system calls: namespaces, prctl, seccomp); this is {platform}. Grade on Linux: a Linux "
                      "machine or VM, WSL 2 on Windows, Docker, or Gradescope's autograder zip. --engine inprocess "
                      "runs here without isolation: the code graded runs with your rights (your own solutions, "
                      "not students').")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "engine", None) == "sandbox" and not sys.platform.startswith("linux"):
        errors.print(SANDBOX_LINUX_ONLY.format(platform=sys.platform), markup=False, highlight=False, soft_wrap=True)
        return 2
    try:
        return args.func(args)
    except ConfigError as e:
        # Every problem of the run, one per line; soft_wrap: a path broken across lines cannot
        # be copied or searched for; no markup: keys like assignments[0] are not rich tags.
        problems = getattr(e, "errors", [e])
        if len(problems) > 1:
            errors.print(f"{len(problems)} configuration errors:", highlight=False)
        for p in problems:
            errors.print(f"configuration error: {p}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except BuildError as e:
        errors.print(f"[red]build error[/red]: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
