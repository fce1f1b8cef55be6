"""Step: collect an assignment's assets (static files from reference/ plus whatever
reference/<slug>/generate.py makes for the release seed) as bytes in memory."""

from __future__ import annotations

import importlib.util
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import Assignment, ConfigError


@dataclass(frozen=True)
class Assets:
    public: dict[str, bytes]  # file name -> bytes; become assets/<name>
    hidden: dict[str, bytes]  # judge only; become hidden/<name>


def _run_generator(assignment: Assignment, seed: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    path = assignment.generator
    if path is None:
        return {}, {}
    spec = importlib.util.spec_from_file_location(f"_generate_{assignment.slug}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "generate"):
        raise ConfigError(path, "generate", "reference generator must define generate(public, hidden, seed)")
    with tempfile.TemporaryDirectory(prefix="course-assets-") as tmp:
        public, hidden = Path(tmp, "public"), Path(tmp, "hidden")
        public.mkdir()
        hidden.mkdir()
        module.generate(public, hidden, seed)
        read = lambda d: {p.relative_to(d).as_posix(): p.read_bytes()
                          for p in sorted(d.rglob("*")) if p.is_file()}
        return read(public), read(hidden)


_cache: dict[tuple[str, str, int], Assets] = {}


def collect(assignment: Assignment, seed: int) -> Assets:
    key = (str(assignment.root), assignment.slug, seed)
    if key not in _cache:
        public = {p.name: p.read_bytes() for p in assignment.assets}
        hidden = {p.name: p.read_bytes() for p in assignment.hidden_assets}
        gen_public, gen_hidden = _run_generator(assignment, seed)
        for name in gen_public:
            if name in public:
                raise ConfigError(assignment.generator, "generate",
                                  f"generated asset {name!r} clashes with a listed asset of the same name")
        public.update(gen_public)
        hidden.update(gen_hidden)
        _cache[key] = Assets(dict(sorted(public.items())), dict(sorted(hidden.items())))
    return _cache[key]
