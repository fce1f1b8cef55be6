"""Inside the Gradescope autograder zip: grade /autograder/submission into
/autograder/results/results.json with the same engine `course grade` uses."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from .bundle_format import GradingBundle
from .files import close_to_others, json_bytes, write_bytes_atomic
from .grading import grade_path, make_engine
from .grading.results import gradescope_json

# Gradescope stops a whole autograder run after 10 minutes unless the assignment's settings say
# more (up to 40), and then writes no page at all. A course that set no submission_timeout gets
# 10x the per-call timeout, which is 600 s for the default 60 s: the budget for the submission is
# what is left of Gradescope's after the start (engine, template, imports) and writing the page.
BUDGET_VAR = "COURSE_GRADESCOPE_TIMEOUT"  # seconds, the assignment's Gradescope timeout if raised
DEFAULT_BUDGET = 600.0


def submission_budget(bundle: GradingBundle, environ=os.environ) -> GradingBundle:
    """The bundle with a submission_timeout that ends before Gradescope's, unless the course set
    one itself (its own choice, kept)."""
    limits = bundle.limits
    if limits.submission_timeout:
        return bundle
    try:
        budget = float(environ.get(BUDGET_VAR, DEFAULT_BUDGET))
    except ValueError:
        budget = DEFAULT_BUDGET
    cap = max(10.0, 0.9 * budget - 30.0)
    if limits.effective_submission_timeout <= cap:
        return bundle
    return dataclasses.replace(bundle, limits=dataclasses.replace(limits, submission_timeout=cap))


def run(bundle_dir: Path, submission: Path, results: Path, engine_name: str = "sandbox") -> int:
    # Before anything starts (run_autograder does it first too): where bubblewrap cannot run a
    # runner reads what its uid may, and the bundle holds every case with its answers.
    close_to_others(bundle_dir)
    bundle = submission_budget(GradingBundle.load(bundle_dir))
    print(f"{bundle.slug}: {bundle.limits.effective_submission_timeout:g} s for the whole submission", file=sys.stderr)
    engine = make_engine(engine_name)
    try:
        result = grade_path(bundle, submission, engine, label=submission.name)
    finally:
        engine.close()
    write_bytes_atomic(results, json_bytes(gradescope_json(result)))
    print(f"{bundle.slug}: {result.score:g}/{result.max_score:g} ({result.status})")
    return 0
