"""Benchmark rows for the activations reference solution against its library peer.

- sigmoid on 10^7 float32 values vs scipy.special.expit (target: within 1.5x)
"""

import importlib.util
import pathlib
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
REPEATS = 10


def _solution():
    spec = importlib.util.spec_from_file_location(
        "activations_solution", ROOT / "solutions" / "activations" / "activations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(func, repeats=REPEATS):
    func()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def bench() -> list[dict]:
    import scipy.special

    act = _solution()
    x = np.random.default_rng(0).normal(0, 10, 10**7).astype(np.float32)
    got = act.sigmoid(x)
    assert got.dtype == np.float32 and np.max(np.abs(got - scipy.special.expit(x))) < 1e-6
    ours = _best(lambda: act.sigmoid(x))
    peer = _best(lambda: scipy.special.expit(x))
    return [{
        "what": "sigmoid on 10^7 float32",
        "ours": ours,
        "peer_name": "scipy.special.expit",
        "peer": peer,
        "target": "within 1.5x",
        "met": bool(ours <= 1.5 * peer),
        "note": "(1 + tanh(x/2)) / 2 in place: stable, no overflow",
    }]


if __name__ == "__main__":
    for row in bench():
        print(row)
