"""Helpers the per-assignment bench modules share (not a bench module itself: no bench_ prefix)."""

import importlib.util
import pathlib
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_solution(slug: str):
    """The reference solution solutions/<slug>/<slug>.py as a module (solutions/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"{slug}_solution", ROOT / "solutions" / slug / f"{slug}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best(func, repeats: int) -> float:
    """Best of `repeats` timed calls, after one untimed warm-up call (first-call allocations,
    Keras tracing)."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
