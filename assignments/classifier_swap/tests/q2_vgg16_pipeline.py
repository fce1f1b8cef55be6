"""Question 2: the VGG16 pipeline step by step (oracle: Keras's img_to_array and vgg16.preprocess_input,
then numpy's argsort for decoding)."""
import json

import keras
import numpy as np
from keras.applications import vgg16
from otter.test_files import test_case
from PIL import Image, ImageOps

OK_FORMAT = False

name = "q2_vgg16_pipeline"
points = 6

# A crop half a pixel off ImageOps.fit, or another resampling filter, moves pixels by under 3
# grey levels on average; RGB left in place of BGR, or the means not subtracted, by 30 or more.
MEAN_TOLERANCE = 4.0
INDEX_PATH = "assets/class_index.json"


def _oracle_batch(path):
    with Image.open(path) as image:
        fitted = ImageOps.fit(image.convert("RGB"), (224, 224))
    x = keras.utils.img_to_array(fitted)
    return np.expand_dims(vgg16.preprocess_input(x.copy()), 0)


def _check_batch(vgg16_batch, path):
    call = f"vgg16_batch({path!r})"
    got = vgg16_batch(path)
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == (1, 224, 224, 3), (
        f"{call}: expected shape (1, 224, 224, 3) (a batch of one 224x224 image), got {got.shape}")
    assert got.dtype == np.float32, f"{call}: expected dtype float32, got {got.dtype}"
    want = _oracle_batch(path)
    diff = float(np.abs(got - want).mean())
    want_means = want.mean(axis=(0, 1, 2), dtype=np.float64).round(2).tolist()
    got_means = got.mean(axis=(0, 1, 2), dtype=np.float64).round(2).tolist()
    assert diff <= MEAN_TOLERANCE, (
        f"{call}: differs from vgg16.preprocess_input(img_to_array(ImageOps.fit(photo, (224, 224)))) "
        f"by {diff:.2f} on average (tolerance {MEAN_TOLERANCE}); per-channel (B, G, R) means expected "
        f"{want_means}, got {got_means}")


def _read_index(source):
    if isinstance(source, str):
        with open(source, encoding="utf-8") as f:
            source = json.load(f)
    return {int(k): (v[0], v[1]) for k, v in source.items()}


def _random_probs(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, 1000)
    p = np.exp(logits - logits.max())
    return (p / p.sum()).astype(np.float32)


def _check_decoded(got, probs, index, top, call):
    got = [tuple(item) for item in got]
    order = np.argsort(-probs)[:top]
    want = [(index[i][0], index[i][1], float(probs[i])) for i in order]
    assert len(got) == top, f"{call}: expected {top} (wnid, label, score) tuples, got {len(got)}"
    for rank, (g, w) in enumerate(zip(got, want), start=1):
        assert len(g) == 3, f"{call}: item {rank} should be (wnid, label, score), got {g!r}"
        assert (g[0], g[1]) == w[:2] and abs(float(g[2]) - w[2]) <= 1e-6, (
            f"{call}: rank {rank} expected {w}, got {g}; the full top-{top} expected: {want}")


def _expect_error(call, thunk, error, why):
    """thunk() must raise `error`; returns the exception for further checks of its message."""
    try:
        thunk()
    except error as raised:
        return raised
    except Exception as raised:
        raise AssertionError(
            f"{call}: {why}: expected {error.__name__}, got {type(raised).__name__}: {raised}") from None
    raise AssertionError(f"{call}: {why}: expected {error.__name__}, but nothing was raised")


@test_case(points=1)
def test_batch_shape(vgg16_batch):
    got = vgg16_batch("assets/cat.png")
    assert isinstance(got, np.ndarray) and got.shape == (1, 224, 224, 3) and got.dtype == np.float32, (
        "vgg16_batch('assets/cat.png'): expected a float32 array of shape (1, 224, 224, 3), got "
        f"{type(got).__name__} {getattr(got, 'shape', '')} {getattr(got, 'dtype', '')}")


@test_case(points=1)
def test_batch_values(vgg16_batch):
    _check_batch(vgg16_batch, "assets/cat.png")


@test_case(points=1)
def test_decode_with_index_file(decode_top):
    probs = _random_probs(1)
    index = _read_index(INDEX_PATH)
    _check_decoded(decode_top(probs, top=5, class_index=INDEX_PATH), probs, index, 5,
                   f"decode_top(probs, top=5, class_index={INDEX_PATH!r})")


@test_case(points=1)
def test_decode_errors(decode_top):
    ten = np.full(10, 0.1, np.float32)
    _expect_error("decode_top(<10 scores>)", lambda: decode_top(ten, class_index=INDEX_PATH), ValueError,
                  "10 scores are not the 1000 ImageNet classes")
    two = np.full((2, 1000), 1e-3, np.float32)
    _expect_error("decode_top(<(2, 1000) scores>)", lambda: decode_top(two, class_index=INDEX_PATH), ValueError,
                  "decode_top decodes one image, not a batch of 2")
    probs = _random_probs(2)
    _expect_error("decode_top(probs, top=0)", lambda: decode_top(probs, top=0, class_index=INDEX_PATH), ValueError,
                  "zero classes is not a top-k")


@test_case(points=1, hidden=True)
def test_batch_more_photos(vgg16_batch):
    _check_batch(vgg16_batch, "assets/rocket.jpg")
    _check_batch(vgg16_batch, "assets/camera.png")


@test_case(points=1, hidden=True)
def test_decode_dict_index_and_batch_of_one(decode_top):
    # A shuffled index passed as a dict (int keys and str keys both occur in practice).
    rng = np.random.default_rng(7)
    base = _read_index(INDEX_PATH)
    perm = rng.permutation(1000)
    index = {i: base[int(perm[i])] for i in range(1000)}
    as_dict = {str(i): list(v) for i, v in index.items()}
    probs = _random_probs(3)
    _check_decoded(decode_top(probs, top=1, class_index=as_dict), probs, index, 1,
                   "decode_top(probs, top=1, class_index=<dict>)")
    _check_decoded(decode_top(probs[None], top=10, class_index=as_dict), probs, index, 10,
                   "decode_top(probs of shape (1, 1000), top=10, class_index=<dict>)")
