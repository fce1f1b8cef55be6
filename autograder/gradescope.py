"""Inside the Gradescope autograder zip: grade /autograder/submission into
/autograder/results/results.json with the same engine `course grade` uses."""

from __future__ import annotations

from pathlib import Path

from .bundle_format import GradingBundle
from .files import json_bytes, write_bytes_atomic
from .grading import grade_path, make_engine
from .grading.results import gradescope_json


def run(bundle_dir: Path, submission: Path, results: Path, engine_name: str = "sandbox") -> int:
    bundle = GradingBundle.load(bundle_dir)
    engine = make_engine(engine_name)
    try:
        result = grade_path(bundle, submission, engine, label=submission.name)
    finally:
        engine.close()
    write_bytes_atomic(results, json_bytes(gradescope_json(result)))
    print(f"{bundle.slug}: {result.score:g}/{result.max_score:g} ({result.status})")
    return 0
