"""The grading core: run every otter test file of an assignment against one submission.

The judge (this process) loads the test files with otter's machinery and calls each test
case itself; the submission's functions reach the tests through the engine's `env`. Points
are otter's, resolved from the test files.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .. import testfiles
from ..testfiles import ExceptionTestFile  # otter's, loaded without otter's whole API (start-up)
from ..bundle_format import GradingBundle
from . import oracles
from .engine import Deadline, Engine, RunnerFault, working_directory
from .. import messages as M
from ..status import Status
from .results import CRASHED, ERROR, GRADED, TIMEOUT, CaseResult, GradeResult, QuestionResult  # noqa: F401

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


def _join_outputs(outputs: list[str], cap: int) -> str:
    """The sessions' outputs, one after the other, within one output cap for the submission."""
    texts = [t for t in outputs if t]
    text = "".join(t if t.endswith("\n") or i == len(texts) - 1 else t + "\n" for i, t in enumerate(texts))
    return M.cap_output(text, cap)  # each session kept its own cap: keep the submission's overall


def _time_split(t: dict) -> dict:
    """Where a submission's seconds went (issue 16): startup (opening sessions: a runner forked,
    the submission imported), student (its calls, as the runner timed them), wire (the rest of
    those calls' round trips: encoding, the socket, decoding, and the runner's copies of the
    array arguments a watched call must not modify) and judge (the tests' own work: oracles,
    comparisons); calls counts the round trips. An engine that does not time calls
    (in-process) gives no student, wire or calls figure, and its judge figure includes the
    student's time."""
    out = {"startup": round(t["startup"], 4)}
    if "student" in t and "wire" in t:
        out.update(student=round(t["student"], 4), wire=round(t["wire"], 4))
    if "calls" in t:
        out["calls"] = int(t["calls"])
    out["judge"] = round(max(t["cases"] - t.get("student", 0.0) - t.get("wire", 0.0), 0.0), 4)
    return out


def grade_source(bundle: GradingBundle, source: str, engine: Engine, label: str = "submission",
                 deadline: Deadline | None = None, syntax_error: Callable[[], str] | None = None) -> GradeResult:
    """Grade a submission's module source for the bundle's assignment.

    Public cases run first, all in one session; hidden cases then run in a FRESH session (a new
    runner, a new working folder), so nothing a hidden case passed in (asset names, golden
    arrays) can be remembered by the submission and shown in a public case's output or message.
    `deadline` bounds the whole submission (see Deadline); when it passes, the remaining cases
    fail with its reason and the row is `timeout`. `syntax_error` (the reader's Read.syntax_error):
    asked only when the import failed, it names the file and line (a notebook's cell) of a syntax
    error, in place of the runner's sentence, which knows neither."""
    started = time.monotonic()
    if deadline is None:
        deadline = Deadline.after(bundle.limits.effective_submission_timeout, started)
    result = GradeResult(bundle.slug, label)
    oracles.activate(bundle.root)  # the results recorded at build time, when the bundle has them
    faults: list[str] = []
    plan = []  # (question, test file, test case), in the assignment's order
    for qname, points in bundle.questions:
        test_file = load_test_file(bundle.test_file(qname))
        question = QuestionResult(qname, float(test_file.possible))
        result.questions.append(question)
        for tc in test_file.test_cases:
            case = CaseResult(qname, tc.name, float(tc.points), bool(tc.hidden), False)
            question.cases.append(case)
            plan.append((case, test_file, tc))
    outputs: list[str] = []
    timing = {"startup": 0.0, "cases": 0.0}  # seconds; see _time_split
    submission = object()  # this submission's sessions, to the engine (a spare armed for it serves it only)
    hidden_follow = any(case.hidden for case, _, _ in plan)  # a second session after the public one
    per_case: dict[str, str] = {}
    expired = ""
    with working_directory(bundle.root):  # tests find assets/ and hidden/ relative to here
        for hidden in (False, True):
            batch = [item for item in plan if item[0].hidden == hidden]
            if not batch:
                continue
            if result.status != Status.GRADED:
                for case, _, _ in batch:  # the import failed in the first session: same answer
                    case.message = result.reason
                continue
            if deadline is not None and deadline.passed():
                expired = deadline.reason
            if expired:
                for case, _, _ in batch:
                    case.message = expired
                continue
            opened = time.perf_counter()
            session = engine.open(bundle, source, bundle.submission, deadline=deadline, submission=submission)
            timing["startup"] += time.perf_counter() - opened
            if not hidden and hidden_follow and not session.import_error:
                engine.expect(bundle, submission)  # the hidden cases' runner, made ready meanwhile
            try:
                if session.import_error:
                    result.status, result.reason = session.import_error
                    if result.status == Status.ERROR and syntax_error is not None:
                        result.reason = syntax_error() or result.reason
                    for case, _, _ in batch:
                        case.message = result.reason
                    continue
                for case, test_file, tc in batch:
                    if expired:
                        case.message = expired
                        continue
                    begin_case = getattr(session, "begin_case", None)
                    if begin_case is not None:  # the sandbox files printed output per case
                        begin_case(tc.name)
                    began = time.perf_counter()
                    try:
                        tc.body.call_func(session.env)
                        case.passed = True
                    except (Exception, SystemExit) as e:  # noqa: BLE001 - a failing case is data
                        # A fault the test caught and re-raised as its own failure is still a
                        # fault: the student reads what happened, never the framework's class.
                        fault = e if isinstance(e, RunnerFault) else M.internal_in_chain(e)
                        if isinstance(fault, RunnerFault):
                            case.message = M.did_not_finish(fault.reason)
                            if not getattr(session, "expired", None):
                                # The row's reason is shown to the student: a hidden case's fault is
                                # named, never described (a forged answer's text could carry the
                                # hidden inputs it was given).
                                faults.append(M.hidden_fault(tc.name, fault.kind) if hidden
                                              else f"{tc.name}: {fault.reason}")
                                session.after_fault()
                        elif fault is not None:
                            case.message = str(fault)  # SubmissionExit: its sentence says it all
                            if not getattr(session, "expired", None):
                                getattr(session, "after_fault", lambda: None)()  # its runner is gone: a new one for the next case
                        else:
                            case.message = _failure_message(test_file, e)
                    timing["cases"] += time.perf_counter() - began
                    if getattr(session, "expired", None):
                        # Out of time during this case (even if the test swallowed the fault).
                        expired = session.expired
                        case.passed, case.message = False, expired
            finally:
                text = session.output()
                outputs.append(f"[hidden cases: a fresh runner]\n{text}" if hidden and text else text)
                per_case.update(getattr(session, "case_outputs", dict)())
                getattr(session, "close_later", session.close)()  # clean-up off the critical path
                for key, value in (getattr(session, "timing", None) or {}).items():
                    timing[key] = timing.get(key, 0.0) + value
    result.output = _join_outputs(outputs, int(bundle.limits.output_kb) * 1024)
    for case, _, _ in plan:
        case.output = per_case.get(case.name, "")
    if expired and result.status == Status.GRADED:
        result.status, result.reason = Status.TIMEOUT, expired
    elif faults and result.status == Status.GRADED:
        result.reason = M.stopped_early(faults)
    result.elapsed = time.monotonic() - started
    result.timing = _time_split(timing)
    return result


__all__ = ["grade_source", "GRADED", "ERROR", "TIMEOUT", "CRASHED"]
