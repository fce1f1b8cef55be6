"""Question 5: thumbnail (aspect kept) vs resize-and-crop (exactly size x size).

Oracles: PIL's Image.thumbnail and ImageOps.fit, bicubic. Tolerance: the shape must match
exactly; the pixels within a mean absolute difference of 0.5 grey levels.
"""
import numpy as np
from otter.test_files import test_case
from _checks import asset, computed, expect_error, oracle
from _watch import untouched
from PIL import Image, ImageOps

OK_FORMAT = False

name = "q5_resize"
points = 5

BICUBIC = Image.Resampling.BICUBIC
TOLERANCE = 0.5  # mean absolute difference, grey levels


def _pil_thumbnail(image, size):
    return oracle(_pil_thumbnail_of, image, size)  # the same input in every submission: once


def _pil_fit(image, size):
    return oracle(_pil_fit_of, image, size)


def _bicubic_resize(image, size):
    return np.asarray(Image.fromarray(image).resize(size, BICUBIC))


def _pil_thumbnail_of(image, size):
    picture = Image.fromarray(image)
    picture.thumbnail((size, size), BICUBIC)
    return np.asarray(picture)


def _pil_fit_of(image, size):
    h, w = size if isinstance(size, tuple) else (size, size)
    return np.asarray(ImageOps.fit(Image.fromarray(image), (w, h), BICUBIC))  # PIL: (width, height)


def _check(got, want, call, oracle):
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == want.shape, f"{call}: expected shape {want.shape} (as {oracle}), got {got.shape}"
    assert got.dtype == np.uint8, f"{call}: expected dtype uint8, got {got.dtype}"
    error = np.abs(got.astype(np.int16) - want).mean()
    # Image.thumbnail is not a plain bicubic resize: for a large shrink it first reduces by a
    # whole factor (reducing_gap), which is what a resize of one's own most often misses.
    hint = ("bicubic, and the exact (fractional) centred square box" if oracle == "ImageOps.fit"
            else "Image.thumbnail's own resampling: bicubic, after a reduction by a whole factor for a large shrink")
    assert error <= TOLERANCE, (
        f"{call}: mean absolute difference from {oracle} is {error:.2f} grey levels, "
        f"expected at most {TOLERANCE} ({hint})"
    )


def _photo(path):
    return asset(path, "RGB")


def _tall(rocket):
    """The rocket on its side, 640 high and 427 wide: a new writable array each call, transposed
    once per grading process."""
    return computed(_transposed, rocket).copy()


def _transposed(image):
    return np.ascontiguousarray(np.transpose(image, (1, 0, 2)))


def _expect_value_error(function, label, image, size):
    expect_error(ValueError, f"{label}(image, {size!r})", function, image, size)


@test_case(points=1)
def test_thumbnail_keeps_aspect(thumbnail):
    cat = _photo("assets/cat.png")  # 300 x 451
    _check(untouched("thumbnail(cat, 224)", thumbnail, cat, 224), _pil_thumbnail(cat, 224), "thumbnail(cat, 224)",
           "Image.thumbnail")
    _check(thumbnail(cat), _pil_thumbnail(cat, 224), "thumbnail(cat) (default size 224)", "Image.thumbnail")


@test_case(points=1)
def test_resize_and_crop_fills_square(resize_and_crop):
    cat = _photo("assets/cat.png")
    _check(resize_and_crop(cat, 224), _pil_fit(cat, 224), "resize_and_crop(cat, 224)", "ImageOps.fit")
    _check(resize_and_crop(cat), _pil_fit(cat, 224), "resize_and_crop(cat) (default size 224)", "ImageOps.fit")
    try:
        rectangle = resize_and_crop(cat, (120, 200))
    except Exception as raised:
        raise AssertionError(
            "resize_and_crop(cat, (120, 200)): the docstring's size may also be a (height, width) tuple "
            f"(beyond the lecture's square 224 x 224); got {type(raised).__name__}: {raised}") from None
    _check(rectangle, _pil_fit(cat, (120, 200)), "resize_and_crop(cat, (120, 200))", "ImageOps.fit (size as (height, width))")


@test_case(points=1)
def test_one_pixel_and_bad_size(thumbnail, resize_and_crop):
    cat = _photo("assets/cat.png")
    _check(thumbnail(cat, 1), _pil_thumbnail(cat, 1), "thumbnail(cat, 1)", "Image.thumbnail")
    _check(resize_and_crop(cat, 1), _pil_fit(cat, 1), "resize_and_crop(cat, 1)", "ImageOps.fit")
    _expect_value_error(thumbnail, "thumbnail", cat, 0)
    _expect_value_error(resize_and_crop, "resize_and_crop", cat, 0)
    _expect_value_error(resize_and_crop, "resize_and_crop", cat, (5, 0))  # (height, width): no width
    _expect_value_error(resize_and_crop, "resize_and_crop", cat, (0, 5))


@test_case(points=1, hidden=True)
def test_thumbnail_more(thumbnail):
    rocket = _photo("assets/rocket.jpg")
    tall = _tall(rocket)
    grey = asset("assets/camera.png")  # (512, 512), rank 2
    small = rocket[:100, :60]  # fits already: unchanged
    big = oracle(_bicubic_resize, rocket, (1100, 1000))  # PIL reduces first
    for label, image, size in [("tall rocket", tall, 224), ("camera (greyscale)", grey, 100),
                               ("100x60 image", small, 224), ("1000x1100 image", big, 224),
                               ("rocket", rocket, 37)]:
        _check(thumbnail(image, size), _pil_thumbnail(image, size), f"thumbnail({label}, {size})", "Image.thumbnail")


@test_case(points=1, hidden=True)
def test_resize_and_crop_more(resize_and_crop):
    rocket = _photo("assets/rocket.jpg")
    tall = _tall(rocket)
    grey = asset("assets/camera.png")
    noise = np.random.default_rng(5).integers(0, 256, (61, 23, 3), dtype=np.uint8)  # upscaled
    for label, image, size in [("rocket", rocket, 224), ("tall rocket", tall, 224),
                               ("camera (greyscale)", grey, 100), ("61x23 noise", noise, 50),
                               ("rocket", rocket, (300, 100)), ("rocket", rocket, (50, 400)),
                               ("tall rocket", tall, (1, 7))]:
        _check(resize_and_crop(image, size), _pil_fit(image, size), f"resize_and_crop({label}, {size})", "ImageOps.fit")
