"""The grading core: run every otter test file of an assignment against one submission.

The judge (this process) loads the test files with otter's machinery and calls each test
case itself; the submission's functions reach the tests through the engine's `env`. Points
are otter's, resolved from the test files.
"""

from __future__ import annotations

import time
from pathlib import Path

from otter.test_files import ExceptionTestFile

from .. import testfiles
from ..build.bundle import GradingBundle
from .engine import Engine, RunnerFault, working_directory
from .results import CRASHED, ERROR, GRADED, TIMEOUT, CaseResult, GradeResult, QuestionResult

_loaded: dict[tuple[str, float], ExceptionTestFile] = {}


def load_test_file(path: Path) -> ExceptionTestFile:
    """Test files are loaded once per grader process: their module-level set-up (an oracle
    model, say) is then shared by every submission in a batch."""
    key = (str(path), path.stat().st_mtime)
    if key not in _loaded:
        _loaded[key] = testfiles.load(path)
    return _loaded[key]


def _failure_message(test_file: ExceptionTestFile, error: BaseException) -> str:
    try:
        return test_file._generate_error_message(error)  # otter's own wording, with the failing line
    except Exception:
        return f"{type(error).__name__}: {error}"


def grade_source(bundle: GradingBundle, source: str, engine: Engine, label: str = "submission") -> GradeResult:
    """Grade a submission's module source for the bundle's assignment."""
    started = time.monotonic()
    result = GradeResult(bundle.slug, label)
    faults: list[str] = []
    with working_directory(bundle.root):  # tests find assets/ and hidden/ relative to here
        session = engine.open(bundle, source, bundle.submission)
        try:
            if session.import_error:
                result.status, result.reason = session.import_error
            for qname, points in bundle.questions:
                test_file = load_test_file(bundle.tests_dir / f"{qname}.py")
                question = QuestionResult(qname, float(test_file.possible))
                for tc in test_file.test_cases:
                    case = CaseResult(qname, tc.name, float(tc.points), bool(tc.hidden), False)
                    if session.import_error:
                        case.message = session.import_error[1]
                    else:
                        begin_case = getattr(session, "begin_case", None)
                        if begin_case is not None:  # the sandbox files printed output per case
                            begin_case(tc.name)
                        try:
                            tc.body.call_func(session.env)
                            case.passed = True
                        except RunnerFault as fault:
                            case.message = fault.reason
                            faults.append(f"{tc.name}: {fault.reason}")
                            session.after_fault()
                        except (Exception, SystemExit) as e:  # noqa: BLE001 - a failing case is data
                            case.message = _failure_message(test_file, e)
                    question.cases.append(case)
                result.questions.append(question)
        finally:
            result.output = session.output()
            per_case = getattr(session, "case_outputs", dict)()
            for question in result.questions:
                for case in question.cases:
                    case.output = per_case.get(case.name, "")
            session.close()
    if faults and result.status == GRADED:
        result.reason = f"{len(faults)} case(s) stopped early: " + "; ".join(faults[:3])
    result.elapsed = time.monotonic() - started
    return result


__all__ = ["grade_source", "GRADED", "ERROR", "TIMEOUT", "CRASHED"]
