"""Grading: a submission in, a GradeResult out (see core.py); engines decide where the
student's code runs (engine.py in-process, autograder.sandbox isolated)."""

from __future__ import annotations

from pathlib import Path

from ..bundle_format import GradingBundle
from .engine import Engine, InProcessEngine
from ..submission import SubmissionRejected, read_path
from ..status import Status
from .results import GradeResult

ENGINES = ("sandbox", "inprocess")


def make_engine(name: str = "sandbox") -> Engine:
    if name == "inprocess":
        return InProcessEngine()
    if name == "sandbox":
        from ..sandbox import SandboxEngine
        return SandboxEngine()
    raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


def grade_path(bundle: GradingBundle, path: Path, engine: Engine, label: str | None = None) -> GradeResult:
    """Grade a .py / .ipynb / .zip / folder submission, read by autograder.submission as every
    command reads one; an ungradable one gets status `rejected`."""
    from .core import grade_source  # here, not above: the batch client imports this package without grading

    label = label or Path(path).stem
    try:
        read = read_path(Path(path), bundle.submission)
    except SubmissionRejected as e:
        return rejected(bundle, label, str(e))
    result = grade_source(bundle, read.source, engine, label, syntax_error=read.syntax_error)
    result.file = read.graded
    return result


def rejected(bundle: GradingBundle, label: str, reason: str) -> GradeResult:
    """A zero-score result with every question present, so reports line up."""
    from .results import CaseResult, QuestionResult
    from .core import load_test_file
    questions = []
    for qname, _ in bundle.questions:
        tf = load_test_file(bundle.test_file(qname))
        questions.append(QuestionResult(qname, float(tf.possible), [
            CaseResult(qname, tc.name, float(tc.points), bool(tc.hidden), False, reason) for tc in tf.test_cases]))
    return GradeResult(bundle.slug, label, Status.REJECTED, reason, questions)
