"""classifier_swap: the reference solution against its oracles on inputs the otter tests do not
use (Keras's own decoder and preprocessing, loops in place of vectorised numpy), and the stub's
relation to it (same API and docstrings, only the marked regions differ)."""

import ast
import importlib
import importlib.util
import json
from pathlib import Path

import keras
import numpy as np
import pytest
from keras.src.applications import imagenet_utils as keras_imagenet_utils  # where CLASS_INDEX lives
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "classifier_swap" / "classifier_swap.py"
STUB = ROOT / "assignments" / "classifier_swap" / "classifier_swap.py"
IMAGES = ROOT / "reference" / "images"
INDEX = ROOT / "reference" / "classifier_swap" / "class_index.json"
NAMES = ["VGG16", "VGG19", "ResNet50", "ResNet50V2", "InceptionV3", "Xception",
         "MobileNetV2", "DenseNet121", "EfficientNetB0", "ConvNeXtTiny"]


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sol():
    return _load(SOLUTION, "classifier_swap_solution")


@pytest.fixture
def keras_index(monkeypatch):
    """Keras's decode_predictions reading the synthetic index (its cache global), never downloading."""
    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", json.loads(INDEX.read_text()))

    def no_download(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(keras_imagenet_utils.file_utils, "get_file", no_download)


def _probs(seed, n=1):
    logits = np.random.default_rng(seed).normal(0, 3, (n, 1000))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("top", [1, 5, 17, 1000])
def test_decode_top_equals_keras_decode_predictions(sol, keras_index, top):
    probs = _probs(top)[0]
    want = [tuple(t) for t in keras.applications.imagenet_utils.decode_predictions(probs[None], top=top)[0]]
    got = sol.decode_top(probs, top=top, class_index=str(INDEX))
    assert [t[:2] for t in got] == [t[:2] for t in want]
    np.testing.assert_allclose([t[2] for t in got], [t[2] for t in want], rtol=0, atol=0)
    # class_index=None falls back to Keras's decoder (here: the patched index, nothing downloaded)
    assert [t[:2] for t in sol.decode_top(probs, top=top)] == [t[:2] for t in want]


def test_read_class_index_accepts_int_and_str_keys(sol):
    raw = json.loads(INDEX.read_text())
    by_int = {int(k): tuple(v) for k, v in raw.items()}
    assert sol.read_class_index(raw) == sol.read_class_index(by_int) == sol.read_class_index(INDEX) == by_int
    with pytest.raises(ValueError):
        sol.read_class_index({k: v for k, v in raw.items() if k != "500"})


def test_table_matches_keras_applications(sol):
    table = sol.model_table()
    assert list(table) == NAMES
    for name, row in table.items():
        module = importlib.import_module(f"keras.applications.{row['module']}")
        assert getattr(module, row["constructor"]) is getattr(keras.applications, name)
        assert callable(getattr(module, row["decoder"]))
        assert all(isinstance(v, (str, tuple)) for v in row.values())  # crosses the sandbox as data


@pytest.mark.parametrize("name", NAMES)
def test_preprocess_equals_keras_on_random_pixels(sol, name):
    row = sol.model_table()[name]
    h, w = row["input_size"]
    pixels = np.random.default_rng(len(name)).integers(0, 256, (h, w, 3), dtype=np.uint8)
    want = importlib.import_module(f"keras.applications.{row['module']}").preprocess_input(
        pixels[None].astype(np.float32))
    got = sol.preprocess(name, pixels)
    assert got.dtype == np.float32 and got.shape == (1, h, w, 3)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=2e-5)
    wrong = np.zeros((h + 1, w, 3), np.uint8)
    with pytest.raises(ValueError, match=f"{h}x{w}"):
        sol.preprocess(name, wrong)


def test_unknown_model_lists_the_known_ones(sol):
    for call in (lambda: sol.load_classifier("AlexNet", weights=None),
                 lambda: sol.preprocess("AlexNet", np.zeros((224, 224, 3))),
                 lambda: sol.predict_batch("AlexNet", None, [IMAGES / "cat.png"])):
        with pytest.raises(ValueError) as raised:
            call()
        assert all(name in str(raised.value) for name in NAMES)


def test_resize_and_crop_image_is_image_ops_fit(sol, tmp_path):
    for name, size in [("cat.png", (224, 224)), ("rocket.jpg", (299, 299)), ("camera.png", (37, 91)),
                       ("cat_rgba.png", (1, 1))]:
        with Image.open(IMAGES / name) as image:
            want = np.asarray(ImageOps.fit(image.convert("RGB"), size))
        got = sol.resize_and_crop_image(IMAGES / name, *size)
        assert got.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(got), want)
    (tmp_path / "notes.txt").write_text("not a photo")
    with pytest.raises(ValueError):
        sol.resize_and_crop_image(tmp_path / "notes.txt", 10, 10)
    with pytest.raises(FileNotFoundError):
        sol.resize_and_crop_image(tmp_path / "missing.png", 10, 10)
    for bad in [0, -1, 2.5, True]:
        with pytest.raises(ValueError):
            sol.resize_and_crop_image(IMAGES / "cat.png", bad, 10)


