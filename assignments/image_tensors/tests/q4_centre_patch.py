"""Question 4: the centre patch of an image (oracles: PIL's Image.crop, skimage.util.crop)."""
import numpy as np
import skimage.util
from otter.test_files import test_case
from _checks import asset, expect_error, oracle, student
from PIL import Image

OK_FORMAT = False

name = "q4_centre_patch"
points = 4


def _by_skimage(image, h, w):
    # The rule stated in the docstring: top = (H - h) // 2, left = (W - w) // 2.
    height, width = image.shape[:2]
    top, left = (height - h) // 2, (width - w) // 2
    widths = [(top, height - h - top), (left, width - w - left)] + [(0, 0)] * (image.ndim - 2)
    return skimage.util.crop(image, widths)


def _pil_crop(path, box):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").crop(box))


def _check(got, want, call):
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == want.shape, (
        f"{call}: expected shape {want.shape}, got {got.shape}; the patch is centred on the middle "
        "(top = (H - h) // 2), not started there as the lecture's demo_arr[mid:mid + 5] inspection")
    assert got.dtype == want.dtype, f"{call}: expected dtype {want.dtype}, got {got.dtype}"
    assert np.array_equal(got, want), (
        f"{call}: the right shape but the wrong pixels; expected image[top:top + h, left:left + w] "
        "with top = (H - h) // 2 and left = (W - w) // 2"
    )


def _expect_value_error(centre_patch, image, size):
    expect_error(ValueError, f"centre_patch(image of shape {image.shape}, {size!r})", centre_patch, image, size)


@test_case(points=1)
def test_square_patch(centre_patch):
    cat = asset("assets/cat.png", "RGB")  # 451 wide, 300 high
    left, top = (451 - 224) // 2, (300 - 224) // 2
    want = oracle(_pil_crop, "assets/cat.png", (left, top, left + 224, top + 224))
    _check(student(centre_patch, cat, 224), want, "centre_patch(cat of shape (300, 451, 3), 224)")
    _check(student(centre_patch, cat, 224), _by_skimage(cat, 224, 224), "centre_patch(cat, 224) vs skimage.util.crop")


@test_case(points=1)
def test_whole_one_pixel_and_too_large(centre_patch):
    cat = asset("assets/cat.png", "RGB")
    _check(centre_patch(cat, (300, 451)), cat, "centre_patch(cat, (300, 451)) (the whole image)")
    _check(centre_patch(cat, 1), _by_skimage(cat, 1, 1), "centre_patch(cat, 1) (one pixel)")
    _expect_value_error(centre_patch, np.zeros((12, 12, 12, 3), dtype=np.uint8), 4)  # rank 4: not an image
    _expect_value_error(centre_patch, cat, 301)  # taller than the image
    _expect_value_error(centre_patch, cat, (100, 452))  # wider than the image


@test_case(points=1, hidden=True)
def test_rectangle_odd_leftovers_grey(centre_patch):
    rng = np.random.default_rng(4)
    grey = rng.integers(0, 256, (9, 10), dtype=np.uint8)
    _check(centre_patch(grey, (4, 7)), _by_skimage(grey, 4, 7), "centre_patch(array of shape (9, 10), (4, 7))")
    values = rng.standard_normal((8, 11, 2))
    _check(centre_patch(values, (5, 4)), _by_skimage(values, 5, 4), "centre_patch(array of shape (8, 11, 2), (5, 4))")


@test_case(points=1, hidden=True)
def test_edge_sizes(centre_patch):
    image = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)
    _check(centre_patch(image, (5, 6)), image, "centre_patch(image of shape (5, 6, 3), (5, 6)) (the whole image)")
    _check(centre_patch(image, 1), _by_skimage(image, 1, 1), "centre_patch(image of shape (5, 6, 3), 1)")
    _expect_value_error(centre_patch, image, 0)
    _expect_value_error(centre_patch, image, (2, -1))
    _expect_value_error(centre_patch, image, (3, 0))  # each side is checked: an empty patch is no patch
    _expect_value_error(centre_patch, image, (0, 3))
