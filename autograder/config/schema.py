"""The typed configuration a load produces: limits, late policy, questions, assignments, the course."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")


# A call's captured output travels in the runner's reply header (sandbox/limits.py,
# REPLY_HEADER_CAP = 1 MiB), JSON-escaped at up to 6 bytes a character: 128 KB fits.
OUTPUT_KB_MAX = 128


@dataclass(frozen=True)
class Limits:
    """Resource limits for one call into a student's code (the sandbox enforces them)."""

    timeout: float = 60.0
    memory_mb: int = 4096
    processes: int = 64
    file_size_mb: int = 64
    output_kb: int = 64     # at most OUTPUT_KB_MAX
    # Seconds for one whole submission on the judge's side (import, every call and handle round
    # trip, decoding); None: SUBMISSION_TIMEOUT_FACTOR x timeout. See effective_submission_timeout.
    submission_timeout: float | None = None

    @property
    def effective_submission_timeout(self) -> float:
        return float(self.submission_timeout or SUBMISSION_TIMEOUT_FACTOR * self.timeout)


SUBMISSION_TIMEOUT_FACTOR = 10


@dataclass(frozen=True)
class LatePolicy:
    """course.yml `late:` (an assignment entry's `late:` overrides single keys). A submission
    later than its due date plus the grace period loses penalty_percent of the score it earned
    per started day (or hour) late, counted from the due date, at most cap_percent; one later
    than last_accepted (a date-time, or a duration such as "3 days" after the due date) scores 0."""

    grace_minutes: float = 0.0
    penalty_percent: float = 0.0
    per: str = "day"
    cap_percent: float = 100.0
    last_accepted: dt.datetime | dt.timedelta | None = None


@dataclass(frozen=True)
class Question:
    name: str
    points: float
    test_file: Path


@dataclass(frozen=True)
class Assignment:
    slug: str
    title: str
    due: dt.datetime
    released: bool
    root: Path  # the course root
    submission: str  # the file name students submit
    questions: tuple[Question, ...]
    assets: tuple[Path, ...]  # absolute paths of files under reference/
    hidden_assets: tuple[Path, ...]
    requirements: tuple[str, ...]
    limits: Limits
    late: LatePolicy = LatePolicy()
    timezone: str = "UTC"  # course.yml `timezone`: the zone of `due` and of late policy times

    @property
    def due_at(self) -> dt.datetime:
        """The due date as an aware date-time in the course's time zone."""
        from zoneinfo import ZoneInfo

        return self.due.replace(tzinfo=ZoneInfo(self.timezone))

    @property
    def dir(self) -> Path:
        return self.root / "assignments" / self.slug

    @property
    def stub(self) -> Path:
        return self.dir / self.submission

    @property
    def solution(self) -> Path:
        return self.root / "solutions" / self.slug / self.submission

    @property
    def tests_dir(self) -> Path:
        return self.dir / "tests"

    @property
    def templates_dir(self) -> Path:
        return self.dir / "templates"

    @property
    def helpers(self) -> tuple[Path, ...]:
        """Test helper modules, tests/_<name>.py: importable by the test files (`from _name
        import ...`), shipped with the tests to the judge and to students. The course's shared
        helpers (assignments/_shared/_<name>.py) join every assignment's, unless it has its own
        helper of that name."""
        own = {p.name: p for p in self.tests_dir.glob("_*.py") if is_helper(p)}
        shared = self.root / "assignments" / SHARED_HELPERS
        for p in shared.glob("_*.py") if shared.is_dir() else ():
            if is_helper(p):
                own.setdefault(p.name, p)
        return tuple(own[name] for name in sorted(own))

    @property
    def generator(self) -> Path | None:
        path = self.root / "reference" / self.slug / "generate.py"
        return path if path.is_file() else None

    @property
    def module_name(self) -> str:
        return Path(self.submission).stem

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)


@dataclass(frozen=True)
class Course:
    name: str
    term: str
    seed: int
    root: Path
    limits: Limits
    assignments: tuple[Assignment, ...] = field(default=())
    timezone: str = "UTC"
    late: LatePolicy = LatePolicy()
    similarity_threshold: float = 0.5  # pairs sharing this share of code are shown in report.html

    def get(self, slug: str) -> Assignment:
        for a in self.assignments:
            if a.slug == slug:
                return a
        known = ", ".join(a.slug for a in self.assignments)
        raise ConfigError(self.root / "course.yml", "assignments",
                          f"unknown assignment slug {slug!r}; the course has: {known}")

    def select(self, slugs: list[str] | None) -> list[Assignment]:
        """The named assignments, or, when none is named, every released one (`released: false`
        keeps work in progress out of `course build`, `course validate` and `make release`)."""
        return [self.get(s) for s in slugs] if slugs else [a for a in self.assignments if a.released]

    def unreleased(self, slugs: list[str] | None) -> list[str]:
        """Slugs that select() leaves out."""
        return [] if slugs else [a.slug for a in self.assignments if not a.released]


SHARED_HELPERS = "_shared"  # assignments/_shared/: test helpers every assignment gets (Assignment.helpers)


def is_helper(path: Path) -> bool:
    """A test helper module (tests/_name.py): shipped with the tests, not a question."""
    return path.suffix == ".py" and path.name.startswith("_") and path.name != "__init__.py"
