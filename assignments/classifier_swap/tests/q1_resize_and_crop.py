"""Question 1: resize-and-crop a photo to a target size (oracle: PIL.ImageOps.fit)."""
import numpy as np
from otter.test_files import test_case
from PIL import Image, ImageOps

OK_FORMAT = False

name = "q1_resize_and_crop"
points = 4

# Crop-then-resize by hand may place the crop half a pixel off ImageOps.fit and use another
# filter (bilinear): under 3 grey levels on average. Squashing the whole photo instead is 25-40.
MEAN_TOLERANCE = 4.0


def _fit(path, width, height):
    with Image.open(path) as image:
        return np.asarray(ImageOps.fit(image.convert("RGB"), (width, height)))


def _check(resize_and_crop, path, width, height):
    call = f"resize_and_crop({path!r}, {width}, {height})"
    got = resize_and_crop(path, width, height)
    mode = getattr(got, "mode", None)
    assert mode == "RGB", f"{call} should return a PIL image in mode 'RGB', got {type(got).__name__} mode {mode!r}"
    assert tuple(got.size) == (width, height), (
        f"{call}: expected size (width, height) = {(width, height)}, got {tuple(got.size)}")
    got = np.asarray(got).astype(float)
    want = _fit(path, width, height).astype(float)
    diff = float(np.abs(got - want).mean())
    assert diff <= MEAN_TOLERANCE, (
        f"{call}: the pixels differ from PIL.ImageOps.fit(image, {(width, height)}) by {diff:.1f} grey "
        f"levels on average (tolerance {MEAN_TOLERANCE}); crop the centred box with the target "
        "aspect ratio, then resize it (do not squash the whole photo)"
    )


def _expect_error(resize_and_crop, args, error, why):
    call = f"resize_and_crop{args!r}"
    try:
        resize_and_crop(*args)
    except error:
        pass
    except Exception as raised:
        raise AssertionError(
            f"{call}: {why}: expected {error.__name__}, got {type(raised).__name__}: {raised}") from None
    else:
        raise AssertionError(f"{call}: {why}: expected {error.__name__}, but nothing was raised")


@test_case(points=1)
def test_square_224(resize_and_crop):
    _check(resize_and_crop, "assets/cat.png", 224, 224)


@test_case(points=1)
def test_other_shapes_and_greyscale(resize_and_crop):
    _check(resize_and_crop, "assets/rocket.jpg", 300, 200)  # wide target from a wide photo
    _check(resize_and_crop, "assets/camera.png", 100, 150)  # greyscale 'L' file, tall target


@test_case(points=1)
def test_errors(resize_and_crop):
    _expect_error(resize_and_crop, ("assets/no_such_photo.jpg", 224, 224), FileNotFoundError,
                  "the file does not exist")
    _expect_error(resize_and_crop, ("assets/class_index.json", 224, 224), ValueError,
                  "a JSON file is not an image")
    _expect_error(resize_and_crop, ("assets/cat.png", 0, 224), ValueError, "a width of 0 is not a size")
    _expect_error(resize_and_crop, ("assets/cat.png", 224, -5), ValueError, "a negative height is not a size")


@test_case(points=1, hidden=True)
def test_more_photos(resize_and_crop):
    _check(resize_and_crop, "assets/coffee.jpg", 299, 299)
    _check(resize_and_crop, "assets/cat_rgba.png", 224, 224)  # RGBA in, RGB out
    _check(resize_and_crop, "assets/astronaut.png", 160, 96)
    _check(resize_and_crop, "assets/cat.jpg", 451, 300)  # the photo's own size: only resampling
