"""Question 4: each model's own preprocessing, and the input size it takes (oracle:
keras.applications.<module>.preprocess_input on the same image)."""
import importlib

import keras
import numpy as np
from otter.test_files import test_case
from PIL import Image, ImageOps

OK_FORMAT = False

name = "q4_preprocess"
points = 5

# Module and size per model, from the keras.applications documentation.
MODELS = {
    "VGG16": ("vgg16", 224), "VGG19": ("vgg19", 224), "ResNet50": ("resnet50", 224),
    "ResNet50V2": ("resnet_v2", 224), "InceptionV3": ("inception_v3", 299), "Xception": ("xception", 299),
    "MobileNetV2": ("mobilenet_v2", 224), "DenseNet121": ("densenet", 224),
    "EfficientNetB0": ("efficientnet", 224), "ConvNeXtTiny": ("convnext", 224),
}
# float32 arithmetic in another order: differences ~1e-5 on values up to ~150.
ATOL = 1e-3


def _photo(path, size):
    with Image.open(path) as image:
        return np.asarray(ImageOps.fit(image.convert("RGB"), (size, size)))


def _check(preprocess, model, path, as_pil=False):
    module, size = MODELS[model]
    pixels = _photo(path, size)
    arg = Image.fromarray(pixels) if as_pil else pixels
    call = f"preprocess({model!r}, <{size}x{size} {'PIL image' if as_pil else 'uint8 array'} of {path}>)"
    got = preprocess(model, arg)
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == (1, size, size, 3), (
        f"{call}: expected shape {(1, size, size, 3)} (with the batch axis), got {got.shape}")
    assert got.dtype == np.float32, f"{call}: expected dtype float32, got {got.dtype}"
    oracle = importlib.import_module(f"keras.applications.{module}").preprocess_input
    want = np.asarray(oracle(keras.utils.img_to_array(pixels)[None].copy()), dtype=np.float32)
    err = float(np.abs(got - want).max())
    want_means = want.mean(axis=(0, 1, 2), dtype=np.float64).round(3).tolist()
    got_means = got.mean(axis=(0, 1, 2), dtype=np.float64).round(3).tolist()
    assert err <= ATOL, (
        f"{call}: differs from keras.applications.{module}.preprocess_input by up to {err:.4g} "
        f"(tolerance {ATOL}); expected values in [{want.min():.3f}, {want.max():.3f}] with per-channel "
        f"means {want_means}, got [{got.min():.3f}, {got.max():.3f}] with means {got_means}")


def _expect_size_error(preprocess, model, given, right):
    call = f"preprocess({model!r}, <{given}x{given} image>)"
    try:
        preprocess(model, _photo("assets/cat.png", given))
    except ValueError as raised:
        assert str(right) in str(raised), (
            f"{call} raised ValueError as it should, but its message should name the size {model} takes "
            f"({right}x{right}); the message was: {raised}")
    except Exception as raised:
        raise AssertionError(f"{call}: expected ValueError, got {type(raised).__name__}: {raised}") from None
    else:
        raise AssertionError(f"{call}: {model} takes {right}x{right}: expected ValueError, nothing was raised")


@test_case(points=1)
def test_vgg16_caffe(preprocess):
    _check(preprocess, "VGG16", "assets/cat.png")


@test_case(points=1)
def test_mobilenet_v2_tf(preprocess):
    _check(preprocess, "MobileNetV2", "assets/cat.png")


@test_case(points=1)
def test_densenet121_torch(preprocess):
    _check(preprocess, "DenseNet121", "assets/coffee.jpg")


@test_case(points=1)
def test_wrong_size(preprocess):
    _expect_size_error(preprocess, "InceptionV3", 224, 299)


@test_case(points=1, hidden=True)
def test_every_model(preprocess):
    for i, model in enumerate(MODELS):
        _check(preprocess, model, "assets/rocket.jpg", as_pil=bool(i % 2))
    _expect_size_error(preprocess, "MobileNetV2", 299, 224)
