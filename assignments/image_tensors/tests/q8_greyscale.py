"""Question 8: greyscale by the ITU-R 601-2 luma transform (oracle: PIL's convert("L")).

Tolerance: every pixel within 1 grey level of PIL, which rounds in fixed-point arithmetic.
"""
import numpy as np
from otter.test_files import test_case
from _checks import asset, expect_error, oracle
from _watch import untouched
from PIL import Image

OK_FORMAT = False

name = "q8_greyscale"
points = 4

TOLERANCE = 1  # grey levels, per pixel
# Rounded, not truncated: truncating stays within 1 level of PIL everywhere but is low on
# average by about half a level. Rounding differs from PIL's fixed point at a few pixels only.
BIAS = 0.25  # grey levels, the mean signed difference over an image of at least BIAS_PIXELS
BIAS_PIXELS = 1000


def _pil_grey(image):
    return np.asarray(Image.fromarray(image).convert("L"))


def _check(got, image, call):
    want = oracle(_pil_grey, image)
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == want.shape, f"{call}: expected shape {want.shape}, got {got.shape}"
    assert got.dtype == np.uint8, f"{call}: expected dtype uint8, got {got.dtype}"
    error = np.abs(got.astype(np.int16) - want)
    if error.max() > TOLERANCE:
        i, j = (int(k) for k in np.unravel_index(error.argmax(), error.shape))
        raise AssertionError(
            f"{call}: pixel (row {i}, column {j}) with RGB {tuple(int(v) for v in image[i, j])} should be "
            f"{want[i, j]} (0.299 R + 0.587 G + 0.114 B, within {TOLERANCE}), got {got[i, j]}"
        )
    bias = float(np.mean(got.astype(np.float64) - want)) if got.size >= BIAS_PIXELS else 0.0
    assert abs(bias) <= BIAS, (
        f"{call}: every pixel is within {TOLERANCE} grey level of PIL, but on average the result is "
        f"{abs(bias):.2f} levels {'darker' if bias < 0 else 'lighter'} than PIL (expected within {BIAS}): "
        f"each luma should be rounded to the nearest integer"
    )


def _expect_value_error(to_greyscale, image):
    expect_error(ValueError, f"to_greyscale({image.dtype} array of shape {image.shape})", to_greyscale, image)


@test_case(points=1)
def test_cat(to_greyscale):
    cat = asset("assets/cat.png", "RGB")
    _check(untouched("to_greyscale(cat)", to_greyscale, cat), cat, "to_greyscale(cat)")


@test_case(points=1)
def test_one_pixel_and_wrong_input(to_greyscale):
    pixel = np.array([[[10, 200, 60]]], dtype=np.uint8)  # the smallest image
    _check(to_greyscale(pixel), pixel, "to_greyscale(one pixel)")
    _expect_value_error(to_greyscale, asset("assets/cat.png", "RGB") / 255.0)  # float
    # A nested list of ints is not a uint8 array: refused with ValueError like any other dtype.
    expect_error(ValueError, "to_greyscale([[[10, 200, 60]]]) (a list, not a uint8 array)", to_greyscale, [[[10, 200, 60]]])
    _expect_value_error(to_greyscale, asset("assets/camera.png"))  # already (H, W)
    _expect_value_error(to_greyscale, asset("assets/cat_rgba.png"))  # (H, W, 4)


@test_case(points=1, hidden=True)
def test_pure_colours(to_greyscale):
    # One pixel each: the weights, not an average and not Rec. 709, decide these.
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (128, 128, 128),
               (255, 255, 0), (0, 255, 255), (255, 0, 255), (1, 2, 3)]
    image = np.array([colours], dtype=np.uint8)  # (1, 10, 3)
    _check(to_greyscale(image), image, "to_greyscale(pure colours)")


@test_case(points=1, hidden=True)
def test_random_and_wide(to_greyscale):
    noise = np.random.default_rng(8).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    _check(to_greyscale(noise), noise, "to_greyscale(random noise)")
    rocket = asset("assets/rocket.jpg", "RGB")
    _check(to_greyscale(rocket), rocket, "to_greyscale(rocket)")
