"""Typed course configuration: course.yml and every assignments/<slug>/assignment.yml.

Loading never guesses: an unknown key, a missing file or a bad value raises ConfigError naming
the file and the key, so an instructor can fix it without reading this code.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
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


@dataclass(frozen=True)
class Limits:
    """Resource limits for one call into a student's code (the sandbox enforces them)."""

    timeout: float = 60.0
    memory_mb: int = 4096
    processes: int = 64
    file_size_mb: int = 64
    output_kb: int = 64


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

    def get(self, slug: str) -> Assignment:
        for a in self.assignments:
            if a.slug == slug:
                return a
        known = ", ".join(a.slug for a in self.assignments)
        raise ConfigError(self.root / "course.yml", "assignments",
                          f"unknown assignment slug {slug!r}; the course has: {known}")

    def select(self, slugs: list[str] | None) -> list[Assignment]:
        return [self.get(s) for s in slugs] if slugs else list(self.assignments)


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
    unknown = sorted(set(map(str, data)) - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise ConfigError(path, prefix + unknown[0], f"unknown key (allowed: {allowed})")
    for key in sorted(required):
        if key not in data:
            raise ConfigError(path, prefix + key, "required key is missing")


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


def _date(path: Path, key: str, value: Any) -> dt.datetime:
    # YAML already turns 2027-01-29 into a date; strings are parsed strictly.
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(23, 59))
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
            try:
                parsed = dt.datetime.strptime(value, fmt)
            except ValueError:
                continue
            return parsed.replace(hour=23, minute=59) if fmt == "%Y-%m-%d" else parsed
    raise ConfigError(path, key, f"malformed date {value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM")


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


# --- loading -------------------------------------------------------------------------------

def _test_file_points(path: Path) -> float | None:
    """The `points = N` a test file declares at top level, read by AST (no code runs)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as e:
        raise ConfigError(path, None, f"test file does not parse: {e.msg} (line {e.lineno})") from None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "points" for t in node.targets):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                raise ConfigError(path, "points", "must be a literal number") from None
    return None


def _resolve_asset(root: Path, cfg: Path, key: str, rel: str) -> Path:
    path = (root / "reference" / rel).resolve()
    if not path.is_relative_to((root / "reference").resolve()):
        raise ConfigError(cfg, key, f"{rel!r} points outside reference/")
    if not path.is_file():
        raise ConfigError(cfg, key, f"asset reference/{rel} not found")
    return path


def load_assignment(root: Path, entry: dict, index: int, course_limits: Limits) -> Assignment:
    course_yml = root / "course.yml"
    where = f"assignments[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(course_yml, where, f"expected a mapping with slug, title, due, released; got {entry!r}")
    _check_keys(course_yml, where, entry, {"slug", "title", "due"}, {"released"})
    slug = _str(course_yml, f"{where}.slug", entry["slug"])
    if not SLUG_RE.match(slug):
        raise ConfigError(course_yml, f"{where}.slug", f"{slug!r} is not a valid slug (lowercase letters, digits, _)")
    title = _str(course_yml, f"{where}.title", entry["title"])
    due = _date(course_yml, f"{where}.due", entry["due"])
    released = _bool(course_yml, f"{where}.released", entry.get("released", True))

    adir = root / "assignments" / slug
    cfg = adir / "assignment.yml"
    if not adir.is_dir():
        raise ConfigError(course_yml, f"{where}.slug", f"unknown slug {slug!r}: no folder assignments/{slug}/")
    data = _read_yaml(cfg)
    _check_keys(cfg, "", data, {"questions"},
                {"submission", "assets", "hidden_assets", "requirements", "limits"})
    submission = _str(cfg, "submission", data.get("submission", f"{slug}.py"))
    if Path(submission).name != submission or not submission.endswith(".py"):
        raise ConfigError(cfg, "submission", f"expected a plain .py file name, got {submission!r}")

    raw_questions = data["questions"]
    if not isinstance(raw_questions, list) or not raw_questions:
        raise ConfigError(cfg, "questions", "expected a non-empty list of {name, points}")
    tests_dir = adir / "tests"
    questions, seen = [], set()
    for i, q in enumerate(raw_questions):
        qkey = f"questions[{i}]"
        if not isinstance(q, dict):
            raise ConfigError(cfg, qkey, f"expected a mapping with name and points, got {q!r}")
        _check_keys(cfg, qkey, q, {"name", "points"}, set())
        name = _str(cfg, f"{qkey}.name", q["name"])
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ConfigError(cfg, f"{qkey}.name", f"{name!r} must be a Python identifier (it names tests/{name}.py)")
        if name in seen:
            raise ConfigError(cfg, f"{qkey}.name", f"duplicate question {name!r}")
        seen.add(name)
        points = _positive(cfg, f"{qkey}.points", q["points"])
        test_file = tests_dir / f"{name}.py"
        if not test_file.is_file():
            raise ConfigError(cfg, f"{qkey}.name", f"question {name!r} has no test file tests/{name}.py")
        declared = _test_file_points(test_file)
        if declared is not None and declared != points:
            raise ConfigError(test_file, "points",
                              f"declares {declared} points but assignment.yml gives {name!r} {points}")
        questions.append(Question(name, points, test_file))
    orphans = sorted(p.name for p in tests_dir.glob("*.py") if p.stem not in seen and p.name != "__init__.py")
    if orphans:
        raise ConfigError(cfg, "questions", f"test file tests/{orphans[0]} has no question in assignment.yml")

    stub = adir / submission
    if not stub.is_file():
        raise ConfigError(cfg, "submission", f"missing stub assignments/{slug}/{submission}")
    solution = root / "solutions" / slug / submission
    if not solution.is_file():
        raise ConfigError(cfg, "submission", f"missing solution solutions/{slug}/{submission}")

    assets = tuple(_resolve_asset(root, cfg, f"assets[{i}]", a)
                   for i, a in enumerate(_str_list(cfg, "assets", data.get("assets"))))
    hidden = tuple(_resolve_asset(root, cfg, f"hidden_assets[{i}]", a)
                   for i, a in enumerate(_str_list(cfg, "hidden_assets", data.get("hidden_assets"))))
    for key, group in (("assets", assets), ("hidden_assets", hidden)):
        names = [p.name for p in group]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise ConfigError(cfg, key, f"two assets share the file name {dup!r}")
    requirements = tuple(_str_list(cfg, "requirements", data.get("requirements")))
    limits = _limits(cfg, "limits", data.get("limits"), course_limits)
    return Assignment(slug, title, due, released, root, submission, tuple(questions),
                      assets, hidden, requirements, limits)


def load_course(root: Path | str = ".") -> Course:
    root = Path(root).resolve()
    path = root / "course.yml"
    data = _read_yaml(path)
    _check_keys(path, "", data, {"name", "assignments"}, {"term", "seed", "limits"})
    name = _str(path, "name", data["name"])
    term = _str(path, "term", data["term"]) if "term" in data else ""
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(path, "seed", f"expected a non-negative integer, got {seed!r}")
    limits = _limits(path, "limits", data.get("limits"), Limits())
    entries = data["assignments"]
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "assignments", "expected a non-empty list of assignments")
    assignments, seen = [], set()
    for i, entry in enumerate(entries):
        slug = entry.get("slug") if isinstance(entry, dict) else None
        if slug in seen:
            raise ConfigError(path, f"assignments[{i}].slug", f"duplicate slug {slug!r}")
        seen.add(slug)
        assignments.append(load_assignment(root, entry, i, limits))
    return Course(name, term, seed, root, limits, tuple(assignments))


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
