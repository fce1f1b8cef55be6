"""Question 1: load an image file as an RGB array (oracle: PIL's convert("RGB"), scikit-image)."""
import numpy as np
from otter.test_files import test_case
from PIL import Image
from _checks import asset, computed, oracle, student

OK_FORMAT = False

name = "q1_load_image"
points = 6


def _pil_rgb(path):
    return asset(path, "RGB")  # np.asarray(Image.open(path).convert("RGB")), decoded once


def _skimage_read(path):
    """skimage.io.imread(path), the second reader: computed once per distinct file (recorded when the
    course is built; skimage.io takes half a second to import)."""
    return oracle(_skimage_read_of, path)


def _skimage_read_of(path):
    import skimage.io
    return skimage.io.imread(path)


def _three_times(grey):
    return np.dstack([grey, grey, grey])


def _check_pixels(got, want, call):
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == want.shape, (
        f"{call}: expected shape {want.shape}, got {got.shape}"
        + (" (convert to RGB whatever the file's mode: numpy.array(Image.open(path)) keeps a grey file's "
           "(H, W) and an alpha channel)" if got.shape[:2] == want.shape[:2] else ""))
    assert got.dtype == np.uint8, f"{call}: expected dtype uint8, got {got.dtype}"
    if np.array_equal(got, want):
        return  # the usual case; listing the differences costs more than comparing (issue 16)
    wrong = np.argwhere(got != want)
    if len(wrong):
        first = tuple(int(i) for i in wrong[0])
        raise AssertionError(
            f"{call}: {len(wrong)} values differ from PIL's Image.open(path).convert('RGB'); "
            f"first at (row, column, channel) {first}: expected {want[first]}, got {got[first]}"
        )


def _expect_error(load_image, path, error, *, named=True):
    call = f"load_image({path!r})"
    try:
        load_image(path)
    except error as raised:
        if named:
            base = path.rsplit("/", 1)[-1]
            assert base in str(raised), (
                f"{call} raised {error.__name__} as it should, but its message should name the "
                f"file ({base!r}); the message was: {raised}"
            )
    except Exception as raised:
        hint = (" (PIL raises its own error for a file it cannot read; the docstring asks you to raise "
                "ValueError naming the path instead)" if error is ValueError and isinstance(raised, OSError) else "")
        raise AssertionError(
            f"{call}: expected {error.__name__}, got {type(raised).__name__}: {raised}{hint}"
        ) from None
    else:
        raise AssertionError(f"{call}: expected {error.__name__}, but nothing was raised")


@test_case(points=1)
def test_png_and_jpeg(load_image):
    for path in ["assets/cat.png", "assets/cat.jpg"]:
        _check_pixels(student(load_image, path), _pil_rgb(path), f"load_image({path!r})")
    # A second, independent reader agrees on the lossless file.
    _check_pixels(student(load_image, "assets/cat.png"), _skimage_read("assets/cat.png"),
                  "load_image('assets/cat.png') vs skimage.io.imread")


@test_case(points=1)
def test_modes_become_rgb(load_image):
    # 'L': the grey value repeated in R, G and B.
    grey = asset("assets/camera.png")
    _check_pixels(student(load_image, "assets/camera.png"), computed(_three_times, grey),
                  "load_image('assets/camera.png') (a greyscale 'L' file)")
    # 'RGBA': the alpha channel dropped, the colours untouched (not blended with a background).
    rgba = _skimage_read("assets/cat_rgba.png")
    _check_pixels(student(load_image, "assets/cat_rgba.png"), rgba[:, :, :3],
                  "load_image('assets/cat_rgba.png') (an 'RGBA' file; drop alpha, don't blend)")


@test_case(points=1)
def test_grey_file_and_missing_file(load_image):
    _check_pixels(student(load_image, "assets/camera.png"), _pil_rgb("assets/camera.png"), "load_image('assets/camera.png')")
    _expect_error(load_image, "assets/no_such_image.png", FileNotFoundError, named=False)


@test_case(points=1)
def test_jpeg_and_not_an_image(load_image):
    _check_pixels(student(load_image, "assets/cat.jpg"), _pil_rgb("assets/cat.jpg"), "load_image('assets/cat.jpg')")
    _expect_error(load_image, "assets/not_an_image.jpg", ValueError)


@test_case(points=1, hidden=True)
def test_palette_and_wide(load_image):
    for path in ["assets/cat_palette.png", "assets/rocket.jpg"]:
        _check_pixels(student(load_image, path), _pil_rgb(path), f"load_image({path!r})")


@test_case(points=1, hidden=True)
def test_truncated_and_missing_folder(load_image):
    _check_pixels(student(load_image, "assets/rocket.jpg"), _pil_rgb("assets/rocket.jpg"), "load_image('assets/rocket.jpg')")
    # The header of truncated.png is fine; its pixels end half-way.
    _expect_error(load_image, "assets/truncated.png", ValueError)
    _expect_error(load_image, "assets/no_such_folder/cat.png", FileNotFoundError, named=False)
