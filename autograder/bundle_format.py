"""The grading bundle's format: what `course build` writes (build/bundle.py) and what the
grading runtime reads (grading/, sandbox/, batch workers, the Gradescope entry point). Only
this module knows the folder layout, so the runtime never imports the build.

  grading.json        the manifest: slug, submission file name, questions with points, limits, seed,
                      preload (the modules the reference solution imports: the sandbox template
                      imports them before its first runner, the rest of its list afterwards)
  tests/<q>.py        one otter test file per question (public and hidden cases)
  tests/<helper>.py   the assignment's test helper modules (tests/_*.py), imported by the test files
  assets/<name>       public data files (students get the same ones)
  hidden/<name>       judge-only data files (hidden cases read them; never shipped to students)
  oracles.bin         optional: the tests' oracle results, recorded when the course was built
                      (grading/oracles.py); not part of the bundle's identity (bundle_identity)

Never the solution: the bundle travels to Gradescope and to every Dask worker.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import Limits

MANIFEST = "grading.json"
ORACLES = "oracles.bin"
ORACLES_MAGIC = b"ORACLES2\n"  # the store's format (grading/oracles.py); versions keyed by module
# The libraries an oracle's numbers may come from, by module and the distributions that provide it
# (the first installed one counts): a store records the versions of those its recording imported,
# and is used only where the same versions are installed.
ORACLE_LIBRARIES = {
    "numpy": ("numpy",), "scipy": ("scipy",), "PIL": ("pillow",), "skimage": ("scikit-image",),
    "keras": ("keras",), "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos"),
    "cv2": ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless", "opencv-contrib-python"),
}


def library_versions(modules) -> dict[str, str]:
    """{module: version of the installed distribution providing it}, "" for one not installed
    (so a store that needs it does not match)."""
    from importlib import metadata

    out = {}
    for module in modules:
        out[module] = ""
        for dist in ORACLE_LIBRARIES.get(module, (module,)):
            try:
                out[module] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    return out
TESTS, ASSETS, HIDDEN = "tests", "assets", "hidden"


def test_path(question: str) -> str:
    return f"{TESTS}/{question}.py"


def helper_path(name: str) -> str:
    return f"{TESTS}/{name}"


def asset_path(name: str, hidden: bool = False) -> str:
    return f"{HIDDEN if hidden else ASSETS}/{name}"


_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def manifest_bytes(slug: str, submission: str, seed: int, questions, limits: Limits,
                   preload: tuple[str, ...] = ()) -> bytes:
    """questions: (name, points) pairs in order; preload: module names, in import order."""
    manifest = {"slug": slug, "submission": submission, "seed": seed,
                "questions": [{"name": n, "points": p} for n, p in questions], "limits": asdict(limits)}
    if preload:
        manifest["preload"] = list(preload)
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


@dataclass(frozen=True)
class GradingBundle:
    root: Path
    slug: str
    submission: str
    questions: tuple[tuple[str, float], ...]  # (name, points) in order
    limits: Limits
    preload: tuple[str, ...] = ()  # empty: a bundle made before the field (the template decides alone)

    @property
    def module_name(self) -> str:
        return Path(self.submission).stem

    @property
    def tests_dir(self) -> Path:
        return self.root / TESTS

    @property
    def assets_dir(self) -> Path:
        return self.root / ASSETS

    def test_file(self, question: str) -> Path:
        return self.root / test_path(question)

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
        preload = data.get("preload")
        if not (isinstance(preload, list) and all(isinstance(m, str) and _MODULE.fullmatch(m) for m in preload)):
            preload = []  # absent or not a list of module names: only a speed hint, so ignored
        return cls(root, data["slug"], data["submission"],
                   tuple((q["name"], q["points"]) for q in data["questions"]),
                   Limits(**data["limits"]), tuple(preload))
