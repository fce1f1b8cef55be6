"""Question 5: predict and classify with any model of the table (oracle: the same model's predict
on Keras's preprocess_input of PIL's ImageOps.fit crop, decoded with numpy).

The models have random weights (weights=None): their predictions mean nothing, but they are
the same function of the input for the test and for your code, so the pipelines must agree.
predict_batch and classify take a built model: it comes from your load_classifier (question 3).
The crops are PIL's ImageOps.fit, what the lecture's resize_and_crop_image does; when yours
differs from it within question 1's tolerance, the test also accepts the probabilities of your crop.
"""
import importlib

import keras
import numpy as np
from otter.test_files import test_case

from _checks import INDEX_PATH, expect_array, expect_error, fit, read_index, shuffled_index

OK_FORMAT = False

name = "q5_classify"
points = 6

MODELS = {"ResNet50": ("resnet50", 224), "InceptionV3": ("inception_v3", 299), "ConvNeXtTiny": ("convnext", 224)}
# Probabilities agree to float32 rounding of the preprocessing: relative 1e-4, plus 1e-9 for the
# near-uniform outputs of random InceptionV3 weights (all about 0.001, apart by ~1e-7). Capped by
# the course's float32 rule (CONVENTIONS.md section 6), so never looser than it; for the
# probabilities below 0.1 that random weights give, stricter.
RTOL, ATOL = 1e-4, 1e-9

# Each model is built once per grading and reused by the cases of this file.
_built = {"loader": None, "models": {}}


def _tolerance(want):
    want = np.abs(np.asarray(want, dtype=np.float64))
    return np.minimum(ATOL + RTOL * want, 1e-5 * max(1.0, float(want.max())) + 1e-5 * want)


def _close(got, want):
    return np.abs(np.asarray(got, dtype=np.float64) - want) <= _tolerance(want)


def _model(load_classifier, model):
    if _built["loader"] is not load_classifier:  # another submission: start afresh
        _built["loader"], _built["models"] = load_classifier, {}
    if model not in _built["models"]:
        try:
            _built["models"][model] = load_classifier(model, weights=None, seed=0)
        except Exception as raised:
            raise AssertionError(f"this question runs on a model from your load_classifier({model!r}, "
                                 f"weights=None, seed=0) (question 3), which raised {type(raised).__name__}: "
                                 f"{raised}") from None
    return _built["models"][model]


def _oracle_probs(model_name, model, paths, crop=fit):
    module, size = MODELS[model_name]
    preprocess_input = importlib.import_module(f"keras.applications.{module}").preprocess_input
    batch = np.stack([keras.utils.img_to_array(crop(path, size, size)) for path in paths])
    return np.asarray(model.predict(np.asarray(preprocess_input(batch), dtype=np.float32), verbose=0),
                      dtype=np.float64)


def _own_probs(model_name, model, paths, resize_and_crop_image):
    """The oracle on your question-1 crops, when they run and agree with ImageOps.fit; else None."""
    def own(path, width, height):
        crop = np.asarray(resize_and_crop_image(path, width, height))
        ok = crop.shape == (height, width, 3) and np.abs(crop - fit(path, width, height).astype(float)).mean() <= 0.5
        if not ok:
            raise ValueError("not question 1's crop")
        return crop
    try:
        return _oracle_probs(model_name, model, paths, own)
    except Exception:  # question 1 unfinished or off: never a reason to fail this one
        return None


def _want(got, model_name, model, paths, resize_and_crop_image):
    """Oracle probabilities from ImageOps.fit crops; from your own crops when only those agree."""
    want = _oracle_probs(model_name, model, paths)
    if np.shape(got) != want.shape or _close(got, want).all():
        return want
    mine = _own_probs(model_name, model, paths, resize_and_crop_image)
    return mine if mine is not None and _close(got, mine).all() else want


def _check_classified(got, model_name, model, path, index, top, call, resize_and_crop_image):
    try:
        _check_top(got, _oracle_probs(model_name, model, [path])[0], index, top, call)
    except AssertionError:
        mine = _own_probs(model_name, model, [path], resize_and_crop_image)
        if mine is None:
            raise
        _check_top(got, mine[0], index, top, call)


