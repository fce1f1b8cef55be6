"""Step: the grading bundle, everything the engine needs to grade one assignment and nothing
else, written in the layout autograder/bundle_format.py defines (manifest, tests/, assets/,
hidden/), and the oracle store recorded for it when there is one (oracles.py). Never the solution.

The same folder sits in the Gradescope autograder zip and travels with each Dask task, so a
course grades the same way everywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..bundle_format import MANIFEST, ORACLES, GradingBundle, asset_path, helper_path, manifest_bytes, test_path
from . import oracles as oracle_store
from ..config import Assignment
from ..files import pack_folder, sha256_hex, write_tree
from .assets import collect

__all__ = ["MANIFEST", "GradingBundle", "bundle_files", "materialize", "to_zip_bytes", "bundle_for",
           "identity", "imported_modules"]


def imported_modules(source: str) -> tuple[str, ...]:
    """The absolute modules a module imports at its top level (inside a top-level if/try too),
    in order, once each: `import a.b` gives "a.b"; `from a.b import c` gives "a.b" and "a.b.c"
    (c may be a submodule; the template skips a name that is not a module). A runner imports the
    same ones (the stub is made from the solution and keeps its imports), so the sandbox template
    imports these first (issue 16: the first runner need not wait for the whole preload list)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    names: list[str] = []

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module and node.module != "__future__":
                names.append(node.module)
                names.extend(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
            elif isinstance(node, (ast.If, ast.Try)):
                for part in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, part, ()) or ():
                        visit(child.body if isinstance(child, ast.ExceptHandler) else [child])

    visit(tree.body)
    return tuple(dict.fromkeys(names))


def bundle_files(assignment: Assignment, seed: int, oracles: str = "cached") -> dict[str, bytes]:
    """The bundle as {relative path: bytes}, in a fixed order (so zips are deterministic).

    `oracles`: "cached" adds the oracle store recorded earlier for exactly these files, if any;
    "record" records it when missing (build/oracles.py: the reference solution graded once);
    "none" leaves it out."""
    assets = collect(assignment, seed)
    questions = [(q.name, q.points) for q in assignment.questions]
    preload = imported_modules(assignment.solution.read_text(encoding="utf-8")) if assignment.solution.is_file() else ()
    files = {MANIFEST: manifest_bytes(assignment.slug, assignment.submission, seed, questions, assignment.limits,
                                      preload)}
    for q in assignment.questions:
        files[test_path(q.name)] = q.test_file.read_bytes()
    for helper in assignment.helpers:  # imported by the test files (testfiles.load)
        files[helper_path(helper.name)] = helper.read_bytes()
    files.update({asset_path(n): b for n, b in assets.public.items()})
    files.update({asset_path(n, hidden=True): b for n, b in assets.hidden.items()})
    if oracles != "none":
        store = (oracle_store.recorded if oracles == "record" else oracle_store.cached)(assignment, files)
        if store is not None:
            files[ORACLES] = store
    return files


def materialize(assignment: Assignment, seed: int, root: Path) -> GradingBundle:
    write_tree(bundle_files(assignment, seed), root)
    return GradingBundle.load(root)


def identity(root: Path) -> str:
    """The bundle's content hash without its oracle store (an accelerator: recording one later
    does not make a finished batch's results stale)."""
    return sha256_hex(pack_folder(root, skip={ORACLES}))


def to_zip_bytes(root: Path, compress: bool = True) -> bytes:
    """A bundle folder as deterministic zip bytes: what a batch task carries to its workers
    (`identity` names the tests for a rerun). Compressed lightly, or not at all for workers on
    this machine (a local file: 20 ms instead of 100 for convolution's 7 MB)."""
    return pack_folder(root, compresslevel=1 if compress else 0)  # sent, not stored: fast beats small


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
