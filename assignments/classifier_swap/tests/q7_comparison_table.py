"""Question 7: the lecture's "choose your own CNN" exercise as a comparison table (oracles:
keras.applications models built here with the same seed and options, their predict on
preprocess_input of PIL's ImageOps.fit crops, and their own model.summary() text).

Small versions keep the test fast: VGG16 (the lecture's reference) and VGG19 on small inputs,
random weights (weights=None). Nothing is downloaded. The timing depends on the machine: it is
checked to be a float of at least 0.01 ms a photo, whose predicts add up to no more than the
whole call took (timed here).
"""
import importlib
import time

import keras
import numpy as np
from otter.test_files import test_case

from _checks import expect_error, fit

OK_FORMAT = False

name = "q7_comparison_table"
points = 6

# VGG on small inputs: random weights give distinct scores (random MobileNetV2 and EfficientNetB0
# give exactly uniform ones, whose top 5 is a tie).
# MobileNetV2 is built at the table's size (no input_shape option), its scores are not compared.
MODULES = {"VGG16": "vgg16", "VGG19": "vgg19", "MobileNetV2": "mobilenet_v2"}
SMALL = {"VGG16": {"input_shape": (48, 32, 3)}, "VGG19": {"input_shape": (32, 40, 3)},
         "MobileNetV2": {"alpha": 0.35}}
TABLE_SIZE = {"MobileNetV2": (224, 224)}
# With seed 9, the small VGG16 and VGG19 share one top-5 class on the cat and none on the other two
# photos (mean 1/15): a row whose weights were not seeded as the docstring says, compared with
# the wrong model, or averaged over some of the photos only, shows.
CROSS_SEED = 9
KEYS = ["name", "params", "input_size", "preprocessing", "ms_per_image", "top5_agreement", "summary"]
# Ten classes and logits (constructor options): with random weights a model's top 5 of 10 then
# depends on what reaches it, so a row whose photos went through another model's preprocess_input
# (VGG16's "caffe" for DenseNet121's "torch") shows. Seed 3: DenseNet121 agrees with VGG16 on 0.6
# with its own preprocessing, 0.53 with VGG16's; the 5th and 6th logits are >= 2% of their spread apart.
PREP_SEED = 3
PREP_OPTIONS = {"input_shape": (48, 32, 3), "classes": 10, "classifier_activation": None}
PREP_MODULES = {"VGG16": "vgg16", "DenseNet121": "densenet"}

# The oracle models and the student's tables, built once per grading (models are slow to build).
_cache = {"oracle": {}, "tables": {}}


def _small():
    """A fresh options dict (a submission may not change the test's own)."""
    return {n: dict(kwargs) for n, kwargs in SMALL.items()}


def _oracle(model_name, paths, seed):
    key = (model_name, tuple(paths), seed)
    if key not in _cache["oracle"]:
        module = importlib.import_module(f"keras.applications.{MODULES[model_name]}")
        keras.utils.set_random_seed(seed)
        model = getattr(module, model_name)(weights=None, include_top=True, **SMALL[model_name])
        height, width = SMALL[model_name]["input_shape"][:2] if model_name not in TABLE_SIZE else TABLE_SIZE[model_name]
        batch = module.preprocess_input(np.stack([keras.utils.img_to_array(fit(p, width, height)) for p in paths]))
        probs = np.asarray(model.predict(batch, verbose=0))
        lines = []
        model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        _cache["oracle"][key] = {
            "top5": np.argsort(-probs, axis=1)[:, :5], "params": int(model.count_params()),
            "input_size": (height, width), "summary_text": "\n".join(lines),
            "summary": {"total": int(model.count_params()), "trainable": trainable,
                        "non_trainable": int(model.count_params()) - trainable}}
    return _cache["oracle"][key]


def _prep_top5(model_name, paths):
    """The top 5 of 10 classes of a small seeded model on each photo, through its own preprocess_input."""
    key = ("prep", model_name, tuple(paths))
    if key not in _cache["oracle"]:
        module = importlib.import_module(f"keras.applications.{PREP_MODULES[model_name]}")
        keras.utils.set_random_seed(PREP_SEED)
        model = getattr(module, model_name)(weights=None, include_top=True, **PREP_OPTIONS)
        height, width = PREP_OPTIONS["input_shape"][:2]
        batch = module.preprocess_input(np.stack([keras.utils.img_to_array(fit(p, width, height)) for p in paths]))
        _cache["oracle"][key] = np.argsort(-np.asarray(model.predict(batch, verbose=0)), axis=1)[:, :5]
    return _cache["oracle"][key]


