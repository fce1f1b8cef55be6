"""Question 2: describe an image file as stored (oracle: PIL and numpy.asarray)."""
import numpy as np
from otter.test_files import test_case
from _checks import asset, expect_error
from PIL import Image

OK_FORMAT = False

name = "q2_describe_image"
points = 5

KEYS = {"mode", "size", "shape", "dtype", "rank"}


def _expected(path):
    return asset(path, reader=_describe)  # read once per grading process


def _describe(path):
    with Image.open(path) as image:
        pixels = np.asarray(image)
        return {
            "mode": image.mode,
            "size": tuple(image.size),
            "shape": tuple(pixels.shape),
            "dtype": str(pixels.dtype),
            "rank": pixels.ndim,
        }


def _check(describe_image, path):
    call = f"describe_image({path!r})"
    got = describe_image(path)
    want = _expected(path)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    assert set(got) == KEYS, f"{call}: expected the keys {sorted(KEYS)}, got {sorted(map(str, got))}"
    assert got["mode"] == want["mode"], f"{call}['mode']: expected {want['mode']!r}, got {got['mode']!r}"
    for key in ["size", "shape"]:
        value = got[key]
        assert isinstance(value, (tuple, list)) and tuple(value) == want[key], (
            f"{call}[{key!r}]: expected {want[key]}, got {value!r}"
            + (" (PIL's size is (width, height))" if key == "size" else "")
        )
    assert isinstance(got["dtype"], str) and got["dtype"] == want["dtype"], (
        f"{call}['dtype']: expected the string {want['dtype']!r}, got {got['dtype']!r}"
    )
    rank = got["rank"]
    assert isinstance(rank, (int, np.integer)) and not isinstance(rank, bool) and rank == want["rank"], (
        f"{call}['rank']: expected {want['rank']}, got {rank!r}"
    )


def _expect_error(describe_image, path, error):
    expect_error(error, f"describe_image({path!r})", describe_image, path)


@test_case(points=1)
def test_rgb(describe_image):
    _check(describe_image, "assets/cat.png")
    _check(describe_image, "assets/rocket.jpg")


@test_case(points=1)
def test_grey_and_alpha(describe_image):
    _check(describe_image, "assets/camera.png")  # 'L': rank 2
    _check(describe_image, "assets/cat_rgba.png")  # 'RGBA': four channels


@test_case(points=1)
def test_describe_missing_file(describe_image):
    _check(describe_image, "assets/cat.jpg")
    _expect_error(describe_image, "assets/no_such_image.png", FileNotFoundError)


@test_case(points=1, hidden=True)
def test_palette_and_16_bit(describe_image):
    _check(describe_image, "assets/cat_palette.png")  # 'P': rank 2, palette indices
    _check(describe_image, "assets/camera16.png")  # 'I;16': dtype uint16
    _check(describe_image, "assets/camera_bilevel.png")  # '1': dtype bool


@test_case(points=1, hidden=True)
def test_describe_not_an_image(describe_image):
    _check(describe_image, "assets/camera.png")
    _expect_error(describe_image, "assets/not_an_image.jpg", ValueError)
