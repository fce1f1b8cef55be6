"""What the batch says about the tests: per mutant killed or survived, tables per function and
per question, one file per survivor, and OUT/mutants.json for scripts (bench, tests)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..grading.results import GradeResult
from ..status import Status
from .discover import Target
from .equivalent import Entry
from .generate import Mutant

KILLED, EQUIVALENT, SURVIVED = "killed", "equivalent", "survived"


@dataclass
class Outcome:
    mutant: Mutant
    status: str                    # killed | equivalent | survived (unexplained)
    score: float
    grade_status: str              # graded, error, timeout...
    killed_by: list[str] = field(default_factory=list)   # questions that lost points
    should_fail: list[str] = field(default_factory=list)  # questions whose tests exercise the function
    reason: str = ""               # the equivalent list's reason


def classify(mutants: list[Mutant], results: dict[str, GradeResult], solution: GradeResult,
             equivalents: dict[str, Entry], q_funcs: dict[str, set[str]]) -> list[Outcome]:
    full = {q.name: q.score for q in solution.questions}
    outcomes = []
    for m in mutants:
        r = results[m.ident]
        per_q = {q.name: q.score for q in r.questions}
        lost = [q for q in full if per_q.get(q, 0.0) < full[q] - 1e-9]
        killed = r.status != Status.GRADED or r.score < solution.score - 1e-9
        if killed and not lost:
            lost = list(full)  # a submission that did not import or timed out loses everything
        status = KILLED if killed else (EQUIVALENT if m.ident in equivalents else SURVIVED)
        outcomes.append(Outcome(m, status, r.score, r.status, lost,
                                sorted(q for q, fs in q_funcs.items() if m.function in fs),
                                equivalents[m.ident].reason if m.ident in equivalents else ""))
    return outcomes


def function_table(outcomes: list[Outcome], targets: list[Target]) -> Table:
    t = Table(title="mutants per student-written function")
    for col in ("function", "generated", "killed", "survived", "equivalent", "unexplained"):
        t.add_column(col, justify="left" if col == "function" else "right")
    tot = [0, 0, 0, 0, 0]
    for target in targets:
        mine = [o for o in outcomes if o.mutant.function == target.name]
        row = [len(mine), sum(o.status == KILLED for o in mine), sum(o.status != KILLED for o in mine),
               sum(o.status == EQUIVALENT for o in mine), sum(o.status == SURVIVED for o in mine)]
        tot = [a + b for a, b in zip(tot, row)]
        t.add_row(escape(target.name), *[str(v) for v in row[:4]],
                  f"[red]{row[4]}[/red]" if row[4] else "0")
    t.add_row("[bold]total[/bold]", *[str(v) for v in tot])
    return t


def question_table(outcomes: list[Outcome], questions: list[str], q_funcs: dict[str, set[str]]) -> Table:
    t = Table(title="mutants per question (generated: mutants of the functions its tests exercise)")
    for col in ("question", "functions", "generated", "killed by it", "survived"):
        t.add_column(col, justify="left" if col in ("question", "functions") else "right", overflow="fold")
    for q in questions:
        mine = [o for o in outcomes if o.mutant.function in q_funcs.get(q, ())]
        t.add_row(escape(q), escape(", ".join(sorted(q_funcs.get(q, ()))) or "-"), str(len(mine)),
                  str(sum(q in o.killed_by for o in mine)), str(sum(o.status != KILLED for o in mine)))
    return t


def repro(slug: str, out: Path, ident: str) -> str:
    sub = out / "submissions" / f"{ident}.py"
    return f"course grade {slug} {shlex.quote(str(sub))} --out {shlex.quote(str(out / 'repro' / ident))}"


def write_survivors(outcomes: list[Outcome], slug: str, out: Path, targets: list[Target], solution_rel: str) -> list[Path]:
    folder = out / "survivors"
    if folder.exists():
        for old in folder.glob("*.diff"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    prints = {t.name: t.fingerprint for t in targets}
    paths = []
    for o in outcomes:
        if o.status == KILLED:
            continue
        m = o.mutant
        should = ", ".join(o.should_fail) or "none: no question's tests call this function"
        head = [f"# mutant {m.ident} ({o.status}): full marks ({o.score:g}) although the code is wrong",
                f"# function {m.function} ({solution_rel} line {m.line}); {m.family}: {m.what}",
                f"# should have failed: {should}",
                f"# reproduce: {repro(slug, out, m.ident)}"]
        if o.status == EQUIVALENT:
            head.append(f"# listed as equivalent: {o.reason}")
        else:
            head += ["# if no input the docstring allows tells it from the solution, add to",
                     f"# assignments/{slug}/mutants-equivalent.yml:",
                     f"#   - id: {m.ident}", f"#     fingerprint: {prints[m.function]}",
                     "#     reason: \"...why every allowed input gives the same result...\""]
        path = folder / f"{m.ident}.diff"
        path.write_text("\n".join(head) + "\n" + m.diff, encoding="utf-8")
        paths.append(path)
    return paths


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def summary(outcomes: list[Outcome]) -> dict:
    n = len(outcomes)
    killed = sum(o.status == KILLED for o in outcomes)
    return {"generated": n, "killed": killed, "survived": n - killed,
            "equivalent": sum(o.status == EQUIVALENT for o in outcomes),
            "unexplained": sum(o.status == SURVIVED for o in outcomes),
            "kill_rate": killed / n if n else None}


def print_survivors(console: Console, outcomes: list[Outcome], slug: str, out: Path) -> None:
    left = [o for o in outcomes if o.status == SURVIVED]
    if not left:
        return
    t = Table(title=f"{len(left)} unexplained survivor(s): wrong code that gets full marks")
    for col in ("mutant", "change", "should have failed"):
        t.add_column(col, overflow="fold")
    for o in left:
        t.add_row(escape(o.mutant.ident), escape(o.mutant.what), escape(", ".join(o.should_fail) or "-"))
    console.print(t)
    console.print(f"diffs and reproduction commands: {out / 'survivors'}/<mutant>.diff", markup=False,
                  highlight=False, soft_wrap=True)
