"""Question 5: edge detection with the 3x3 Laplacian kernel."""
import numpy as np
from otter.test_files import test_case
from _checks import expect_value_errors, oracle
from PIL import Image

OK_FORMAT = False

name = "q5_edges"
points = 3

LAPLACIAN = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=np.float64)
ATOL = 1e-9  # float64 sums of nine terms in [-8, 8]


def _grey(path):
    return oracle(_grey_of, path).copy()  # decoded once per grading process; writable, as before


def _correlate_valid(image):
    import scipy.signal  # here, not at the top: a second to import, and the build records the results
    return scipy.signal.correlate2d(image, LAPLACIAN, mode="valid")


def _ndimage_valid(image):
    import scipy.ndimage
    return scipy.ndimage.correlate(image, LAPLACIAN, mode="constant")[1:-1, 1:-1]


def _camera_patch(path):
    return np.asarray(Image.open(path).convert("L"))[200:240, 100:150]


def _grey_of(path):
    # PIL's ITU-R 601-2 luma, scaled to [0, 1]: the same greyscale the stub's load_grey makes
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


@test_case(points=1)
def test_grey_cat(laplacian_edges):
    grey = _grey("assets/cat.png")
    expected = oracle(_correlate_valid, grey)
    got = np.asarray(laplacian_edges(grey))
    assert got.shape == expected.shape == (298, 449), f"the 300 x 451 cat gives a (298, 449) edge map, got {got.shape}"
    err = float(np.max(np.abs(got - expected)))
    assert err <= ATOL, f"Laplacian edges of the grey cat vs scipy.signal.correlate2d 'valid': largest difference {err:.3g}"


@test_case(points=1)
def test_flat_ramp_and_errors(laplacian_edges):
    ramp = np.add.outer(np.arange(6.0), 2 * np.arange(7.0))  # linear ramp: no edges
    for image, what in [(np.full((5, 5), 0.7), "a flat image"), (ramp, "a linear ramp")]:
        got = np.asarray(laplacian_edges(image))
        assert got.shape == (image.shape[0] - 2, image.shape[1] - 2), f"{what}: expected shape {(image.shape[0] - 2, image.shape[1] - 2)}, got {got.shape}"
        assert np.allclose(got, 0, atol=1e-9), f"{what} has no edges: expected all zeros, got values up to {np.abs(got).max():.3g}"
    small = np.arange(9.0).reshape(3, 3) ** 2  # the smallest image the kernel fits: one value
    got = np.asarray(laplacian_edges(small))
    expected = oracle(_correlate_valid, small)
    assert got.shape == (1, 1) and np.allclose(got, expected, atol=ATOL), (
        f"a 3 x 3 image gives a 1 x 1 edge map {expected.tolist()}, got {got.tolist()}")
    spot = np.zeros((5, 5))
    spot[2, 2] = 1.0
    got = np.asarray(laplacian_edges(spot))
    # the shape first: allclose would broadcast an empty or a (1, 1) answer against the kernel
    assert got.shape == (3, 3), f"a 5 x 5 image gives a 3 x 3 edge map, got shape {got.shape}"
    assert np.allclose(got, LAPLACIAN[::-1, ::-1]), f"a single bright pixel should give the kernel itself, got\n{got}"
    expect_value_errors(laplacian_edges, [(f"laplacian_edges(array of shape {bad.shape}) (needs a 2-D image of at least 3 x 3)",
                                           (bad,)) for bad in (np.zeros((2, 5)), np.zeros((5, 5, 3)))])


@test_case(points=0.5)
def test_integer_and_float32_images(laplacian_edges):
    # The docstring promises float64 whatever grey's dtype. scipy's convolve2d (the lecture's)
    # keeps a uint8 image's integers as int64: convert the image to float64 first.
    grey = oracle(_camera_patch, "assets/camera.png")
    expected = oracle(_correlate_valid, grey.astype(np.float64))
    for image, what in [(grey, "a uint8 image"), (grey.astype(np.float32) / 255, "a float32 image")]:
        got = np.asarray(laplacian_edges(image))
        assert got.dtype == np.float64, (
            f"laplacian_edges on {what}: expected dtype float64 (the course asks for float64 whatever "
            f"the input dtype; the lecture's convolve2d keeps integers), got {got.dtype}")
        scale = 1.0 if image.dtype == np.uint8 else 1 / 255
        assert got.shape == expected.shape and np.allclose(got, expected * scale, atol=1e-5), (
            f"laplacian_edges on {what}: values differ from scipy.signal.correlate2d 'valid'")


@test_case(points=0.5, hidden=True)
def test_camera_vs_ndimage(laplacian_edges):
    grey = _grey("assets/camera.png")
    # scipy.ndimage.correlate centres the kernel; 'valid' is its output without the border ring.
    expected = oracle(_ndimage_valid, grey)
    got = np.asarray(laplacian_edges(grey))
    assert got.shape == expected.shape, f"camera (512 x 512): expected shape {expected.shape}, got {got.shape}"
    err = float(np.max(np.abs(got - expected)))
    assert err <= ATOL, f"Laplacian edges of the camera image vs scipy.ndimage.correlate: largest difference {err:.3g}"
