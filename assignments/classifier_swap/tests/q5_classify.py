"""Question 5: predict and classify with any model of the table (oracle: the same model's predict
on Keras's preprocess_input of the same crop, decoded with numpy).

The models have random weights (weights=None): their predictions mean nothing, but they are
the same function of the input for the test and for your code, so the pipelines must agree.
"""
import importlib
import json

import keras
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False

name = "q5_classify"
points = 6

MODELS = {"ResNet50": ("resnet50", 224), "InceptionV3": ("inception_v3", 299), "ConvNeXtTiny": ("convnext", 224)}
INDEX_PATH = "assets/class_index.json"
# Probabilities agree to float32 rounding of the preprocessing: relative 1e-4, plus 1e-9 for the
# near-uniform outputs of random InceptionV3 weights (all about 0.001, apart by ~1e-7).
RTOL, ATOL = 1e-4, 1e-9

# Each model is built once per grading and reused by the cases of this file.
_built = {"loader": None, "models": {}}


def _model(load_classifier, model):
    if _built["loader"] is not load_classifier:  # another submission: start afresh
        _built["loader"], _built["models"] = load_classifier, {}
    if model not in _built["models"]:
        _built["models"][model] = load_classifier(model, weights=None, seed=0)
    return _built["models"][model]


def _oracle_probs(resize_and_crop, model_name, model, paths):
    # Start from your own crop (question 1), so only preprocessing, batching and predict are compared.
    module, size = MODELS[model_name]
    preprocess_input = importlib.import_module(f"keras.applications.{module}").preprocess_input
    crops = [keras.utils.img_to_array(resize_and_crop(path, size, size)) for path in paths]
    batch = np.asarray(preprocess_input(np.stack(crops)), dtype=np.float32)
    return np.asarray(model.predict(batch, verbose=0), dtype=np.float64)


def _read_index(source):
    if isinstance(source, str):
        with open(source, encoding="utf-8") as f:
            source = json.load(f)
    return {int(k): (v[0], v[1]) for k, v in source.items()}


def _check_top(got, probs, index, top, call):
    """got must be a top-`top` of probs: ties closer than the tolerance may come in either order."""
    got = [tuple(item) for item in got]
    order = np.argsort(-probs)[:top]
    want = [(index[i][0], index[i][1], round(float(probs[i]), 8)) for i in order]
    assert len(got) == top, f"{call}: expected {top} (wnid, label, score) tuples, got {len(got)}: {got}"
    by_wnid = {wnid: i for i, (wnid, _) in index.items()}
    kth = probs[order[-1]]
    scores = []
    for rank, item in enumerate(got, start=1):
        assert len(item) == 3, f"{call}: item {rank} should be (wnid, label, score), got {item!r}"
        wnid, label, score = item[0], item[1], float(item[2])
        i = by_wnid.get(wnid)
        assert i is not None and label == index[i][1], (
            f"{call}: item {rank} {item!r} is not an entry of the class index; expected {want}")
        tol = ATOL + RTOL * probs[i]
        assert abs(score - probs[i]) <= tol and probs[i] >= kth - tol, (
            f"{call}: item {rank} {item!r} is not in the top {top} of the model's prediction "
            f"(its probability is {probs[i]:.8g}); expected {want}")
        scores.append(score)
    assert len({item[0] for item in got}) == top, f"{call}: the same class appears twice: {got}"
    assert scores == sorted(scores, reverse=True), f"{call}: scores should be sorted highest first, got {scores}"


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


@test_case(points=2)
def test_predict_batch_resnet50(load_classifier, predict_batch, resize_and_crop):
    model = _model(load_classifier, "ResNet50")
    paths = ["assets/cat.png", "assets/coffee.jpg"]
    got = predict_batch("ResNet50", model, paths)
    call = f"predict_batch('ResNet50', model, {paths})"
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == (2, 1000), f"{call}: expected shape (2, 1000), one row per photo, got {got.shape}"
    want = _oracle_probs(resize_and_crop, "ResNet50", model, paths)
    bad = ~np.isclose(got, want, rtol=RTOL, atol=ATOL)
    assert not bad.any(), (
        f"{call}: {int(bad.sum())} probabilities differ from model.predict on "
        f"resnet50.preprocess_input of the same crops; first at {tuple(int(v) for v in np.argwhere(bad)[0])}: "
        f"expected {want[bad][0]:.6g}, got {got[bad][0]:.6g}")


@test_case(points=2)
def test_classify_resnet50(load_classifier, classify, resize_and_crop):
    model = _model(load_classifier, "ResNet50")
    got = classify("ResNet50", model, "assets/cat.png", top=5, class_index=INDEX_PATH)
    probs = _oracle_probs(resize_and_crop, "ResNet50", model, ["assets/cat.png"])[0]
    _check_top(got, probs, _read_index(INDEX_PATH), 5,
               f"classify('ResNet50', model, 'assets/cat.png', top=5, class_index={INDEX_PATH!r})")
    _expect_error("classify('AlexNet', ...)",
                  lambda: classify("AlexNet", model, "assets/cat.png", class_index=INDEX_PATH),
                  ValueError, "AlexNet is not in the table")


@test_case(points=1, hidden=True)
def test_classify_convnext_tiny(load_classifier, classify, resize_and_crop):
    # Built-in preprocessing ("none"), a dict index with shuffled labels, top=3.
    model = _model(load_classifier, "ConvNeXtTiny")
    rng = np.random.default_rng(11)
    base = _read_index(INDEX_PATH)
    perm = rng.permutation(1000)
    index = {i: base[int(perm[i])] for i in range(1000)}
    got = classify("ConvNeXtTiny", model, "assets/rocket.jpg", top=3,
                   class_index={str(i): list(v) for i, v in index.items()})
    probs = _oracle_probs(resize_and_crop, "ConvNeXtTiny", model, ["assets/rocket.jpg"])[0]
    _check_top(got, probs, index, 3,
               "classify('ConvNeXtTiny', model, 'assets/rocket.jpg', top=3, class_index=<dict>)")


@test_case(points=1, hidden=True)
def test_classify_inception_v3(load_classifier, classify, resize_and_crop):
    # 299x299 input: the swap must carry the size along with the preprocessing.
    model = _model(load_classifier, "InceptionV3")
    got = classify("InceptionV3", model, "assets/coffee.jpg", top=5, class_index=INDEX_PATH)
    probs = _oracle_probs(resize_and_crop, "InceptionV3", model, ["assets/coffee.jpg"])[0]
    _check_top(got, probs, _read_index(INDEX_PATH), 5,
               "classify('InceptionV3', model, 'assets/coffee.jpg', top=5, class_index=assets/class_index.json)")