def test_compare_models_against_a_loop(sol):
    rng = np.random.default_rng(5)
    a = _probs(1, 40)
    b = np.where(rng.random((40, 1)) < 0.5, a, _probs(2, 40))  # half the photos identical
    b = b + rng.normal(0, 1e-4, b.shape).astype(np.float32)  # nudge near-ties in the top 5
    got = sol.compare_models(a, b)
    top1 = np.mean([x.argmax() == y.argmax() for x, y in zip(a, b)])
    overlap = np.mean([len(set(np.argsort(-x)[:5]) & set(np.argsort(-y)[:5])) / 5 for x, y in zip(a, b)])
    assert got == {"top1_agreement": pytest.approx(top1), "top5_overlap": pytest.approx(overlap)}
    assert 0.4 < got["top1_agreement"] < 0.8
    with pytest.raises(ValueError):
        sol.compare_models(a[:, :4], b[:, :4])


def test_seeded_random_weights_are_reproducible_and_offline(sol):
    # MobileNetV2 predicts ~uniform with random weights; ResNet50V2 is small and peaked enough to tell.
    first = sol.load_classifier("ResNet50V2", weights=None, seed=3)
    second = sol.load_classifier("ResNet50V2", weights=None, seed=3)
    assert first.count_params() == 25_613_800
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    probs = sol.predict_batch("ResNet50V2", first, [IMAGES / "cat.png", IMAGES / "coffee.jpg"])
    assert probs.shape == (2, 1000) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    top = sol.classify("ResNet50V2", first, IMAGES / "coffee.jpg", top=3, class_index=str(INDEX))
    np.testing.assert_allclose([t[2] for t in top], np.sort(probs[1])[::-1][:3], rtol=1e-5)


def test_weights_from_a_file_are_the_files(sol, tmp_path):
    """The docstring's third kind of `weights`, a file's path, through the real loading code: a
    synthetic weights file (a seeded random model's, saved by Keras) in place of ImageNet's."""
    saved = sol.load_classifier("MobileNetV2", weights=None, seed=11)
    path = tmp_path / "mobilenet_v2_synthetic.weights.h5"
    saved.save_weights(path)
    loaded = sol.load_classifier("MobileNetV2", weights=str(path), seed=12)  # the seed must not win
    other = sol.load_classifier("MobileNetV2", weights=None, seed=12)
    pairs = list(zip(saved.get_weights(), loaded.get_weights(), other.get_weights()))
    assert len(pairs) == len(saved.get_weights()) == 262
    for a, b, _ in pairs:
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, _, c in pairs)  # seed 12 alone gives other weights
    with pytest.raises(ValueError, match="weights"):  # Keras' own check, reached through the path
        sol.load_classifier("MobileNetV2", weights=str(tmp_path / "missing.weights.h5"))


def _functions(path):
    tree = ast.parse(path.read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_stub_has_the_solution_api_and_docstrings():
    sol, stub = _functions(SOLUTION), _functions(STUB)
    assert list(sol) == list(stub)
    for name in sol:
        assert ast.dump(sol[name].args) == ast.dump(stub[name].args), name
        assert ast.get_docstring(sol[name]) == ast.get_docstring(stub[name]), name
        body = stub[name].body[1:]
        raises = [n for n in body if isinstance(n, ast.Raise)]
        if name in ("read_class_index", "table_entry"):  # given code, identical in both
            assert ast.dump(stub[name]) == ast.dump(sol[name]), name
        else:
            assert len(body) == 1 and len(raises) == 1, f"{name}: the stub should only raise NotImplementedError"
            assert raises[0].exc.func.id == "NotImplementedError"


@pytest.mark.parametrize("builder", ["tiny", "mobilenet"])
def test_parse_summary_reads_keras_own_text(sol, builder):
    if builder == "tiny":
        inputs = keras.Input((5,))
        model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.BatchNormalization()(inputs)))
    else:
        model = keras.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3))
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert sol.parse_summary("\n".join(lines)) == {
        "total": model.count_params(), "trainable": trainable, "non_trainable": model.count_params() - trainable}
    with pytest.raises(ValueError):
        sol.parse_summary("\n".join(line for line in lines if "Non-trainable" not in line))


def test_comparison_table_against_a_hand_built_model(sol):
    # A row's numbers from keras directly; unknown names fail before any model is built.
    with pytest.raises(ValueError):
        sol.comparison_table(["AlexNet"], [IMAGES / "cat.png"], reference="MobileNetV2", weights=None)
    options = {"MobileNetV2": {"alpha": 0.35, "input_shape": (40, 32, 3)}}
    (row,) = sol.comparison_table(["MobileNetV2"], [IMAGES / "cat.png"], reference="MobileNetV2",
                                  weights=None, seed=1, options=options)
    keras.utils.set_random_seed(1)
    model = keras.applications.MobileNetV2(weights=None, **options["MobileNetV2"])
    assert row["params"] == row["summary"]["total"] == model.count_params()
    assert row["input_size"] == (40, 32) and row["top5_agreement"] == 1.0 and row["ms_per_image"] > 0
    assert row["preprocessing"] == "keras.applications.mobilenet_v2.preprocess_input"
