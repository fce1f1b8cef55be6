"""Benchmark rows for the convolution reference solution against its library peers.

- single-channel 3x3 cross-correlation on a 224 x 224 float64 image, 'same' padding,
  vs scipy.signal.correlate2d(mode="same") (target: within 2x)
- a conv layer forward pass, (1, 224, 224, 3) float32 -> 64 filters 3x3 'same',
  vs keras.layers.Conv2D on the CPU, called eagerly on the same array (target: within 3x)
"""

import os

import numpy as np

from bench._common import best, load_solution

REPEATS = 30


def _row(what, ours, peer_name, peer, factor, note):
    return {"what": what, "ours": ours, "peer_name": peer_name, "peer": peer,
            "target": f"within {factor:g}x", "met": bool(ours <= factor * peer), "note": note}


def bench() -> list[dict]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import scipy.signal

    conv = load_solution("convolution")
    rng = np.random.default_rng(0)
    rows = []

    image = rng.standard_normal((224, 224))
    kernel = rng.standard_normal((3, 3))
    assert np.allclose(conv.cross_correlate(image, kernel, 1, "same"), scipy.signal.correlate2d(image, kernel, "same"))
    rows.append(_row(
        "cross_correlate 3x3 on 224x224 (float64, same)",
        best(lambda: conv.cross_correlate(image, kernel, 1, "same"), REPEATS),
        "scipy.signal.correlate2d",
        best(lambda: scipy.signal.correlate2d(image, kernel, "same"), REPEATS),
        2, "sliding_window_view + einsum"))

    x = rng.standard_normal((1, 224, 224, 3)).astype(np.float32)
    weights = rng.normal(0, 0.2, (3, 3, 3, 64)).astype(np.float32)
    bias = rng.normal(0, 1, 64).astype(np.float32)
    layer = keras.layers.Conv2D(64, 3, padding="same")
    layer.build((None, 224, 224, 3))
    layer.set_weights([weights, bias])
    assert np.allclose(conv.conv_forward(x, weights, bias, 1, "same"), np.asarray(layer(x)), atol=1e-4)
    rows.append(_row(
        "conv_forward (1,224,224,3) -> 64 filters 3x3 same (float32)",
        best(lambda: conv.conv_forward(x, weights, bias, 1, "same"), REPEATS),
        "keras.layers.Conv2D",
        best(lambda: np.asarray(layer(x)), REPEATS),
        3, "im2col (sliding_window_view) + one matmul; Keras eager call on CPU, result as numpy"))
    return rows


if __name__ == "__main__":
    for row in bench():
        print(row)
