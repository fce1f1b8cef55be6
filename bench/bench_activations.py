"""Benchmark rows for the activations reference solution against its library peer.

- sigmoid on 10^7 float32 values vs scipy.special.expit (target: within 1.5x)
"""


import numpy as np

from bench._common import best, load_solution

REPEATS = 10


def bench() -> list[dict]:
    import scipy.special

    act = load_solution("activations")
    x = np.random.default_rng(0).normal(0, 10, 10**7).astype(np.float32)
    got = act.sigmoid(x)
    assert got.dtype == np.float32 and np.max(np.abs(got - scipy.special.expit(x))) < 1e-6
    ours = best(lambda: act.sigmoid(x), REPEATS)
    peer = best(lambda: scipy.special.expit(x), REPEATS)
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