def _check_top(got, probs, index, top, call):
    """got must be a top-`top` of probs: ties closer than the tolerance may come in either order."""
    assert isinstance(got, list), f"{call} should return a list, got {type(got).__name__}"
    got = [tuple(item) if isinstance(item, (list, tuple)) else item for item in got]
    assert len(got) == top, f"{call}: expected {top} (wnid, label, score) tuples, got {len(got)}: {got}"
    by_wnid = {wnid: i for i, (wnid, _) in index.items()}
    kth = probs[np.argsort(-probs)[top - 1]]
    scores = []
    for rank, item in enumerate(got, start=1):
        assert isinstance(item, tuple) and len(item) == 3, (
            f"{call}: item {rank} should be (wnid, label, score), got {item!r}")
        wnid, label, score = item[0], item[1], float(item[2])
        i = by_wnid.get(wnid)
        assert i is not None and label == index[i][1], (
            f"{call}: item {rank} {item!r} is not an entry of the class index you passed")
        assert _close(score, probs[i]) and probs[i] >= kth - _tolerance(kth), (
            f"{call}: item {rank} {item!r} is not in the top {top} of the model's prediction, with its "
            f"probability as the score (its probability is {probs[i]:.8g})")
        scores.append(score)
    assert len({item[0] for item in got}) == top, f"{call}: the same class appears twice: {got}"
    assert scores == sorted(scores, reverse=True), f"{call}: scores should be sorted highest first, got {scores}"


@test_case(points=2)
def test_predict_batch_resnet50(load_classifier, predict_batch, resize_and_crop_image):
    model = _model(load_classifier, "ResNet50")
    paths = ["assets/cat.png", "assets/coffee.jpg"]
    call = f"predict_batch('ResNet50', model, {paths})"
    got = predict_batch("ResNet50", model, paths)
    expect_array(call, got, (2, 1000), np.float32)
    want = _want(got, "ResNet50", model, paths, resize_and_crop_image)
    bad = ~_close(got, want)
    assert not bad.any(), (
        f"{call}: {int(bad.sum())} probabilities differ from model.predict on "
        f"resnet50.preprocess_input of the same crops; first at {tuple(int(v) for v in np.argwhere(bad)[0])}: "
        f"expected {want[bad][0]:.6g}, got {got[bad][0]:.6g}")
    expect_error("predict_batch('ResNet50', model, [])", lambda: predict_batch("ResNet50", model, []),
                 ValueError, "no photos to predict")


@test_case(points=2)
def test_classify_resnet50(load_classifier, classify, resize_and_crop_image):
    model = _model(load_classifier, "ResNet50")
    call = f"classify('ResNet50', model, 'assets/cat.png', top=5, class_index={INDEX_PATH!r})"
    got = classify("ResNet50", model, "assets/cat.png", top=5, class_index=INDEX_PATH)
    _check_classified(got, "ResNet50", model, "assets/cat.png", read_index(INDEX_PATH), 5, call, resize_and_crop_image)
    expect_error("classify('AlexNet', ...)",
                 lambda: classify("AlexNet", model, "assets/cat.png", class_index=INDEX_PATH),
                 ValueError, "AlexNet is not in the table")


@test_case(points=1, hidden=True)
def test_classify_convnext_tiny(load_classifier, classify, resize_and_crop_image):
    # Built-in preprocessing ("none"), a dict index with shuffled labels, top=1 and top=3.
    model = _model(load_classifier, "ConvNeXtTiny")
    index = shuffled_index(11)
    as_dict = {str(i): list(v) for i, v in index.items()}
    for top in (1, 3):
        got = classify("ConvNeXtTiny", model, "assets/rocket.jpg", top=top, class_index=as_dict)
        _check_classified(got, "ConvNeXtTiny", model, "assets/rocket.jpg", index, top,
                          f"classify('ConvNeXtTiny', model, 'assets/rocket.jpg', top={top}, class_index=<dict>)",
                          resize_and_crop_image)


@test_case(points=1, hidden=True)
def test_classify_inception_v3(load_classifier, classify, resize_and_crop_image):
    # 299x299 input: the swap must carry the size along with the preprocessing.
    model = _model(load_classifier, "InceptionV3")
    got = classify("InceptionV3", model, "assets/coffee.jpg", top=5, class_index=INDEX_PATH)
    _check_classified(got, "InceptionV3", model, "assets/coffee.jpg", read_index(INDEX_PATH), 5,
                      "classify('InceptionV3', model, 'assets/coffee.jpg', top=5, class_index=assets/class_index.json)",
                      resize_and_crop_image)