def _table(comparison_table, names, paths, reference, seed):
    key = (comparison_table, tuple(names), tuple(paths), reference, seed)
    if key not in _cache["tables"]:
        _cache["tables"] = {k: v for k, v in _cache["tables"].items() if k[0] is comparison_table}
        began = time.perf_counter()
        rows = comparison_table(names, paths, reference=reference, weights=None, seed=seed, options=_small())
        _cache["tables"][key] = rows, time.perf_counter() - began  # the call's own seconds: _check_timing
    return _cache["tables"][key]


def _check_timing(rows, paths, seconds, call):
    """Each row's predict is part of the call: their times together cannot be longer than it
    (microseconds taken for milliseconds are, a thousand times over)."""
    predicts = sum(row["ms_per_image"] for row in rows) * len(paths) / 1000
    assert predicts <= seconds + 1e-3, (
        f"{call}: the rows' ms_per_image times {len(paths)} photos add up to {predicts:.3g} s of predict, "
        f"longer than the whole call took ({seconds:.3g} s): are they milliseconds per photo?")


def _check_row(row, model_name, reference, paths, call, seed, agreement=True):
    assert isinstance(row, dict), f"{call}: each row should be a dict, got {type(row).__name__}"
    missing = [k for k in KEYS if k not in row]
    assert not missing, f"{call}: the row of {model_name} has no {missing}; it has {sorted(row)}"
    want = _oracle(model_name, paths, seed)
    assert row["name"] == model_name, f"{call}: expected the row of {model_name!r} here, got name {row['name']!r}"
    assert isinstance(row["params"], int) and row["params"] == want["params"], (
        f"{call}: {model_name} params should be model.count_params() of the model built with these options "
        f"(an int), got {row['params']!r}")
    size = row["input_size"]
    assert isinstance(size, tuple) and size == want["input_size"], (
        f"{call}: {model_name} input_size should be the (height, width) tuple the built model takes "
        f"(options {SMALL[model_name]}), got {size!r}")
    prep = f"keras.applications.{MODULES[model_name]}.preprocess_input"
    assert row["preprocessing"] == prep, (
        f"{call}: {model_name} preprocessing should name its module's function in full, "
        "'keras.applications.<module>.preprocess_input', got " f"{row['preprocessing']!r}")
    ms = row["ms_per_image"]
    assert isinstance(ms, float) and ms > 0 and np.isfinite(ms), (
        f"{call}: {model_name} ms_per_image should be a positive float (milliseconds), got {ms!r}")
    # no CNN here predicts a photo in 10 microseconds: a smaller number is not in milliseconds
    assert ms >= 0.01, (
        f"{call}: {model_name} ms_per_image should be in milliseconds per photo, got {ms!r} "
        "(far below what a CNN takes a photo: not milliseconds)")
    got = row["top5_agreement"]
    assert isinstance(got, float) and 0 <= got <= 1, f"{call}: {model_name} top5_agreement should be a float in [0, 1], got {got!r}"
    ref = _oracle(reference, paths, seed)["top5"]
    want_agreement = float(np.mean([len(set(a) & set(b)) / 5 for a, b in zip(want["top5"], ref)]))
    assert not agreement or abs(got - want_agreement) <= 1e-9, (
        f"{call}: {model_name} top5_agreement should be the mean over the photos of the number of its top-5 "
        f"classes also in {reference}'s top 5, divided by 5 (a float); got {got!r}")
    assert row["summary"] == want["summary"], (
        f"{call}: {model_name} summary should hold the total, trainable and non-trainable parameter counts "
        f"read back from model.summary(); got {row['summary']!r}")


