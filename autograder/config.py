"""Typed course configuration: course.yml and every assignments/<slug>/assignment.yml.

Loading never guesses: an unknown key, a missing file or a bad value raises ConfigError naming
the file and the key, so an instructor can fix it without reading this code.
"""

from __future__ import annotations

import ast
import calendar
import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class ConfigError(ValueError):
    """A problem in the course's configuration, located by file and key."""

    def __init__(self, path: Path | str, key: str | None, message: str):
        self.path, self.key, self.message = Path(path), key, message
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(where + message)


class ConfigErrors(ConfigError):
    """Several configuration problems found in one run, reported together (one per line).
    `path`, `key` and `message` are the first problem's, so it reads as one ConfigError too."""

    def __init__(self, errors: list[ConfigError]):
        flat: list[ConfigError] = []
        for e in errors:
            flat.extend(e.errors if isinstance(e, ConfigErrors) else [e])
        self.errors = flat
        first = flat[0]
        self.path, self.key, self.message = first.path, first.key, first.message
        ValueError.__init__(self, "\n".join(str(e) for e in flat))


@dataclass(frozen=True)
class Limits:
    """Resource limits for one call into a student's code (the sandbox enforces them)."""

    timeout: float = 60.0
    memory_mb: int = 4096
    processes: int = 64
    file_size_mb: int = 64
    output_kb: int = 64
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
        import ...`), shipped with the tests to the judge and to students."""
        return tuple(sorted(p for p in self.tests_dir.glob("_*.py") if is_helper(p)))

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


# --- small typed readers; each raises ConfigError naming file and key -----------------------

class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: PyYAML would crash on 2027-13-01 with a message
    naming neither file nor key; _date parses them strictly instead."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(path, None, "file not found")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as e:
        raise ConfigError(path, None, f"not valid YAML: {e}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(path, None, f"expected a mapping at the top level, got {type(data).__name__}")
    return data


def _check_keys(path: Path, where: str, data: dict, required: set[str], optional: set[str]) -> None:
    prefix = f"{where}." if where else ""
    allowed = ", ".join(sorted(required | optional))
    found = [ConfigError(path, prefix + k, f"unknown key (allowed: {allowed})")
             for k in sorted(set(map(str, data)) - required - optional)]
    found += [ConfigError(path, prefix + k, "required key is missing") for k in sorted(required) if k not in data]
    if found:
        raise ConfigErrors(found)


def _str(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, key, f"expected a non-empty string, got {value!r}")
    return value


def _positive(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(path, key, f"expected a positive number, got {value!r}")
    return value


def _bool(path: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, key, f"expected true or false, got {value!r}")
    return value


DATE_SHAPE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$")


def _date(path: Path, key: str, value: Any) -> dt.datetime:
    # Dates reach here as strings (_Loader keeps them so): parsed strictly, and a date of the
    # right shape that the calendar lacks (2027-04-31) is called impossible, not malformed.
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(23, 59))
    m = DATE_SHAPE_RE.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ConfigError(path, key, f"malformed date {value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    year, month, day = (int(g) for g in m.groups()[:3])
    hour, minute = (int(m.group(4)), int(m.group(5))) if m.group(4) else (23, 59)
    if not 1 <= month <= 12:
        raise ConfigError(path, key, f"impossible date {value!r}: there is no month {month}")
    try:
        date = dt.date(year, month, day)
    except ValueError:
        last = calendar.monthrange(year, month)[1]
        raise ConfigError(path, key, f"impossible date {value!r}: {calendar.month_name[month]} {year} "
                                     f"has {last} days") from None
    if hour > 23 or minute > 59:
        raise ConfigError(path, key, f"impossible time {value!r}: hours run 00-23 and minutes 00-59")
    return dt.datetime.combine(date, dt.time(hour, minute))


def _str_list(path: Path, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(path, key, f"expected a list of strings, got {value!r}")
    return value


def _limits(path: Path, key: str, value: Any, base: Limits) -> Limits:
    if value is None:
        return base
    if not isinstance(value, dict):
        raise ConfigError(path, key, f"expected a mapping, got {value!r}")
    names = set(Limits.__dataclass_fields__)
    _check_keys(path, key, value, set(), names)
    updates = {k: _positive(path, f"{key}.{k}", v) for k, v in value.items()}
    return replace(base, **updates)


def _timezone(path: Path, key: str, value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _str(path, key, value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(path, key, f"unknown time zone {name!r}: expected an IANA name such as "
                                     "America/New_York, Europe/Paris or UTC") from None
    return name


DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(days?|hours?|d|h)$")


def _late(path: Path, key: str, value: Any, base: LatePolicy) -> LatePolicy:
    if value is None:
        return base
    if not isinstance(value, dict):
        raise ConfigError(path, key, f"expected a mapping, got {value!r}")
    _check_keys(path, key, value, set(), set(LatePolicy.__dataclass_fields__))
    updates: dict[str, Any] = {}
    for k, v in value.items():
        where = f"{key}.{k}"
        if k == "per":
            if v not in ("day", "hour"):
                raise ConfigError(path, where, f"expected day or hour, got {v!r}")
            updates[k] = v
        elif k == "last_accepted":
            m = DURATION_RE.match(v.strip()) if isinstance(v, str) else None
            if m:
                n = float(m.group(1))
                updates[k] = dt.timedelta(hours=n) if m.group(2).startswith("h") else dt.timedelta(days=n)
            else:
                try:
                    updates[k] = _date(path, where, v)
                except ConfigError as e:
                    raise ConfigError(path, where, e.message + ', or a duration after the due date such as '
                                      '"3 days" or "36 hours"') from None
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ConfigError(path, where, f"expected a number >= 0, got {v!r}")
            if k in ("penalty_percent", "cap_percent") and v > 100:
                raise ConfigError(path, where, f"a percentage is at most 100, got {v!r}")
            updates[k] = float(v)
    return replace(base, **updates)


# --- loading -------------------------------------------------------------------------------

class _Collector:
    """Gathers every ConfigError of a load so one run reports them all. A failing `check()`
    block stops only that block: later checks of the same file still run."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    @contextmanager
    def check(self):
        try:
            yield
        except ConfigErrors as e:
            self.errors.extend(e.errors)
        except ConfigError as e:
            self.errors.append(e)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ConfigErrors(self.errors)


def _literal_number(path: Path, key: str, node: ast.expr) -> float:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise ConfigError(path, key, "must be a literal number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(path, key, f"must be a non-negative number, got {value!r}")
    return value


@dataclass(frozen=True)
class _Case:
    function: str
    points: float | None  # None: the decorator states none
    hidden: bool


def _test_file_spec(path: Path) -> tuple[float | list | None, list[_Case]]:
    """The file's top-level `points` and its @test_case functions, read by AST (no code runs)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as e:
        raise ConfigError(path, f"line {e.lineno}", f"test file does not parse: {e.msg}") from None
    declared: float | list | None = None
    cases: list[_Case] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "points" for t in node.targets):
            if isinstance(node.value, (ast.List, ast.Tuple)):
                declared = [_literal_number(path, f"points[{i}]", v) for i, v in enumerate(node.value.elts)]
            else:
                declared = _literal_number(path, "points", node.value)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if not ((isinstance(target, ast.Name) and target.id == "test_case")
                    or (isinstance(target, ast.Attribute) and target.attr == "test_case")):
                continue
            kw = {k.arg: k.value for k in deco.keywords} if isinstance(deco, ast.Call) else {}
            points = _literal_number(path, f"{node.name}: points", kw["points"]) if "points" in kw else None
            hidden = False
            if "hidden" in kw:
                try:
                    hidden = bool(ast.literal_eval(kw["hidden"]))
                except ValueError:
                    raise ConfigError(path, f"{node.name}: hidden", "must be a literal True or False") from None
            cases.append(_Case(node.name, points, hidden))
    return declared, cases


def _fmt(x: float) -> str:
    return f"{x:g}"


def resolve_points(test_file: Path, question: str, expected: float) -> tuple[float, ...]:
    """Each case's points, resolved once, here, the way otter resolves them at grading time; every
    disagreement between assignment.yml (`expected`), the file's `points` and the cases' own
    `points=` is a ConfigError naming the test file and the key."""
    declared, cases = _test_file_spec(test_file)
    if not cases:
        raise ConfigError(test_file, None, "defines no @test_case function: the question could score nothing")
    if isinstance(declared, list):
        if len(declared) != len(cases):
            raise ConfigError(test_file, "points",
                              f"lists {len(declared)} values for {len(cases)} test cases")
        stated = [_Case(c.function, p, c.hidden) for c, p in zip(cases, declared)]
        declared, cases = None, stated
    if declared is not None and declared != expected:
        raise ConfigError(test_file, "points",
                          f"declares {_fmt(declared)} points but assignment.yml gives {question!r} {_fmt(expected)}")
    given = sum(c.points for c in cases if c.points is not None)
    open_cases = [c for c in cases if c.points is None]
    if declared is not None:
        if given > declared:
            raise ConfigError(test_file, "points",
                              f"the cases' points= add up to {_fmt(given)}, more than the file's points = {_fmt(declared)}")
        if not open_cases and given != declared:
            raise ConfigError(test_file, "points",
                              f"the cases' points= add up to {_fmt(given)} but the file declares {_fmt(declared)} "
                              f"(assignment.yml: {_fmt(expected)}): students could never earn the rest")
        share = (declared - given) / len(open_cases) if open_cases else 0.0
        return tuple(c.points if c.points is not None else share for c in cases)
    # No file-level total: otter gives cases without points= nothing (or 1 shared, when none
    # states any), so the cases must state them all and add up to assignment.yml.
    if open_cases:
        raise ConfigError(test_file, f"{open_cases[0].function}: points",
                          "states no points= and the file declares no `points`: otter would give it "
                          f"{'a share of 1 point' if given == 0 else '0 points'}; state points= or `points = {_fmt(expected)}`")
    if given != expected:
        raise ConfigError(test_file, "points",
                          f"the cases' points= add up to {_fmt(given)} but assignment.yml gives {question!r} {_fmt(expected)}")
    return tuple(c.points for c in cases)


def _resolve_asset(root: Path, cfg: Path, key: str, rel: str) -> Path:
    path = (root / "reference" / rel).resolve()
    if not path.is_relative_to((root / "reference").resolve()):
        raise ConfigError(cfg, key, f"{rel!r} points outside reference/")
    if not path.is_file():
        raise ConfigError(cfg, key, f"asset reference/{rel} not found")
    return path


def is_helper(path: Path) -> bool:
    """A test helper module (tests/_name.py): shipped with the tests, not a question."""
    return path.suffix == ".py" and path.name.startswith("_") and path.name != "__init__.py"


def load_assignment(root: Path, entry: dict, index: int, course_limits: Limits,
                    errs: _Collector | None = None, course_late: LatePolicy = LatePolicy(),
                    timezone: str = "UTC") -> Assignment | None:
    """One assignment; with `errs`, problems are collected there (and None returned) instead of
    raised one at a time."""
    own = errs is None
    errs = _Collector() if own else errs
    before = len(errs.errors)
    result = _load_assignment(root, entry, index, course_limits, errs, course_late, timezone)
    if own:
        errs.raise_if_any()
    return result if len(errs.errors) == before else None


def _load_assignment(root: Path, entry: dict, index: int, course_limits: Limits,
                     errs: _Collector, course_late: LatePolicy = LatePolicy(),
                     timezone: str = "UTC") -> Assignment | None:
    course_yml = root / "course.yml"
    where = f"assignments[{index}]"
    if not isinstance(entry, dict):
        errs.errors.append(ConfigError(course_yml, where,
                                       f"expected a mapping with slug, title, due, released; got {entry!r}"))
        return None
    with errs.check():
        _check_keys(course_yml, where, entry, {"slug", "title", "due"}, {"released", "late"})
    if "slug" not in entry:
        return None
    try:
        slug = _str(course_yml, f"{where}.slug", entry["slug"])
        if not SLUG_RE.match(slug):
            raise ConfigError(course_yml, f"{where}.slug", f"{slug!r} is not a valid slug (lowercase letters, digits, _)")
    except ConfigError as e:
        errs.errors.append(e)
        return None
    title, due, released = slug, dt.datetime(1970, 1, 1), True
    with errs.check():
        title = _str(course_yml, f"{where}.title", entry.get("title"))
    with errs.check():
        due = _date(course_yml, f"{where}.due", entry.get("due"))
    with errs.check():
        released = _bool(course_yml, f"{where}.released", entry.get("released", True))
    late = course_late
    with errs.check():
        late = _late(course_yml, f"{where}.late", entry.get("late"), course_late)

    adir = root / "assignments" / slug
    cfg = adir / "assignment.yml"
    if not adir.is_dir():
        errs.errors.append(ConfigError(course_yml, f"{where}.slug", f"unknown slug {slug!r}: no folder assignments/{slug}/"))
        return None
    try:
        data = _read_yaml(cfg)
    except ConfigError as e:
        errs.errors.append(e)
        return None
    with errs.check():
        _check_keys(cfg, "", data, {"questions"},
                    {"submission", "assets", "hidden_assets", "requirements", "limits"})
    submission = f"{slug}.py"
    with errs.check():
        submission = _str(cfg, "submission", data.get("submission", submission))
        if Path(submission).name != submission or not submission.endswith(".py"):
            raise ConfigError(cfg, "submission", f"expected a plain .py file name, got {submission!r}")

    tests_dir = adir / "tests"
    questions, seen = [], set()
    raw_questions = data.get("questions")
    if "questions" in data and (not isinstance(raw_questions, list) or not raw_questions):
        errs.errors.append(ConfigError(cfg, "questions", "expected a non-empty list of {name, points}"))
        raw_questions = []
    for i, q in enumerate(raw_questions or []):
        qkey = f"questions[{i}]"
        with errs.check():
            if not isinstance(q, dict):
                raise ConfigError(cfg, qkey, f"expected a mapping with name and points, got {q!r}")
            _check_keys(cfg, qkey, q, {"name", "points"}, set())
            name = _str(cfg, f"{qkey}.name", q["name"])
            if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name):
                raise ConfigError(cfg, f"{qkey}.name",
                                  f"{name!r} must be a Python identifier not starting with _ (it names tests/{name}.py)")
            if name in seen:
                raise ConfigError(cfg, f"{qkey}.name", f"duplicate question {name!r}")
            seen.add(name)
            points = _positive(cfg, f"{qkey}.points", q["points"])
            test_file = tests_dir / f"{name}.py"
            if not test_file.is_file():
                raise ConfigError(cfg, f"{qkey}.name", f"question {name!r} has no test file tests/{name}.py")
            resolve_points(test_file, name, points)
            questions.append(Question(name, points, test_file))
    orphans = sorted(p.name for p in tests_dir.glob("*.py") if p.stem not in seen and not is_helper(p)
                     and p.name != "__init__.py")
    for orphan in orphans:
        errs.errors.append(ConfigError(cfg, "questions", f"test file tests/{orphan} has no question in assignment.yml "
                                       "(a helper module's name starts with _)"))

    stub = adir / submission
    if not stub.is_file():
        errs.errors.append(ConfigError(cfg, "submission", f"missing stub assignments/{slug}/{submission} "
                                       f"(write it with: course stub {slug})"))
    solution = root / "solutions" / slug / submission
    if not solution.is_file():
        errs.errors.append(ConfigError(cfg, "submission", f"missing solution solutions/{slug}/{submission}"))

    groups: dict[str, list[Path]] = {"assets": [], "hidden_assets": []}
    for key in groups:
        with errs.check():
            for i, a in enumerate(_str_list(cfg, key, data.get(key))):
                with errs.check():
                    groups[key].append(_resolve_asset(root, cfg, f"{key}[{i}]", a))
        names = [p.name for p in groups[key]]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            errs.errors.append(ConfigError(cfg, key, f"two assets share the file name {dup!r}"))
    requirements: tuple[str, ...] = ()
    with errs.check():
        requirements = tuple(_str_list(cfg, "requirements", data.get("requirements")))
    limits = course_limits
    with errs.check():
        limits = _limits(cfg, "limits", data.get("limits"), course_limits)
    return Assignment(slug, title, due, released, root, submission, tuple(questions),
                      tuple(groups["assets"]), tuple(groups["hidden_assets"]), requirements, limits, late, timezone)


def load_course(root: Path | str = ".") -> Course:
    """The whole configuration; raises ConfigErrors listing every problem found (a subclass of
    ConfigError whose path, key and message are the first one's)."""
    root = Path(root).resolve()
    path = root / "course.yml"
    data = _read_yaml(path)
    errs = _Collector()
    with errs.check():
        _check_keys(path, "", data, {"name", "assignments"}, {"term", "seed", "limits", "timezone", "late",
                                                                "similarity_threshold"})
    name, term, seed, limits = "", "", 0, Limits()
    with errs.check():
        name = _str(path, "name", data.get("name"))
    with errs.check():
        term = _str(path, "term", data["term"]) if "term" in data else ""
    with errs.check():
        seed = data.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError(path, "seed", f"expected a non-negative integer, got {seed!r}")
    with errs.check():
        limits = _limits(path, "limits", data.get("limits"), Limits())
    timezone, late = "UTC", LatePolicy()
    with errs.check():
        timezone = _timezone(path, "timezone", data["timezone"]) if "timezone" in data else "UTC"
    with errs.check():
        late = _late(path, "late", data.get("late"), LatePolicy())
    similarity = 0.5
    with errs.check():
        similarity = data.get("similarity_threshold", 0.5)
        if isinstance(similarity, bool) or not isinstance(similarity, (int, float)) or not 0 < similarity <= 1:
            raise ConfigError(path, "similarity_threshold",
                              f"expected a share of code between 0 and 1 (such as 0.5), got {similarity!r}")
    entries = data.get("assignments")
    if "assignments" in data and (not isinstance(entries, list) or not entries):
        errs.errors.append(ConfigError(path, "assignments", "expected a non-empty list of assignments"))
        entries = []
    assignments, seen = [], set()
    for i, entry in enumerate(entries or []):
        slug = entry.get("slug") if isinstance(entry, dict) else None
        if slug in seen:
            errs.errors.append(ConfigError(path, f"assignments[{i}].slug", f"duplicate slug {slug!r}"))
            continue
        seen.add(slug)
        a = load_assignment(root, entry, i, limits, errs, late, timezone)
        if a is not None:
            assignments.append(a)
    errs.raise_if_any()
    return Course(name, term, seed, root, limits, tuple(assignments), timezone, late, float(similarity))


@dataclass(frozen=True)
class SourcePair:
    """An assignment's one source (the solution) and the stub generated from it."""
    slug: str
    root: Path
    solution: Path
    stub: Path


def source_pairs(root: Path | str, slugs: list[str] | None = None) -> list[SourcePair]:
    """Solution and stub paths, reading only the slugs in course.yml and each `submission` key:
    `course stub` must work while another part of the configuration is being edited."""
    root = Path(root).resolve()
    path = root / "course.yml"
    entries = _read_yaml(path).get("assignments")
    known = [e["slug"] for e in entries if isinstance(e, dict) and isinstance(e.get("slug"), str)] \
        if isinstance(entries, list) else []
    for slug in slugs or []:
        if slug not in known:
            raise ConfigError(path, "assignments",
                              f"unknown assignment slug {slug!r}; the course has: {', '.join(known)}")
    pairs = []
    for slug in slugs or known:
        cfg = root / "assignments" / slug / "assignment.yml"
        submission = _read_yaml(cfg).get("submission", f"{slug}.py")
        submission = _str(cfg, "submission", submission)
        pairs.append(SourcePair(slug, root, root / "solutions" / slug / submission,
                                root / "assignments" / slug / submission))
    return pairs


def find_root(start: Path | str = ".") -> Path:
    """The nearest folder at or above `start` holding course.yml."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "course.yml").is_file():
            return folder
    raise ConfigError(start / "course.yml", None, "no course.yml here or in any parent folder")
