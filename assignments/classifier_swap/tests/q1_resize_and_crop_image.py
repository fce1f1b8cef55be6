"""Question 1: the lecture's resize_and_crop_image (oracle: PIL.ImageOps.fit, bicubic)."""
import numpy as np
from otter.test_files import test_case

from _checks import FIT_MEAN_TOLERANCE, expect_error, fit

OK_FORMAT = False

name = "q1_resize_and_crop_image"
points = 4


def _check(resize_and_crop_image, path, width, height):
    call = f"resize_and_crop_image({path!r}, {width}, {height})"
    got = resize_and_crop_image(path, width, height)
    mode = getattr(got, "mode", None)
    assert mode == "RGB", (
        f"{call} should return a PIL image in mode 'RGB', got {type(got).__name__} mode {mode!r}"
        + ("; the lecture's ImageOps.fit(Image.open(path), ...) keeps the file's own mode, and the course "
           "asks for RGB: convert the image first" if mode in ("L", "LA", "RGBA", "P", "I", "F") else ""))
    assert tuple(got.size) == (width, height), (
        f"{call}: expected PIL size (width, height) = {(width, height)}, got {tuple(got.size)}")
    got = np.asarray(got).astype(float)
    want = fit(path, width, height).astype(float)
    diff = float(np.abs(got - want).mean())
    # Under a level off on an RGBA file is the order of the conversion (PIL weights resized pixels
    # by alpha: 0.71 here); another filter is 1 to 3 levels off, a squashed photo 25 to 40.
    hint = ("this file is RGBA: convert it to RGB before cropping and resizing, not after"
            if _mode(path) == "RGBA" and diff < 1 else
            "crop the centred box with the target aspect ratio, then resize it bicubically (do not squash the whole photo)")
    assert diff <= FIT_MEAN_TOLERANCE, (
        f"{call}: the pixels differ from PIL.ImageOps.fit(image, {(width, height)}) by {diff:.2f} grey "
        f"levels on average (tolerance {FIT_MEAN_TOLERANCE}); {hint}")


def _mode(path):
    from PIL import Image
    with Image.open(path) as image:
        return image.mode


def _not_an_image(resize_and_crop_image, path):
    call = f"resize_and_crop_image({path!r}, 224, 224)"
    try:
        resize_and_crop_image(path, 224, 224)
    except ValueError:
        return
    except Exception as raised:
        hint = ("; PIL's UnidentifiedImageError (what the lecture's two lines raise) is an OSError, not a "
                "ValueError: the course asks you to turn it into ValueError"
                if type(raised).__name__ == "UnidentifiedImageError" else "")
        raise AssertionError(f"{call}: a JSON file is not an image: expected ValueError, got "
                             f"{type(raised).__name__}: {raised}{hint}") from None
    raise AssertionError(f"{call}: a JSON file is not an image: expected ValueError, but nothing was raised")


@test_case(points=1)
def test_square_224(resize_and_crop_image):
    _check(resize_and_crop_image, "assets/cat.png", 224, 224)


@test_case(points=1)
def test_other_shapes_and_greyscale(resize_and_crop_image):
    _check(resize_and_crop_image, "assets/rocket.jpg", 300, 200)  # wide target from a wide photo
    _check(resize_and_crop_image, "assets/camera.png", 100, 150)  # greyscale 'L' file, tall target


@test_case(points=1)
def test_one_pixel_and_errors(resize_and_crop_image):
    # The smallest sizes are sizes; errors are checked only once they are handled.
    _check(resize_and_crop_image, "assets/cat.png", 1, 1)
    _check(resize_and_crop_image, "assets/coffee.jpg", 7, 1)
    expect_error("resize_and_crop_image('assets/no_such_photo.jpg', 224, 224)",
                 lambda: resize_and_crop_image("assets/no_such_photo.jpg", 224, 224), FileNotFoundError,
                 "the file does not exist")
    # A folder: "no file at image_path" (FileNotFoundError) and "the file is not an image"
    # (ValueError) are both fair readings of the docstring; PIL's own IsADirectoryError is neither.
    expect_error("resize_and_crop_image('assets', 224, 224)",
                 lambda: resize_and_crop_image("assets", 224, 224), (FileNotFoundError, ValueError),
                 "assets is a folder, not an image file")
    _not_an_image(resize_and_crop_image, "assets/class_index.json")
    expect_error("resize_and_crop_image('assets/cat.png', 0, 224)",
                 lambda: resize_and_crop_image("assets/cat.png", 0, 224), ValueError, "a width of 0 is not a size")
    expect_error("resize_and_crop_image('assets/cat.png', 224, -5)",
                 lambda: resize_and_crop_image("assets/cat.png", 224, -5), ValueError,
                 "a negative height is not a size")


@test_case(points=1, hidden=True)
def test_more_photos(resize_and_crop_image):
    _check(resize_and_crop_image, "assets/coffee.jpg", 299, 299)
    _check(resize_and_crop_image, "assets/cat_rgba.png", 224, 224)  # RGBA in, RGB out
    _check(resize_and_crop_image, "assets/astronaut.png", 160, 96)
    _check(resize_and_crop_image, "assets/cat.jpg", 451, 300)  # the photo's own size: only resampling
    _check(resize_and_crop_image, "assets/rocket.jpg", 1, 9)
    expect_error("resize_and_crop_image('assets/cat.png', 2.5, 10)",
                 lambda: resize_and_crop_image("assets/cat.png", 2.5, 10), ValueError,
                 "a width of 2.5 pixels is not an int")
    expect_error("resize_and_crop_image('assets/cat.png', 10, 0)",
                 lambda: resize_and_crop_image("assets/cat.png", 10, 0), ValueError, "a height of 0 is not a size")
