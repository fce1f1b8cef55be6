"""`course validate`: the course's own solution must score full marks and the stub zero,
through the same grading path students get; every question must have test cases; the stub is
the one generated from the solution; the walkthrough runs top to bottom with the solution."""

from __future__ import annotations

from dataclasses import dataclass

from .build import stubgen
from .build.errors import BuildError
from .build.walkthrough_run import execute as run_walkthrough
from .build.bundle import bundle_for
from .config import Assignment, ConfigError, ConfigErrors, Course
from .grading import grade_path
from .grading.engine import Engine
from .grading.results import GradeResult
from .status import Status


@dataclass
class Check:
    slug: str
    solution: GradeResult
    stub: GradeResult
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def stub_problems(assignment: Assignment) -> list[str]:
    """The committed stub must be the one generated from the solution (one source)."""
    diff = stubgen.out_of_date(assignment)
    if diff is None:
        return []
    rel = assignment.stub.relative_to(assignment.root)
    return [f"{rel} differs from the stub generated from "
            f"{assignment.solution.relative_to(assignment.root)}; run `course stub {assignment.slug}`\n{diff}"]


def config_errors(assignments: list[Assignment]) -> None:
    """Problems found without running anything (a malformed YOUR CODE box), for every
    assignment at once: raises ConfigErrors listing them all."""
    found: list[ConfigError] = []
    for a in assignments:
        try:
            stubgen.generate(a)
        except ConfigError as e:
            found.extend(getattr(e, "errors", [e]))
    if found:
        raise ConfigErrors(found)


def validate_assignment(course: Course, assignment: Assignment, engine: Engine,
                        walkthrough: bool = True) -> Check:
    problems = stub_problems(assignment)
    bundle = bundle_for(assignment, course.seed)
    solution = grade_path(bundle, assignment.solution, engine, label="solution")
    stub = grade_path(bundle, assignment.stub, engine, label="stub")
    for q in solution.questions:
        if not q.cases:
            problems.append(f"question {q.name} has no test cases")
    if solution.status != Status.GRADED:
        problems.append(f"solution: {solution.status}: {solution.reason}")
    if solution.score != solution.max_score:
        for q in solution.questions:
            for c in q.cases:
                if not c.passed:
                    first = c.message.strip().splitlines()[-1] if c.message.strip() else ""
                    problems.append(f"solution fails {c.name}: {first}")
    if stub.score != 0:
        passing = [c.name for q in stub.questions for c in q.cases if c.passed]
        problems.append(f"stub scores {stub.score:g} (cases passing without any work: {', '.join(passing)})")
    if walkthrough:
        try:
            run_walkthrough(course, assignment)
        except BuildError as e:
            problems.append(str(e))
    return Check(assignment.slug, solution, stub, problems)
