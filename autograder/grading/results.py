"""What grading produces: per-case, per-question and per-submission results, and the
Gradescope results.json view of them (the only view a student sees)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from .. import messages as M
from .. import text as T
from ..status import Status

# The statuses by their old names (autograder.status is the one list; values are the strings).
GRADED, ERROR, TIMEOUT, REJECTED, CRASHED = (Status.GRADED, Status.ERROR, Status.TIMEOUT, Status.REJECTED,
                                             Status.CRASHED)


@dataclass
class CaseResult:
    question: str
    name: str
    points: float
    hidden: bool
    passed: bool
    message: str = ""  # failure message (never shown to the student for hidden cases)
    output: str = ""  # what the student's code printed during this case (shown for public cases only)

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0


@dataclass
class QuestionResult:
    name: str
    max_score: float
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cases)


@dataclass
class GradeResult:
    slug: str
    submission: str
    status: Status | str = Status.GRADED
    reason: str = ""
    questions: list[QuestionResult] = field(default_factory=list)
    output: str = ""  # the student's captured stdout/stderr (capped)
    elapsed: float = 0.0
    # Where the seconds went (issue 16): startup, student, judge, wire; see grading/core.py.
    timing: dict = field(default_factory=dict)
    # The file graded, as the student named it (its path inside the folder or zip they handed
    # in); "" when none was read. Student text: shown through autograder.text only.
    file: str = ""

    @property
    def score(self) -> float:
        return round(sum(q.score for q in self.questions), 6)

    @property
    def max_score(self) -> float:
        return round(sum(q.max_score for q in self.questions), 6)

    def bounded(self) -> "GradeResult":
        """A copy with every student-derived message cut to the limits of autograder.text, so
        a 2 MB exception message never makes a 2 MB record, results.json or log, and with the
        framework's own class names taken out of what a student reads (messages.plain)."""
        questions = [QuestionResult(q.name, q.max_score, [
            replace(c, message=M.plain(T.cap(c.message, T.MESSAGE)), output=T.cap(c.output, T.CASE_OUTPUT))
            for c in q.cases]) for q in self.questions]
        return replace(self, status=Status.of(self.status), reason=M.plain(T.cap(self.reason, T.REASON)),
                       output=T.cap(self.output, T.OUTPUT), questions=questions, file=T.cap(self.file, T.NAME))

    def to_dict(self) -> dict:
        """The stored form (capped: see bounded())."""
        d = asdict(self.bounded())
        d.update(score=self.score, max_score=self.max_score, status=str(d["status"]))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "GradeResult":
        questions = [QuestionResult(q["name"], q["max_score"], [CaseResult(**c) for c in q["cases"]])
                     for q in d.get("questions", [])]
        return cls(d["slug"], d["submission"], Status.of(d.get("status", Status.GRADED)), d.get("reason", ""),
                   questions, d.get("output", ""), d.get("elapsed", 0.0), file=str(d.get("file") or "")).bounded()


def _case_lines(cases: list[CaseResult], with_messages: bool) -> str:
    lines = []
    for c in cases:
        mark = "passed" if c.passed else "failed"
        lines.append(f"{c.name}: {mark} ({c.score:g}/{c.points:g})")
        if with_messages and not c.passed and c.message:
            lines.append(T.indent(T.block(M.plain(c.message).rstrip(), T.MESSAGE), "    "))
        if with_messages and c.output.strip():
            lines.append("    your code printed:\n" + T.indent(T.block(c.output.strip(), T.CASE_OUTPUT), "      "))
    return "\n".join(lines)


def gradescope_json(result: GradeResult) -> dict:
    """results.json in Gradescope's schema.

    One entry per question for its public cases (visible, with failure messages) and, when the
    question has hidden cases, one more entry "<question> (hidden)" shown after grades are
    published, with pass/fail per case and no message: a hidden test's source or expected
    value never reaches the student.
    """
    tests = []
    for q in result.questions:
        public = [c for c in q.cases if not c.hidden]
        hidden = [c for c in q.cases if c.hidden]
        if public:
            tests.append({
                "name": q.name,
                "score": sum(c.score for c in public),
                "max_score": sum(c.points for c in public),
                "visibility": "visible",
                "output": _case_lines(public, with_messages=True),
            })
        if hidden:
            tests.append({
                "name": f"{q.name} (hidden)",
                "score": sum(c.score for c in hidden),
                "max_score": sum(c.points for c in hidden),
                "visibility": "after_published",
                "output": _case_lines(hidden, with_messages=False),
            })
    for t in tests:  # Gradescope guesses pass/fail from the score without it; course grade's files agree
        t["status"] = "passed" if t["score"] >= t["max_score"] else "failed"
    reason = M.plain(result.reason)
    output = f"Status: {result.status}."  # one line: nothing a student wrote starts a new one
    if result.file:  # which file was graded: a renamed or nested one is named too
        output += f" Graded file: {T.one_line(result.file, T.NAME)}."
    if reason:
        output += f" {T.one_line(reason, T.REASON)}"
    return {
        "score": result.score,
        "execution_time": round(result.elapsed, 3),
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
