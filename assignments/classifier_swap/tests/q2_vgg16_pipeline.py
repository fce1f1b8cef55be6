"""Question 2: the VGG16 pipeline step by step (oracle: Keras's img_to_array and vgg16.preprocess_input
on PIL's ImageOps.fit crop, then numpy's argsort for decoding)."""
import keras
import numpy as np
from keras.applications import vgg16
from otter.test_files import test_case

from _checks import (FIT_MEAN_TOLERANCE, INDEX_PATH, channel_means, expect_array, expect_error, fit,
                     random_probs, read_index, shuffled_index)

OK_FORMAT = False

name = "q2_vgg16_pipeline"
points = 6

# "caffe" preprocessing only shifts each channel, so the batch differs from the oracle by exactly
# the crop's pixel difference: the course-wide ImageOps.fit tolerance. RGB left in place of BGR,
# or the means not subtracted, moves it by 30 or more.
MEAN_TOLERANCE = FIT_MEAN_TOLERANCE
SCORE_ATOL = 1e-6  # a float32 score read back as a Python float


def _oracle_batch(path):
    x = keras.utils.img_to_array(fit(path, 224, 224))
    return np.expand_dims(vgg16.preprocess_input(x.copy()), 0)


def _check_batch(vgg16_batch, path):
    call = f"vgg16_batch({path!r})"
    got = vgg16_batch(path)
    expect_array(call, got, (1, 224, 224, 3), np.float32)
    diff = float(np.abs(got - _oracle_batch(path)).mean())
    assert diff <= MEAN_TOLERANCE, (
        f"{call}: differs from vgg16.preprocess_input(img_to_array(ImageOps.fit(photo, (224, 224)))) "
        f"by {diff:.2f} on average (tolerance {MEAN_TOLERANCE}); expected channels in BGR order with the "
        f"ImageNet channel means subtracted and no scaling, got per-channel means {channel_means(got)}")


def _check_decoded(got, probs, index, top, call):
    want = [(index[i][0], index[i][1], float(probs[i])) for i in np.argsort(-probs)[:top]]
    assert isinstance(got, list), f"{call} should return a list, got {type(got).__name__}"
    assert len(got) == top, f"{call}: expected {top} (wnid, label, score) tuples, got {len(got)}"
    for rank, (g, w) in enumerate(zip(got, want), start=1):
        assert isinstance(g, tuple) and len(g) == 3, f"{call}: item {rank} should be a (wnid, label, score) tuple, got {g!r}"
        assert isinstance(g[0], str) and isinstance(g[1], str) and isinstance(g[2], float), (
            f"{call}: item {rank} should hold (str, str, float), got types {[type(v).__name__ for v in g]}")
        assert (g[0], g[1]) == w[:2] and abs(g[2] - w[2]) <= SCORE_ATOL, (
            f"{call}: rank {rank}: expected the class with the {rank}. highest score, with that score; got {g}")


@test_case(points=1)
def test_batch_shape(vgg16_batch):
    expect_array("vgg16_batch('assets/cat.png')", vgg16_batch("assets/cat.png"), (1, 224, 224, 3), np.float32)


@test_case(points=1)
def test_batch_values(vgg16_batch):
    _check_batch(vgg16_batch, "assets/cat.png")


@test_case(points=1)
def test_decode_with_index_file(decode_top):
    probs = random_probs(1)
    _check_decoded(decode_top(probs, top=5, class_index=INDEX_PATH), probs, read_index(INDEX_PATH), 5,
                   f"decode_top(probs, top=5, class_index={INDEX_PATH!r})")


@test_case(points=1)
def test_decode_extremes_and_errors(decode_top):
    # top=1 and top=1000 are the smallest and largest valid values; errors count only beside them.
    probs = random_probs(2)
    index = read_index(INDEX_PATH)
    _check_decoded(decode_top(probs, top=1, class_index=INDEX_PATH), probs, index, 1,
                   f"decode_top(probs, top=1, class_index={INDEX_PATH!r})")
    _check_decoded(decode_top(probs, top=1000, class_index=INDEX_PATH), probs, index, 1000,
                   f"decode_top(probs, top=1000, class_index={INDEX_PATH!r})")
    ten = np.full(10, 0.1, np.float32)
    expect_error("decode_top(<10 scores>)", lambda: decode_top(ten, class_index=INDEX_PATH), ValueError,
                 "10 scores are not the 1000 ImageNet classes")
    two = np.full((2, 1000), 1e-3, np.float32)
    expect_error("decode_top(<(2, 1000) scores>)", lambda: decode_top(two, class_index=INDEX_PATH), ValueError,
                 "decode_top decodes one image, not a batch of 2")
    expect_error("decode_top(probs, top=0)", lambda: decode_top(probs, top=0, class_index=INDEX_PATH), ValueError,
                 "zero classes is not a top-k")
    expect_error("decode_top(probs, top=1001)", lambda: decode_top(probs, top=1001, class_index=INDEX_PATH),
                 ValueError, "there are only 1000 classes")


@test_case(points=1, hidden=True)
def test_batch_more_photos(vgg16_batch):
    _check_batch(vgg16_batch, "assets/rocket.jpg")
    _check_batch(vgg16_batch, "assets/camera.png")  # a greyscale file: three equal channels


@test_case(points=1, hidden=True)
def test_decode_dict_index_list_and_batch_of_one(decode_top):
    # A shuffled index passed as a dict with str keys and with int keys, probs as a list.
    index = shuffled_index(7)
    probs = random_probs(3)
    _check_decoded(decode_top(probs, top=1, class_index={str(i): list(v) for i, v in index.items()}),
                   probs, index, 1, "decode_top(probs, top=1, class_index=<dict with str keys>)")
    _check_decoded(decode_top(probs[None], top=10, class_index={i: list(v) for i, v in index.items()}),
                   probs, index, 10, "decode_top(probs of shape (1, 1000), top=10, class_index=<dict with int keys>)")
    _check_decoded(decode_top(probs.tolist(), top=3, class_index=INDEX_PATH), probs, read_index(INDEX_PATH), 3,
                   "decode_top(<a list of 1000 floats>, top=3, class_index=assets/class_index.json)")
    expect_error("decode_top(probs, top=2.0)", lambda: decode_top(probs, top=2.0, class_index=INDEX_PATH),
                 ValueError, "top is a number of classes, an int")
