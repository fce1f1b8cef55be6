"""Question 6: per-channel 256-bin histograms (oracles: numpy.unique, PIL's Image.histogram,
skimage.exposure.histogram, numpy.bincount). Counts must match exactly."""
import numpy as np
import skimage.exposure
from otter.test_files import test_case
from _checks import asset, expect_error, oracle
from _watch import untouched
from PIL import Image

OK_FORMAT = False

name = "q6_histograms"
points = 5


def _check(got, want, call):
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == want.shape, f"{call}: expected shape {want.shape}, got {got.shape}"
    assert np.issubdtype(got.dtype, np.integer), f"{call}: expected an integer dtype (counts), got {got.dtype}"
    wrong = np.argwhere(got != want)
    if len(wrong):
        c, v = (int(i) for i in wrong[0])
        raise AssertionError(
            f"{call}: {len(wrong)} counts are wrong; first: channel {c}, value {v}: "
            f"expected {want[c, v]}, got {got[c, v]}"
        )


def _by_unique(image):
    """Oracle: numpy.unique's counts of the values present, scattered into 256 bins."""
    image = image.reshape(image.shape[0], image.shape[1], -1)
    counts = np.zeros((image.shape[2], 256), dtype=np.int64)
    for c in range(image.shape[2]):
        values, n = np.unique(image[:, :, c], return_counts=True)
        counts[c, values] = n
    return counts


def _pil_histogram(path, mode=None):
    """PIL's Image.histogram of a file (after convert(mode)), one row of 256 counts per channel."""
    with Image.open(path) as image:
        return np.array((image if mode is None else image.convert(mode)).histogram()).reshape(-1, 256)


def _skimage_histogram(image):
    return skimage.exposure.histogram(image, source_range="dtype")[0]


def _expect_value_error(channel_histograms, image, what):
    expect_error(ValueError, f"channel_histograms({what})", channel_histograms, image)


@test_case(points=1)
def test_cat_against_bincount(channel_histograms):
    cat = asset("assets/cat.png", "RGB")
    got = untouched("channel_histograms(cat)", channel_histograms, cat)
    _check(got, oracle(_by_unique, cat), "channel_histograms(cat)")
    sums = np.asarray(got).sum(axis=1)
    assert (sums == 300 * 451).all(), f"each row should sum to H * W = {300 * 451}, got {sums}"


@test_case(points=1)
def test_against_pil_histogram(channel_histograms):
    want = oracle(_pil_histogram, "assets/cat.jpg", "RGB")  # PIL concatenates R, G, B counts
    _check(channel_histograms(asset("assets/cat.jpg", "RGB")), want, "channel_histograms(cat.jpg) vs Image.histogram()")


@test_case(points=1)
def test_one_pixel_and_not_uint8(channel_histograms):
    pixel = np.array([[[0, 128, 255]]], dtype=np.uint8)  # the smallest image: one pixel
    want = np.zeros((3, 256), dtype=np.int64)
    want[0, 0] = want[1, 128] = want[2, 255] = 1
    _check(channel_histograms(pixel), want, "channel_histograms(one pixel with RGB (0, 128, 255))")
    floats = asset("assets/cat.png", "RGB") / 255.0
    _expect_value_error(channel_histograms, floats,
                        "float64 image with values in [0, 1]; the docstring asks for ValueError on anything "
                        "but uint8, which numpy.histogram or ax.hist would bin without complaint")


@test_case(points=1, hidden=True)
def test_grey_and_four_channels(channel_histograms):
    camera = asset("assets/camera.png")  # (512, 512)
    counts = oracle(_skimage_histogram, camera)
    _check(channel_histograms(camera), counts[np.newaxis], "channel_histograms(camera of shape (512, 512))")
    want = oracle(_pil_histogram, "assets/cat_rgba.png")
    _check(channel_histograms(asset("assets/cat_rgba.png")), want, "channel_histograms(RGBA cat of shape (300, 451, 4))")


@test_case(points=1, hidden=True)
def test_extremes_and_rank(channel_histograms):
    image = np.zeros((6, 5, 3), dtype=np.uint8)
    image[:2] = 255  # 10 pixels at 255, 20 at 0, in every channel
    want = np.zeros((3, 256), dtype=np.int64)
    want[:, 0], want[:, 255] = 20, 10
    _check(channel_histograms(image), want, "channel_histograms(image of only 0 and 255)")
    noise = np.random.default_rng(6).integers(0, 256, (33, 17, 3), dtype=np.uint8)
    by_bincount = np.stack([np.bincount(noise[..., c].ravel(), minlength=256) for c in range(3)])
    _check(channel_histograms(noise), by_bincount, "channel_histograms(random noise) vs numpy.bincount")
    # one value in more pixels than a uint16 counts (65,535): each row still sums to H * W
    flat = np.full((300, 300, 3), 7, dtype=np.uint8)
    want = np.zeros((3, 256), dtype=np.int64)
    want[:, 7] = 300 * 300
    _check(channel_histograms(flat), want, "channel_histograms(a 300 x 300 image of one value, 90,000 pixels)")
    _expect_value_error(channel_histograms, np.zeros((2, 4, 4, 3), dtype=np.uint8), "a batch of rank 4")
