"""Step: reference figures for the walkthrough, drawn at build time by the reference solution.

Contract (docs/AUTHORING.md, "Reference figures"): an assignment may have
`reference/<slug>/figures.py` defining

    def render(solution, out_dir: pathlib.Path, assets_dir: pathlib.Path) -> list[pathlib.Path]:
        '''Draw the walkthrough's reference pictures with the reference solution.

        solution:   the imported module solutions/<slug>/<slug>.py (call its functions).
        out_dir:    an empty folder; write PNG files into it (flat, no sub-folders).
        assets_dir: the assignment's public assets (what students get as assets/).
        Returns the paths written, each `out_dir / "<name>.png"`; only these ship.
        '''

The student bundle gets each returned file as `figures/<name>.png` (a walkthrough template
shows one with `![what it shows](figures/<name>.png)`). The solution's code never ships; the
leak guard still checks everything that does. matplotlib is switched to the Agg backend before
render runs, the working directory is a scratch folder holding `assets/`, and every PNG is
re-encoded without its metadata chunks (matplotlib writes its version and PIL may write a date),
so two builds give byte-identical zips. Anything else that varies (random numbers, set order) is
the author's to fix: seed it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
import tempfile
import traceback
from pathlib import Path

from ..config import Assignment
from .assets import collect
from .errors import BuildError

SCRIPT = "figures.py"


def script(assignment: Assignment) -> Path | None:
    path = assignment.root / "reference" / assignment.slug / SCRIPT
    return path if path.is_file() else None


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clean_png(data: bytes, where: str) -> bytes:
    """The same pixels without ancillary chunks (tEXt Software, dates): stable bytes."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "PNG":
                raise BuildError(f"{where}: not a PNG file (found {img.format})")
            img.load()
            out = io.BytesIO()
            img.save(out, format="PNG")  # no pnginfo: PIL writes pixels, palette and dpi only
            return out.getvalue()
    except BuildError:
        raise
    except Exception as e:  # PIL raises several types for a broken file
        raise BuildError(f"{where}: not a readable PNG ({e})") from None


_cache: dict[tuple[str, str, int], dict[str, bytes]] = {}


def render(assignment: Assignment, seed: int) -> dict[str, bytes]:
    """{"<name>.png": bytes} drawn by reference/<slug>/figures.py, or {} when there is none."""
    path = script(assignment)
    if path is None:
        return {}
    key = (str(assignment.root), assignment.slug, seed)
    if key in _cache:
        return _cache[key]
    import matplotlib

    matplotlib.use("Agg", force=True)  # no display, and the same rasteriser everywhere
    try:
        module = _import(path, f"_figures_{assignment.slug}")
    except Exception as e:
        raise BuildError(f"{path}: cannot be imported: {type(e).__name__}: {e}") from None
    if not callable(getattr(module, "render", None)):
        raise BuildError(f"{path}: must define render(solution, out_dir, assets_dir) -> list[Path]")
    solution_dir = str(assignment.solution.parent)
    with tempfile.TemporaryDirectory(prefix="course-figures-") as tmp:
        tmp = Path(tmp)
        out_dir, assets_dir = tmp / "out", tmp / "work" / "assets"
        out_dir.mkdir()
        assets_dir.mkdir(parents=True)
        for name, data in collect(assignment, seed).public.items():
            (assets_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (assets_dir / name).write_bytes(data)
        sys.path.insert(0, solution_dir)  # a solution may import a sibling module
        try:
            with contextlib.chdir(tmp / "work"):
                solution = _import(assignment.solution, f"_reference_solution_{assignment.slug}")
                returned = module.render(solution, out_dir, assets_dir)
        except BuildError:
            raise
        except Exception as e:
            frame = traceback.extract_tb(e.__traceback__)[-1]
            raise BuildError(f"{path}: render failed: {type(e).__name__}: {e} "
                             f"(at {frame.filename}:{frame.lineno})") from None
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(solution_dir)
            import matplotlib.pyplot as plt

            plt.close("all")
        if not isinstance(returned, (list, tuple)):
            raise BuildError(f"{path}: render must return a list of paths, returned {type(returned).__name__}")
        figures: dict[str, bytes] = {}
        for item in returned:
            p = Path(item)
            p = p if p.is_absolute() else out_dir / p
            if p.parent.resolve() != out_dir.resolve() or p.suffix != ".png":
                raise BuildError(f"{path}: render returned {item!s}: expected out_dir / '<name>.png'")
            if not p.is_file():
                raise BuildError(f"{path}: render returned {p.name}, which it did not write")
            if p.name in figures:
                raise BuildError(f"{path}: render returned {p.name} twice")
            figures[p.name] = _clean_png(p.read_bytes(), f"{path}: {p.name}")
    _cache[key] = dict(sorted(figures.items()))
    return _cache[key]
