"""Loading course.yml and every assignments/<slug>/assignment.yml into the schema, every
problem of a run collected and reported together."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .dates import parse_date
from .errors import Collector, ConfigError
from .points import resolve_points
from .readers import _bool, _check_keys, _late, _limits, _positive, _read_yaml, _str, _str_list, _timezone
from .schema import SLUG_RE, Assignment, Course, LatePolicy, Limits, Question, is_helper


def _resolve_asset(root: Path, cfg: Path, key: str, rel: str) -> Path:
    path = (root / "reference" / rel).resolve()
    if not path.is_relative_to((root / "reference").resolve()):
        raise ConfigError(cfg, key, f"{rel!r} points outside reference/")
    if not path.is_file():
        raise ConfigError(cfg, key, f"asset reference/{rel} not found")
    return path


def load_assignment(root: Path, entry: dict, index: int, course_limits: Limits,
                    errs: Collector | None = None, course_late: LatePolicy = LatePolicy(),
                    timezone: str = "UTC") -> Assignment | None:
    """One assignment; with `errs`, problems are collected there (and None returned) instead of
    raised one at a time."""
    own = errs is None
    errs = Collector() if own else errs
    before = len(errs.errors)
    result = _load_assignment(root, entry, index, course_limits, errs, course_late, timezone)
    if own:
        errs.raise_if_any()
    return result if len(errs.errors) == before else None


def _load_assignment(root: Path, entry: dict, index: int, course_limits: Limits,
                     errs: Collector, course_late: LatePolicy = LatePolicy(),
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
        due = parse_date(course_yml, f"{where}.due", entry.get("due"))
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
    errs = Collector()
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
