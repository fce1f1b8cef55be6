"""Benchmark: the pooling reference solution against its library peers (scikit-image, Keras).

`bench()` returns one row per comparison; `make bench` prints them side by side. Times are the
best of several repeats (time.perf_counter), each peer run on the same data after a warm-up call.
"""
from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import numpy as np

SOLUTION = Path(__file__).resolve().parents[1] / "solutions" / "pooling" / "pooling.py"


def _solution():
    spec = importlib.util.spec_from_file_location("pooling_solution", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(fn, repeats=15):
    fn()  # warm-up: caches, lazy imports, graph tracing
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _row(what, ours, peer_name, peer, factor, note=""):
    """factor: the target is ours <= factor * peer (1.0 = at least as fast)."""
    target = "at least as fast" if factor == 1 else f"within {factor:g}x"
    return {"what": what, "ours": ours, "peer_name": peer_name, "peer": peer, "target": target,
            "met": bool(ours <= factor * peer), "note": note or f"ours/peer = {ours / peer:.2f}"}


def bench() -> list[dict]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from skimage.measure import block_reduce

    sol = _solution()
    rng = np.random.default_rng(0)
    rows = []

    # Pooling: one VGG-sized feature map, channels last, float32.
    fmap = rng.random((224, 224, 64), dtype=np.float32)
    fmap_batch = keras.ops.convert_to_tensor(fmap[None])   # converted once: time Keras' pooling, not the copy

    assert np.array_equal(sol.max_pool(fmap, 2), block_reduce(fmap, (2, 2, 1), np.max))
    rows.append(_row("2x2 max pool, (224, 224, 64) float32",
                     _best(lambda: sol.max_pool(fmap, 2)),
                     "skimage.measure.block_reduce(np.max)",
                     _best(lambda: block_reduce(fmap, (2, 2, 1), np.max)), 1))

    max_layer = keras.layers.MaxPooling2D(2)
    rows.append(_row("2x2 max pool, (224, 224, 64) float32",
                     _best(lambda: sol.max_pool(fmap, 2)),
                     "keras.layers.MaxPooling2D (CPU, eager)",
                     _best(lambda: max_layer(fmap_batch)), 3))

    avg_layer = keras.layers.AveragePooling2D(2)
    rows.append(_row("2x2 avg pool, (224, 224, 64) float32",
                     _best(lambda: sol.avg_pool(fmap, 2)),
                     "keras.layers.AveragePooling2D (CPU, eager)",
                     _best(lambda: avg_layer(fmap_batch)), 3))

    odd = rng.random((225, 225, 64), dtype=np.float32)     # odd size: both pad a row and a column of zeros
    rows.append(_row("2x2 avg pool, zero padding, (225, 225, 64) float32",
                     _best(lambda: sol.avg_pool(odd, 2, None, "zero")),
                     "skimage.measure.block_reduce(np.mean)",
                     _best(lambda: block_reduce(odd, (2, 2, 1), np.mean)), 1))

    # Batch normalisation: a batch of 32 feature maps (32, 56, 56, 64).
    x = rng.normal(3.0, 2.0, (32, 56, 56, 64)).astype(np.float32)
    x_tensor = keras.ops.convert_to_tensor(x)
    c = x.shape[-1]
    gamma, beta = np.ones(c, np.float32), np.zeros(c, np.float32)
    mean, var = np.zeros(c, np.float32), np.ones(c, np.float32)
    layer = keras.layers.BatchNormalization()
    layer.build(x.shape)
    layer.set_weights([gamma, beta, mean, var])
    for training in (True, False):
        mode = "training" if training else "inference"
        rows.append(_row(f"batch norm, {mode}, (32, 56, 56, 64) float32",
                         _best(lambda: sol.batch_norm(x, gamma, beta, mean, var, training), repeats=5),
                         f"keras.layers.BatchNormalization(training={training})",
                         _best(lambda: layer(x_tensor, training=training), repeats=5), 3,
                         note="both in float32; Keras input pre-converted to a tensor"))

    # Dropout: information only (numpy's Generator vs TF's stateless RNG).
    drop = keras.layers.Dropout(0.5, seed=0)
    ours = _best(lambda: sol.dropout(x, 0.5, True, 0), repeats=5)
    peer = _best(lambda: drop(x_tensor, training=True), repeats=5)
    rows.append({"what": "dropout 0.5, training, (32, 56, 56, 64) float32", "ours": ours,
                 "peer_name": "keras.layers.Dropout", "peer": peer, "target": "none (information)",
                 "met": None, "note": f"ours/peer = {ours / peer:.2f}"})
    return rows


if __name__ == "__main__":
    for r in bench():
        peer = f"{r['peer'] * 1e3:9.2f} ms" if r["peer"] is not None else "         -"
        print(f"{r['what']:52s} ours {r['ours'] * 1e3:8.2f} ms  {r['peer_name'] or '-':42s} {peer}  "
              f"{r['target']:18s} {r['met']}  {r['note']}")
