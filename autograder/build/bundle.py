"""Step: the grading bundle, everything the engine needs to grade one assignment and nothing
else: grading.json (slug, submission name, questions, limits), tests/ (all cases),
assets/ (public) and hidden/ (judge only). Never the solution.

The same folder sits in the Gradescope autograder zip and travels with each Dask task, so a
course grades the same way everywhere.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..config import Assignment, Limits
from .assets import collect

MANIFEST = "grading.json"


@dataclass(frozen=True)
class GradingBundle:
    root: Path
    slug: str
    submission: str
    questions: tuple[tuple[str, float], ...]  # (name, points) in order
    limits: Limits

    @property
    def module_name(self) -> str:
        return Path(self.submission).stem

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests"

    @property
    def assets_dir(self) -> Path:
        return self.root / "assets"

    @property
    def max_score(self) -> float:
        return sum(p for _, p in self.questions)

    @classmethod
    def load(cls, root: Path | str) -> "GradingBundle":
        root = Path(root).resolve()
        manifest = root / MANIFEST
        if not manifest.is_file():
            raise FileNotFoundError(f"{manifest}: not a grading bundle (no {MANIFEST})")
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return cls(root, data["slug"], data["submission"],
                   tuple((q["name"], q["points"]) for q in data["questions"]),
                   Limits(**data["limits"]))


def bundle_files(assignment: Assignment, seed: int) -> dict[str, bytes]:
    """The bundle as {relative path: bytes}, in a fixed order (so zips are deterministic)."""
    assets = collect(assignment, seed)
    manifest = {
        "slug": assignment.slug,
        "submission": assignment.submission,
        "seed": seed,
        "questions": [{"name": q.name, "points": q.points} for q in assignment.questions],
        "limits": asdict(assignment.limits),
    }
    files = {MANIFEST: (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()}
    for q in assignment.questions:
        files[f"tests/{q.name}.py"] = q.test_file.read_bytes()
    for helper in assignment.helpers:  # imported by the test files (testfiles.load)
        files[f"tests/{helper.name}"] = helper.read_bytes()
    files.update({f"assets/{n}": b for n, b in assets.public.items()})
    files.update({f"hidden/{n}": b for n, b in assets.hidden.items()})
    return files


def write_files(files: dict[str, bytes], root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def materialize(assignment: Assignment, seed: int, root: Path) -> GradingBundle:
    write_files(bundle_files(assignment, seed), root)
    return GradingBundle.load(root)


def to_zip_bytes(root: Path) -> bytes:
    """A bundle folder as deterministic zip bytes (what a batch task carries; its hash names
    the bundle's content, so a rerun can tell whether the tests changed)."""
    from .pack import pack

    root = Path(root)
    return pack({p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()})


_materialized: dict[tuple[str, str, int], GradingBundle] = {}


def bundle_for(assignment: Assignment, seed: int) -> GradingBundle:
    """A grading bundle in a private temporary folder (mode 0700, so a sandboxed runner with
    another user id cannot read its hidden tests), made once per process."""
    import atexit
    import shutil
    import tempfile

    key = (str(assignment.root), assignment.slug, seed)
    if key not in _materialized:
        tmp = Path(tempfile.mkdtemp(prefix=f"course-bundle-{assignment.slug}-"))
        atexit.register(shutil.rmtree, tmp, True)
        _materialized[key] = materialize(assignment, seed, tmp / "bundle")
    return _materialized[key]
