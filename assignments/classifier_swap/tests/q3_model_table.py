"""Question 3: the model table and load_classifier (oracles: keras.applications itself, the
parameter counts Keras documents for each model, and the weights of keras.applications.MobileNetV2
built in the test after keras.utils.set_random_seed(0))."""
import importlib

import keras
import numpy as np
from otter.test_files import test_case

from _checks import expect_error, expect_weights

OK_FORMAT = False

name = "q3_model_table"
points = 6

NAMES = ["VGG16", "VGG19", "ResNet50", "ResNet50V2", "InceptionV3", "Xception",
         "MobileNetV2", "DenseNet121", "EfficientNetB0", "ConvNeXtTiny"]
# Default input sizes with ImageNet weights (keras.applications documentation).
SIZES = {name: (299, 299) if name in ("InceptionV3", "Xception") else (224, 224) for name in NAMES}
# Parameter counts with the 1000-class top (weights=None gives the same architecture).
PARAMS = {"VGG16": 138_357_544, "ResNet50": 25_636_712, "MobileNetV2": 3_538_984, "InceptionV3": 23_851_784}

# What each mode does to a float RGB image in 0..255, written out independently of Keras.
MODES = {
    "caffe": lambda x: x[..., ::-1] - np.array([103.939, 116.779, 123.68]),
    "tf": lambda x: x / 127.5 - 1.0,
    "torch": lambda x: (x / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225]),
    "none": lambda x: x,
}


def _table(model_table):
    table = model_table()
    assert isinstance(table, dict), f"model_table() should return a dict, got {type(table).__name__}"
    missing = [n for n in NAMES if n not in table]
    assert not missing, f"model_table() is missing {missing}; it has {sorted(table)}"
    return table


def _module(entry, model):
    try:
        return importlib.import_module(f"keras.applications.{entry['module']}")
    except (ImportError, KeyError, TypeError) as error:
        raise AssertionError(f"model_table()[{model!r}]['module'] should name a module of keras.applications "
                             f"(e.g. 'vgg16'), got {entry.get('module')!r}: {error}") from None


def _expect_model(load_classifier, model, params):
    built = load_classifier(model, weights=None, seed=0)
    h, w = SIZES[model]
    got_params = built.count_params()
    assert got_params == params, (
        f"load_classifier({model!r}, weights=None).count_params(): expected {params:,} (the 1000-class "
        f"ImageNet model), got {got_params:,}")
    shape = tuple(built.input_shape)
    assert shape == (None, h, w, 3), (
        f"load_classifier({model!r}, weights=None).input_shape: expected (None, {h}, {w}, 3), got {shape}")
    return built


@test_case(points=1)
def test_constructors_and_sizes(model_table):
    table = _table(model_table)
    for model in NAMES:
        entry = table[model]
        module = _module(entry, model)
        constructor = getattr(module, str(entry.get("constructor")), None)
        assert constructor is getattr(keras.applications, model), (
            f"model_table()[{model!r}]: keras.applications.{entry['module']}.{entry.get('constructor')} should be "
            f"the constructor keras.applications.{model}")
        decoder = getattr(module, str(entry.get("decoder")), None)
        assert callable(decoder), (
            f"model_table()[{model!r}]['decoder'] should name the decoding function of "
            f"keras.applications.{entry['module']} ('decode_predictions'), got {entry.get('decoder')!r}")
        size = entry.get("input_size")
        assert isinstance(size, tuple) and all(type(v) is int for v in size), (
            f"model_table()[{model!r}]['input_size'] should be a (height, width) tuple of ints (the docstring: "
            f"str and tuple values only), got {type(size).__name__} {size!r}")
        assert size == SIZES[model], f"model_table()[{model!r}]['input_size']: expected {SIZES[model]}, got {size}"


@test_case(points=1)
def test_preprocess_modes(model_table):
    # The mode in the table must describe what the module's own preprocess_input does.
    table = _table(model_table)
    x = np.random.default_rng(0).uniform(0, 255, (1, 4, 4, 3)).astype(np.float32)
    for model in NAMES:
        entry = table[model]
        mode = entry.get("preprocess")
        assert mode in MODES, (
            f"model_table()[{model!r}]['preprocess'] should be one of {sorted(MODES)}, got {mode!r}")
        keras_out = np.asarray(_module(entry, model).preprocess_input(x.copy()), dtype=np.float64)
        agree = [m for m, f in MODES.items() if np.allclose(f(x.astype(np.float64)), keras_out, atol=1e-3)]
        assert mode in agree, (
            f"model_table()[{model!r}]['preprocess'] is {mode!r}, but "
            f"keras.applications.{entry['module']}.preprocess_input behaves as {agree or 'none of the modes'}")


@test_case(points=1)
def test_mobilenet_v2_seeded(load_classifier):
    # The weights come back as data and are compared with keras.applications.MobileNetV2 built here
    # after keras.utils.set_random_seed(0): the same seed gives the same weights in any process.
    first = _expect_model(load_classifier, "MobileNetV2", PARAMS["MobileNetV2"])
    call = "load_classifier('MobileNetV2', weights=None, seed=0).get_weights()"
    expect_weights(call, first.get_weights(), "MobileNetV2", 0)
    second = load_classifier("MobileNetV2", weights=None, seed=0)
    expect_weights(f"{call}, called a second time", second.get_weights(), "MobileNetV2", 0)
    # weights' third kind, a file's path: Keras loads that file, and refuses one that does not exist
    path = "no_such_folder/mobilenet_v2.weights.h5"
    try:
        load_classifier("MobileNetV2", weights=path, seed=0)
    except (ValueError, OSError):
        return
    except Exception as raised:
        raise AssertionError(f"load_classifier('MobileNetV2', weights={path!r}), a file that does not exist: "
                             f"expected ValueError or OSError, got {type(raised).__name__}: {raised}") from None
    raise AssertionError(f"load_classifier('MobileNetV2', weights={path!r}) returned a model, but there is no "
                         "such file: a path given as weights is the weights file to load")


@test_case(points=1)
def test_unknown_name(load_classifier, model_table):
    # Counted only beside a value check: the table must be right for the message to list it.
    table = _table(model_table)
    raised = expect_error("load_classifier('AlexNet')", lambda: load_classifier("AlexNet", weights=None),
                          ValueError, "AlexNet is not in keras.applications")
    missing = [n for n in table if n not in str(raised)]
    assert not missing, (
        "load_classifier('AlexNet') raised ValueError as it should, but its message should list every "
        f"model of the table; it leaves out {missing}. The message was: {raised}")


@test_case(points=1, hidden=True)
def test_vgg16(load_classifier):
    _expect_model(load_classifier, "VGG16", PARAMS["VGG16"])


@test_case(points=1, hidden=True)
def test_resnet50_and_inception_v3(load_classifier):
    _expect_model(load_classifier, "ResNet50", PARAMS["ResNet50"])
    _expect_model(load_classifier, "InceptionV3", PARAMS["InceptionV3"])  # 299x299
