"""Record a bundle's oracle store: `python -m autograder.grading.recorder BUNDLE_DIR SOLUTION.py OUT`.

Run by the build (build/oracles.py) in a process of its own: the reference solution is graded
in-process (trusted code) with recording on, and what the helpers computed is written to OUT,
only when the solution scores full marks (a store from a failing run could hold results that a
wrong solution led to).
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from ..bundle_format import GradingBundle
from ..files import write_bytes_atomic
from . import oracles
from .core import grade_source
from .engine import InProcessEngine


def record(bundle_root: Path, solution: Path, out: Path) -> int:
    """Write the store to `out`; returns the number of results kept."""
    bundle = GradingBundle.load(bundle_root)
    oracles.start_recording()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # what the solution prints is not the build's output
            result = grade_source(bundle, solution.read_text(encoding="utf-8"), InProcessEngine(), "solution")
    finally:
        kept = oracles.stop_recording()
    if result.score != result.max_score:
        raise SystemExit(f"{solution}: the reference solution scored {result.score:g}/{result.max_score:g} "
                         "while recording oracles; no store written")
    data = oracles.dumps(kept)
    write_bytes_atomic(out, data)
    return len(oracles.loads(data, str(out))[1])


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3:
        print("usage: python -m autograder.grading.recorder BUNDLE_DIR SOLUTION.py OUT", file=sys.stderr)
        return 2
    n = record(Path(args[0]), Path(args[1]), Path(args[2]))
    print(f"{n} oracle results recorded in {args[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
