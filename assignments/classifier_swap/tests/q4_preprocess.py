"""Question 4: each model's own preprocessing, and the input size it takes (oracle:
keras.applications.<module>.preprocess_input on the same image)."""
import importlib

import keras
import numpy as np
from otter.test_files import test_case
from PIL import Image

from _checks import channel_means, expect_array, expect_error, fit

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
# docs/CONVENTIONS.md section 6, float32: rtol 1e-5, atol 1e-5 * max(1, max abs expected).
RTOL = 1e-5


def _check(preprocess, model, path, kind="uint8"):
    module, size = MODELS[model]
    pixels = fit(path, size, size)
    arg = {"uint8": pixels, "PIL": Image.fromarray(pixels), "float32": pixels.astype(np.float32),
           "float64": pixels.astype(np.float64)}[kind]
    call = f"preprocess({model!r}, <{size}x{size} {kind} image of {path}>)"
    got = preprocess(model, arg)
    expect_array(call, got, (1, size, size, 3), np.float32)
    oracle = importlib.import_module(f"keras.applications.{module}").preprocess_input
    want = np.asarray(oracle(keras.utils.img_to_array(pixels)[None].copy()), dtype=np.float32)
    atol = 1e-5 * max(1.0, float(np.abs(want).max()))
    err = float(np.abs(got - want).max())
    assert np.allclose(got, want, rtol=RTOL, atol=atol), (
        f"{call}: differs from keras.applications.{module}.preprocess_input by up to {err:.4g} "
        f"(tolerance rtol {RTOL}, atol {atol:.3g}); got values in [{got.min():.3f}, {got.max():.3f}] with "
        f"per-channel means {channel_means(got)}: check the channel order, the scale and the means")


def _expect_size_error(preprocess, model, shape, right):
    call = f"preprocess({model!r}, <image of shape {shape}>)"
    image = np.zeros(shape, np.uint8)
    raised = expect_error(call, lambda: preprocess(model, image), ValueError,
                          f"{model} takes {right}x{right} images")
    assert str(right) in str(raised), (
        f"{call} raised ValueError as it should, but its message should name the size {model} takes; "
        f"the message was: {raised}")


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
def test_inception_v3_and_wrong_size(preprocess):
    # Errors count only beside a value check (a function that always raises earns nothing here).
    _check(preprocess, "InceptionV3", "assets/rocket.jpg")
    _expect_size_error(preprocess, "InceptionV3", (224, 224, 3), 299)
    _expect_size_error(preprocess, "InceptionV3", (299, 224, 3), 299)  # the height alone is right


@test_case(points=1, hidden=True)
def test_every_model(preprocess):
    kinds = ["uint8", "PIL", "float32", "float64"]
    for i, model in enumerate(MODELS):
        _check(preprocess, model, "assets/rocket.jpg", kind=kinds[i % len(kinds)])
    _expect_size_error(preprocess, "MobileNetV2", (299, 299, 3), 224)
    _expect_size_error(preprocess, "MobileNetV2", (224, 299, 3), 224)  # the width is wrong
    for shape, why in [((224, 224), "a greyscale array has no channel axis"),
                       ((224, 224, 4), "an RGBA array has 4 channels")]:
        expect_error(f"preprocess('MobileNetV2', <image of shape {shape}>)",
                     lambda: preprocess("MobileNetV2", np.zeros(shape, np.uint8)), ValueError, why)