def _check_summary(parse_summary, text, want, what):
    call = f"parse_summary(<{what}>)"
    got = parse_summary(text)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    for key, value in want.items():
        assert key in got, f"{call}: the dict should have the key {key!r}; it has {sorted(got)}"
        assert isinstance(got[key], int) and got[key] == value, (
            f"{call}: {key} should be the int on the summary's "
            f"'{dict(total='Total', trainable='Trainable', non_trainable='Non-trainable')[key]} params:' line, "
            f"got {got[key]!r}")


def _tiny_model():
    inputs = keras.Input((3,))
    x = keras.layers.Dense(4)(inputs)
    x = keras.layers.BatchNormalization()(x)  # 8 of its 16 parameters are not trainable
    return keras.Model(inputs, keras.layers.Dense(2)(x))


def _summary_text(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


@test_case(points=2)
def test_reference_alone(comparison_table):
    paths = ["assets/cat.png", "assets/coffee.jpg"]
    call = ("comparison_table(['VGG16'], <2 photos>, reference='VGG16', weights=None, seed=0, "
            "options=<48x32 input>)")
    rows, seconds = _table(comparison_table, ["VGG16"], paths, "VGG16", 0)
    assert isinstance(rows, list) and len(rows) == 1, (
        f"{call}: expected a list with one row (the reference is not repeated), got "
        f"{type(rows).__name__} of length {len(rows) if isinstance(rows, list) else '-'}")
    _check_row(rows[0], "VGG16", "VGG16", paths, call, 0)
    _check_timing(rows, paths, seconds, call)
    # With many photos a time per batch (or worse) adds up to more than the call took: the bound has room to show it.
    many = ["assets/cat.png", "assets/coffee.jpg", "assets/rocket.jpg"] * 8
    rows, seconds = _table(comparison_table, ["VGG16"], many, "VGG16", 0)
    call = call.replace("<2 photos>", f"<{len(many)} photos>")
    assert isinstance(rows, list) and len(rows) == 1 and isinstance(rows[0], dict) and "ms_per_image" in rows[0], (
        f"{call}: expected a list with one row that has ms_per_image, got {rows!r:.200}")
    _check_timing(rows, many, seconds, call)
    # Errors count only beside the values above.
    expect_error("comparison_table(['VGG16'], [], ...)",
                 lambda: comparison_table(["VGG16"], [], reference="VGG16", weights=None, options=_small()),
                 ValueError, "no photos to compare on")
    expect_error("comparison_table(['AlexNet'], ...)",
                 lambda: comparison_table(["AlexNet"], paths, reference="VGG16", weights=None, options=_small()),
                 ValueError, "AlexNet is not in the table")


@test_case(points=1)
def test_parse_summary(parse_summary):
    model = _tiny_model()
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    want = {"total": model.count_params(), "trainable": trainable, "non_trainable": model.count_params() - trainable}
    _check_summary(parse_summary, _summary_text(model), want, "the summary of a Dense-BatchNormalization-Dense model")
    expect_error("parse_summary('no summary here')", lambda: parse_summary("no summary here"), ValueError,
                 "the text has none of the three lines")


@test_case(points=2, hidden=True)
def test_two_models(comparison_table):
    paths = ["assets/cat.png", "assets/coffee.jpg", "assets/rocket.jpg"]
    call = ("comparison_table(['MobileNetV2', 'VGG16', 'VGG19'], <3 photos>, reference='VGG16', weights=None, "
            f"seed={CROSS_SEED}, options=<small VGG inputs; MobileNetV2 alpha 0.35 at the table's size>)")
    # VGG19 comes after MobileNetV2, not after the reference: compared with the row before it, it shows.
    rows, seconds = _table(comparison_table, ["MobileNetV2", "VGG16", "VGG19"], paths, "VGG16", CROSS_SEED)
    assert isinstance(rows, list) and [r.get("name") if isinstance(r, dict) else r for r in rows] == [
        "VGG16", "MobileNetV2", "VGG19"], (
        f"{call}: expected the reference's row first, then MobileNetV2's and VGG19's; got {rows}")
    _check_row(rows[0], "VGG16", "VGG16", paths, call, CROSS_SEED)
    # Random MobileNetV2 scores every class alike: its top 5 is a tie, so its agreement is not compared.
    _check_row(rows[1], "MobileNetV2", "VGG16", paths, call, CROSS_SEED, agreement=False)
    _check_row(rows[2], "VGG19", "VGG16", paths, call, CROSS_SEED)
    _check_timing(rows, paths, seconds, call)
    expect_error("comparison_table(['VGG16'], ['assets/no_such_photo.jpg'], ...)",
                 lambda: comparison_table(["VGG16"], ["assets/no_such_photo.jpg"], reference="VGG16",
                                          weights=None, options=_small()),
                 FileNotFoundError, "the photo does not exist")
    expect_error("comparison_table(['VGG16'], ..., reference='AlexNet')",
                 lambda: comparison_table(["VGG16"], paths, reference="AlexNet", weights=None, options=_small()),
                 ValueError, "the reference AlexNet is not in the table")
    # Each model's own preprocess_input: DenseNet121 ("torch") against VGG16 ("caffe"), ten classes.
    call = (f"comparison_table(['DenseNet121'], <3 photos>, reference='VGG16', weights=None, seed={PREP_SEED}, "
            "options=<both at 48x32, classes=10, classifier_activation=None>)")
    rows = comparison_table(["DenseNet121"], paths, reference="VGG16", weights=None, seed=PREP_SEED,
                            options={n: dict(PREP_OPTIONS) for n in PREP_MODULES})
    assert isinstance(rows, list) and len(rows) == 2 and all(isinstance(r, dict) for r in rows), (
        f"{call}: expected a list of two rows (VGG16's, then DenseNet121's), got {type(rows).__name__}")
    want = float(np.mean([len(set(a) & set(b)) / 5 for a, b in zip(_prep_top5("DenseNet121", paths),
                                                                      _prep_top5("VGG16", paths))]))
    got = rows[1].get("top5_agreement")
    assert isinstance(got, float) and abs(got - want) <= 1e-9, (
        f"{call}: DenseNet121's top5_agreement differs from that of the same models fed the same crops, each "
        f"through its own module's preprocess_input; got {got!r}")
    # options may be left out (None): every model is then built at the table's input size.
    call = "comparison_table(['MobileNetV2'], <1 photo>, reference='MobileNetV2', weights=None, seed=0) (no options)"
    rows = comparison_table(["MobileNetV2"], paths[:1], reference="MobileNetV2", weights=None, seed=0)
    assert isinstance(rows, list) and len(rows) == 1 and isinstance(rows[0], dict), (
        f"{call}: expected a list with one row, got {rows!r:.200}")
    if "default" not in _cache["oracle"]:
        model = importlib.import_module("keras.applications.mobilenet_v2").MobileNetV2(weights=None)
        _cache["oracle"]["default"] = int(model.count_params())
    want = (TABLE_SIZE["MobileNetV2"], _cache["oracle"]["default"])
    assert (rows[0].get("input_size"), rows[0].get("params")) == want, (
        f"{call}: the row should describe MobileNetV2 as keras.applications builds it by default; got input_size "
        f"{rows[0].get('input_size')!r} and params {rows[0].get('params')!r}")


@test_case(points=1, hidden=True)
def test_parse_summary_formats(parse_summary):
    keras2 = ("Model: \"vgg16\"\n_________________\n Layer (type)   Output Shape   Param #\n=================\n"
              " fc1 (Dense)    (None, 4096)   102764544\n=================\nTotal params: 138,357,544\n"
              "Trainable params: 138,357,544\nNon-trainable params: 0\n_________________")
    _check_summary(parse_summary, keras2, {"total": 138357544, "trainable": 138357544, "non_trainable": 0},
                   "a Keras 2 summary, no sizes in brackets")
    one = " Total params: 1 (4.00 B)\n Trainable params: 0 (0.00 B)\n Non-trainable params: 1 (4.00 B)\n"
    _check_summary(parse_summary, one, {"total": 1, "trainable": 0, "non_trainable": 1},
                   "a one-parameter model's summary")
    no_trainable = " Total params: 5 (20.00 B)\n Non-trainable params: 5 (20.00 B)\n"
    expect_error("parse_summary(<no 'Trainable params:' line>)", lambda: parse_summary(no_trainable), ValueError,
                 "'Non-trainable params:' is not the 'Trainable params:' line")
