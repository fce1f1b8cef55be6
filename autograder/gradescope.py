"""Inside the Gradescope autograder zip: grade /autograder/submission into
/autograder/results/results.json with the same engine `course grade` uses."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .build.bundle import GradingBundle
from .grading import grade_path, make_engine
from .grading.results import gradescope_json


def write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def with_status(data: dict) -> dict:
    """Gradescope shows a test as passed or failed from its `status`; without one it guesses
    from the score. A test passes when it earns all its points."""
    for t in data.get("tests", []):
        t.setdefault("status", "passed" if t["score"] >= t["max_score"] else "failed")
    return data


def run(bundle_dir: Path, submission: Path, results: Path, engine_name: str = "sandbox") -> int:
    bundle = GradingBundle.load(bundle_dir)
    engine = make_engine(engine_name)
    try:
        result = grade_path(bundle, submission, engine, label=submission.name)
    finally:
        engine.close()
    write_json_atomic(results, with_status(gradescope_json(result)))
    print(f"{bundle.slug}: {result.score:g}/{result.max_score:g} ({result.status})")
    return 0
