"""Question 7: plot the histograms and return the picture as an (H, W, 3) uint8 array.

Checked: the exact size, opaque red/green/blue drawing for three channels, that the picture follows
the data (values grow to the right), and the error for a bad shape. The layout is yours: one axes
or one per channel (the lecture's three subplots), lines or bars, labels, ticks, margins.
"""
import numpy as np
from otter.test_files import test_case
from _checks import asset, expect_error, oracle, student

OK_FORMAT = False

name = "q7_histogram_plot"
points = 5

MARGIN = 50  # a "red" pixel: red exceeds green and blue by at least this much (0..255)
SPIKE_PIXELS = 40  # a spike 50 times the other counts is at least this tall in any layout (480 px high)
SPIKE_WIDTH = 64   # and at most this wide: five values of 256 in a 640 px picture, lines or bars


def _cat_hists():
    return oracle(_bincounts, asset("assets/cat.png", "RGB"))


def _bincounts(cat):
    return np.stack([np.bincount(cat[:, :, c].ravel(), minlength=256) for c in range(3)])


def _picture(got, height, width, call):
    assert isinstance(got, np.ndarray), (
        f"{call} should return the rendered picture as a numpy array (use figure_to_array), "
        f"got {type(got).__name__}"
    )
    assert got.shape == (height, width, 3), f"{call}: expected shape {(height, width, 3)}, got {got.shape}"
    assert got.dtype == np.uint8, f"{call}: expected dtype uint8, got {got.dtype}"
    return got.astype(np.int16)


def _mask(picture, channel):
    # np.maximum of two planes: the same as .max(axis=2) over the other two, many times faster
    a, b = (picture[:, :, c] for c in range(3) if c != channel)
    return (picture[:, :, channel] - np.maximum(a, b)) >= MARGIN


def _planes(picture, reduce):
    """reduce (np.minimum or np.maximum) over the three colour planes: .min(axis=2) or .max(axis=2),
    without numpy's slow reduction along a short last axis."""
    return reduce(reduce(picture[:, :, 0], picture[:, :, 1]), picture[:, :, 2])


@test_case(points=1)
def test_picture_size(plot_histograms):
    hists = _cat_hists()
    # The small picture test_small_picture_and_bad_shape asks for too (one render for both,
    # issue 16): any size but the default shows whether width and height are honoured.
    _picture(student(plot_histograms, hists, width=200, height=100), 100, 200, "plot_histograms(hists, width=200, height=100)")
    _picture(student(plot_histograms, hists), 480, 640, "plot_histograms(hists) (default 640 x 480)")


@test_case(points=1)
def test_three_coloured_lines(plot_histograms):
    hists = _cat_hists()
    # The default-size picture test_picture_size asked for, when it is 640 x 480 (one render
    # fewer, issue 16); otherwise asked for by size, so that wrong defaults cost one case only.
    try:
        picture = student(plot_histograms, hists)
    except Exception:  # noqa: BLE001 - test_picture_size reports it; this case asks by size
        picture = None
    if not (isinstance(picture, np.ndarray) and picture.shape == (480, 640, 3)):
        picture = student(plot_histograms, hists, width=640, height=480)
    picture = _picture(picture, 480, 640, "plot_histograms(cat hists)")
    not_white = (_planes(picture, np.minimum) < 250).mean()   # (picture < 250).any(axis=2).mean()
    assert not_white > 0.01, f"the picture is almost blank: only {not_white:.2%} of its pixels are not white"
    for channel, colour in enumerate(["red", "green", "blue"]):
        count = int(_mask(picture, channel).sum())
        assert count >= 20, (
            f"channel {channel} should be drawn as an opaque {colour} line; "
            f"found {count} clearly {colour} pixels, expected at least 20"
        )


@test_case(points=1)
def test_small_picture_and_bad_shape(plot_histograms):
    _picture(student(plot_histograms, _cat_hists(), width=200, height=100), 100, 200, "plot_histograms(hists, width=200, height=100)")
    for shape in [(3, 100), (2, 256), (256,)]:
        expect_error(ValueError, f"plot_histograms(array of shape {shape})", plot_histograms, np.ones(shape))


@test_case(points=1, hidden=True)
def test_one_channel(plot_histograms):
    camera = asset("assets/camera.png")
    hists = np.bincount(camera.ravel(), minlength=256)[np.newaxis]
    picture = _picture(student(plot_histograms, hists, width=512, height=256), 256, 512, "plot_histograms(grey hists of shape (1, 256))")
    dark = int((_planes(picture, np.maximum) < 100).sum())
    assert dark >= 200, f"a single channel should be drawn as a black line: found only {dark} dark pixels"
    # the axes' own text is dark too: the line must also not be drawn in a colour
    coloured = max(int(_mask(picture, channel).sum()) for channel in range(3))
    assert coloured < 20, (
        f"a single channel should be drawn as a black line: found {coloured} clearly red, green or blue pixels")


@test_case(points=1, hidden=True)
def test_follows_the_data(plot_histograms):
    # Channel 0 (red) is low except two spikes five values wide (so that bars of one value each,
    # sub-pixel wide in three side-by-side axes where Agg may drop a lone one, still draw them):
    # a tall one at value 40 and one half as tall at 215; channels 1 and 2 flat. One picture
    # tells both where channel 0 is drawn and which way the values grow (issue 16: it was two).
    hists = np.full((3, 256), 100)
    hists[0] = 10  # not 0: a log scale (allowed) draws nothing at 0
    hists[0, 38:43] = 5000
    hists[0, 213:218] = 2500
    call = "plot_histograms(channel 0 low except a spike at value 40 and one half as tall at 215, channels 1 and 2 flat)"
    picture = _picture(student(plot_histograms, hists, width=640, height=480), 480, 640, call)
    red = _mask(picture, 0).sum(axis=0)
    tall = int((red >= SPIKE_PIXELS).sum())
    # The spikes make a few tall red columns; none, or a wide block of them, means channel 0 is
    # not the red drawing.
    assert 1 <= tall <= 2 * SPIKE_WIDTH, (
        f"{call}: channel 0 should be drawn in red as narrow spikes; found {tall} columns of the picture "
        f"with at least {SPIKE_PIXELS} clearly red pixels (expected 1 to {2 * SPIKE_WIDTH}): is channel 0 the red one?"
    )
    # Layout-free: the tallest red column is the spike at 40, and the other spike is the reddest
    # column well away from it (in one axes ~400 px apart, in three side-by-side axes ~120).
    first = int(red.argmax())
    away = np.abs(np.arange(red.size) - first) >= 64
    second = int(np.where(away, red, -1).argmax())
    assert red[second] >= 10, (
        f"{call}: both spikes should be drawn in red, well apart; found one at x = {first} (of 640) and no "
        f"other red column at least 64 pixels away from it"
    )
    assert second > first, (
        f"{call}: the spike at value 40 should be drawn to the left of the one at 215 (values grow from "
        f"left to right); the taller red spike is at x = {first}, the other at x = {second} (of 640)"
    )
