"""Step: collect an assignment's assets (static files from reference/ plus whatever
reference/<slug>/generate.py makes for the release seed) as bytes in memory.

What a generator made is kept under <course>/build/assets/, named by the generator's folder, the
seed and the installed packages (files.environment_key): `course grade` starts without running it
again (issue 16: seconds of matplotlib for convolution).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..config import Assignment, ConfigError
from ..files import environment_key, pack, write_bytes_atomic


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


def _generator_cache(assignment: Assignment, seed: int) -> Path:
    folder = assignment.generator.parent
    h = hashlib.sha256(f"{seed}\0{environment_key()}\0".encode())
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return assignment.root / "build" / "assets" / f"{assignment.slug}-{h.hexdigest()[:24]}.zip"


def _generated(assignment: Assignment, seed: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The generator's output, from the cache when it ran before on the same inputs."""
    if assignment.generator is None:
        return {}, {}
    cache = _generator_cache(assignment, seed)
    try:
        with zipfile.ZipFile(io.BytesIO(cache.read_bytes())) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        return ({n[len("public/"):]: b for n, b in files.items() if n.startswith("public/")},
                {n[len("hidden/"):]: b for n, b in files.items() if n.startswith("hidden/")})
    except (OSError, zipfile.BadZipFile, KeyError):
        pass  # not made yet, or damaged: run the generator
    public, hidden = _run_generator(assignment, seed)
    try:
        write_bytes_atomic(cache, pack({**{f"public/{n}": b for n, b in public.items()},
                                        **{f"hidden/{n}": b for n, b in hidden.items()}}, compresslevel=1))
    except OSError:
        pass  # a read-only course folder: nothing kept, nothing lost
    return public, hidden


_cache: dict[tuple[str, str, int], Assets] = {}


def collect(assignment: Assignment, seed: int) -> Assets:
    key = (str(assignment.root), assignment.slug, seed)
    if key not in _cache:
        public = {p.name: p.read_bytes() for p in assignment.assets}
        hidden = {p.name: p.read_bytes() for p in assignment.hidden_assets}
        gen_public, gen_hidden = _generated(assignment, seed)
        for name in gen_public:
            if name in public:
                raise ConfigError(assignment.generator, "generate",
                                  f"generated asset {name!r} clashes with a listed asset of the same name")
        public.update(gen_public)
        hidden.update(gen_hidden)
        _cache[key] = Assets(dict(sorted(public.items())), dict(sorted(hidden.items())))
    return _cache[key]
