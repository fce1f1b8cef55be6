"""Checks the classifier_swap test files share (docs/AUTHORING.md, "Test helper modules").

Public material only: students get this file beside classifier_swap.py.
"""
import json

import numpy as np
from _readable import explain as _explain_unreadable
from PIL import Image, ImageOps

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("classifier_swap.py")

INDEX_PATH = "assets/class_index.json"

# docs/CONVENTIONS.md section 6: PIL resampling (ImageOps.fit) is compared in uint8 pixels with a
# mean absolute difference of at most 0.5 grey levels, course-wide. A crop half a pixel off or
# another filter moves pixels by 1 to 3 levels; squashing the whole photo by 25 to 40.
FIT_MEAN_TOLERANCE = 0.5


def fit(path, width, height):
    """The oracle crop: PIL.ImageOps.fit of the photo in RGB, bicubic, as a uint8 array."""
    with Image.open(path) as image:
        return np.asarray(ImageOps.fit(image.convert("RGB"), (width, height), method=Image.Resampling.BICUBIC))


def expect_error(call, thunk, error, why):
    """thunk() must raise `error` (an exception class, or a tuple of those where the docstring
    allows either); returns the exception for further checks of its message."""
    expected = " or ".join(e.__name__ for e in (error if isinstance(error, tuple) else (error,)))
    try:
        thunk()
    except error as raised:
        return raised
    except Exception as raised:
        raise AssertionError(
            f"{call}: {why}: expected {expected}, got {type(raised).__name__}: {raised}") from None
    raise AssertionError(f"{call}: {why}: expected {expected}, but nothing was raised")


def expect_array(call, got, shape, dtype):
    """got must be a numpy array of this exact shape and dtype."""
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == shape, f"{call}: expected shape {shape}, got {got.shape}"
    assert got.dtype == dtype, f"{call}: expected dtype {np.dtype(dtype).name}, got {got.dtype}"


def channel_means(x):
    """Per-channel means of an (N, H, W, 3) batch, rounded for a message."""
    return np.asarray(x, dtype=np.float64).mean(axis=(0, 1, 2)).round(3).tolist()


def read_index(source):
    """{class number: (wnid, label)} from a class index dict or JSON path."""
    if isinstance(source, str):
        with open(source, encoding="utf-8") as f:
            source = json.load(f)
    return {int(k): (v[0], v[1]) for k, v in source.items()}


def shuffled_index(seed):
    """The synthetic index with its entries permuted: labels no code can guess."""
    base = read_index(INDEX_PATH)
    perm = np.random.default_rng(seed).permutation(1000)
    return {i: base[int(perm[i])] for i in range(1000)}


def random_probs(seed, n=None, classes=1000, spread=3.0):
    """Softmax of normal logits: one (classes,) row, or (n, classes) when n is given."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, spread, (1 if n is None else n, classes))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
    return p[0] if n is None else p
