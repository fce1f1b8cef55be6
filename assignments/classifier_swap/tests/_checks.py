"""Checks the classifier_swap test files share (docs/AUTHORING.md, "Test helper modules").

Public material only: students get this file beside classifier_swap.py.

The reference models (reference_model, reference_probs, reference_layout) are keras.applications'
own, built here, in the test's process, as load_classifier's docstring says: never your model. Their
results are computed once per distinct input in a grading process, which serves every submission
of a batch, and found in the results recorded when the course was built (_oracles.py's memo);
students' copies compute them.
"""
import importlib
import json

import keras
import numpy as np
from _oracles import Memo
from _readable import explain as _explain_unreadable
from PIL import Image, ImageOps

# under otter check: a file it cannot read as written (a BOM) is named on the terminal
_explain_unreadable("classifier_swap.py")

INDEX_PATH = "assets/class_index.json"

# docs/CONVENTIONS.md section 6: PIL resampling (ImageOps.fit) is compared in uint8 pixels with a
# mean absolute difference of at most 0.5 grey levels, course-wide. A crop half a pixel off or
# another filter moves pixels by 1 to 3 levels; squashing the whole photo by 25 to 40.
FIT_MEAN_TOLERANCE = 0.5

# The keras.applications module of each model the tests build, and the table's input size.
MODULES = {"VGG16": "vgg16", "VGG19": "vgg19", "ResNet50": "resnet50", "ResNet50V2": "resnet_v2",
           "InceptionV3": "inception_v3", "Xception": "xception", "MobileNetV2": "mobilenet_v2",
           "DenseNet121": "densenet", "EfficientNetB0": "efficientnet", "ConvNeXtTiny": "convnext"}
SIZES = {name: (299, 299) if name in ("InceptionV3", "Xception") else (224, 224) for name in MODULES}

try:  # the grader's results, recorded when the course was built (autograder/grading/oracles.py)
    from autograder.grading import oracles as _recorded
except ImportError:  # a student's copy: every oracle is computed
    _recorded = None

_memo = Memo(_recorded)
oracle = _memo.oracle  # results read-only
_REFERENCE = {}  # the last reference model built, by (name, seed): one at a time (they are large)


def reference_model(name, seed):
    """keras.applications' own `name`, random weights, built as load_classifier(name, weights=None,
    seed=seed) promises to: keras.utils.set_random_seed(seed), then the constructor, at the table's
    input size. The same seed gives the same weights in any process."""
    if (name, seed) not in _REFERENCE:
        _REFERENCE.clear()
        module = importlib.import_module(f"keras.applications.{MODULES[name]}")
        keras.utils.set_random_seed(seed)
        _REFERENCE[(name, seed)] = getattr(module, name)(weights=None, include_top=True,
                                                         input_shape=(*SIZES[name], 3))
    return _REFERENCE[(name, seed)]


def _predict(name, seed, batch):
    return np.asarray(reference_model(name, seed).predict(batch, verbose=0), dtype=np.float64)


SAMPLE = 16  # values of each weight array kept to tell the seeded ones apart


def weight_sample(array):
    """SAMPLE values of one weight array at fixed places, then its mean, as floats."""
    flat = np.asarray(array, dtype=np.float64).ravel()
    if flat.size == 0:
        return ()
    at = np.linspace(0, flat.size - 1, min(SAMPLE, flat.size)).astype(np.int64)
    return tuple(float(v) for v in flat[at]) + (float(flat.mean()),)


def weights_match(array, sample):
    """Whether a weight array has the sampled values. Within a tolerance, not bit for bit: the
    expected samples are recorded on the machine that built the course, and another CPU's
    initializers may round a last bit differently; another seed is off by ~1e-2."""
    got = weight_sample(array)
    return len(got) == len(sample) and bool(np.allclose(got, sample, rtol=1e-4, atol=1e-6))


def _weight_samples(name, seed):
    return tuple((tuple(int(n) for n in w.shape), weight_sample(w)) for w in reference_model(name, seed).get_weights())


def reference_layout(name, seed):
    """((shape, sample), ...) of the reference model's get_weights(): tells the seeded weights
    apart without keeping them (weight_sample, weights_match)."""
    return oracle(_weight_samples, name, seed)


_LOADED = {}  # a model of the test's own holding weights given as data, by name: one at a time


def loaded_probs(name, weights, batch):
    """predict of keras.applications' `name` (built in the test) holding `weights`, a list of arrays
    of the reference's shapes (e.g. what your model's get_weights() returned), as float64."""
    if name not in _LOADED:
        _LOADED.clear()
        module = importlib.import_module(f"keras.applications.{MODULES[name]}")
        _LOADED[name] = [getattr(module, name)(weights=None, include_top=True, input_shape=(*SIZES[name], 3)), None]
    model = _LOADED[name]
    if model[1] is not weights:
        model[0].set_weights(weights)
        model[1] = weights
    return np.asarray(model[0].predict(np.asarray(batch, dtype=np.float32), verbose=0), dtype=np.float64)


def reference_probs(name, seed, batch):
    """The reference model's predict on a preprocessed (N, H, W, 3) batch, as float64 (read-only)."""
    return oracle(_predict, name, seed, np.asarray(batch, dtype=np.float32))


def expect_weights(call, got, name, seed):
    """got (what a model's get_weights() returned) must be a list of numpy arrays equal to those of
    reference_model(name, seed)."""
    want = reference_layout(name, seed)
    assert isinstance(got, list), f"{call} should return a list of numpy arrays, got {type(got).__name__}"
    kinds = sorted({type(w).__name__ for w in got if not isinstance(w, np.ndarray)})
    assert not kinds, f"{call} should return a list of numpy arrays; it holds {kinds}"
    assert len(got) == len(want), f"{call}: expected {len(want)} weight arrays, got {len(got)}"
    for i, (g, (shape, _)) in enumerate(zip(got, want)):
        assert g.shape == tuple(shape), f"{call}: weight array {i}: expected shape {tuple(shape)}, got {g.shape}"
    differ = [i for i, (g, (_, sample)) in enumerate(zip(got, want)) if not weights_match(g, sample)]
    if differ:
        i = differ[0]
        seeded = reference_model(name, seed).get_weights()[i]  # built for the message only
        gap = float(np.abs(np.asarray(got[i], dtype=np.float64) - seeded).max())
        raise AssertionError(
            f"{call}: {len(differ)} of the {len(want)} weight arrays differ from those of the same model built "
            f"right after keras.utils.set_random_seed(seed) (the docstring); the first is array {i} of shape "
            f"{tuple(want[i][0])}, off by up to {gap:.3g}")


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
