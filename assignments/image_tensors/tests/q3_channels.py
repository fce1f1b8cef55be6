"""Question 3: channels-last <-> channels-first (oracle: numpy.transpose)."""
import numpy as np
from otter.test_files import test_case
from _checks import asset, expect_error
from _watch import untouched

OK_FORMAT = False

name = "q3_channels"
points = 5


def _check(got, want, call):
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    assert got.shape == want.shape, f"{call}: expected shape {want.shape}, got {got.shape}"
    assert got.dtype == want.dtype, f"{call}: expected dtype {want.dtype} (unchanged), got {got.dtype}"
    assert np.array_equal(got, want), (
        f"{call}: the shape is right but the values are not where numpy.transpose puts them "
        "(a reshape keeps the shape but scrambles the pixels)"
    )


def _expect_value_error(function, x, call):
    expect_error(ValueError, call, function, x)


def _cat():
    return asset("assets/cat.png", "RGB")


@test_case(points=1)
def test_channels_first(to_channels_first):
    cat = _cat()  # (300, 451, 3): H != W, so swapped axes show
    got = untouched("to_channels_first(cat)", to_channels_first, cat)  # a view is fine; a changed cat is not
    _check(got, np.transpose(cat, (2, 0, 1)), "to_channels_first(cat of shape (300, 451, 3))")


@test_case(points=1)
def test_channels_last(to_channels_last):
    planes = np.transpose(_cat(), (2, 0, 1))
    _check(to_channels_last(planes), np.transpose(planes, (1, 2, 0)), "to_channels_last(array of shape (3, 300, 451))")


@test_case(points=1)
def test_smallest_and_wrong_rank(to_channels_first):
    # One pixel: (1, 1, 3) -> (3, 1, 1); one row, one channel: (1, 4, 1) -> (1, 1, 4).
    for shape in [(1, 1, 3), (1, 4, 1), (2, 3, 5)]:
        x = np.arange(np.prod(shape), dtype=np.int32).reshape(shape)
        _check(to_channels_first(x), np.transpose(x, (2, 0, 1)), f"to_channels_first(array of shape {shape})")
    grey = np.zeros((30, 40), dtype=np.uint8)
    _expect_value_error(to_channels_first, grey, "to_channels_first(array of shape (30, 40))")


@test_case(points=1, hidden=True)
def test_batches_round_trip(to_channels_first, to_channels_last):
    rng = np.random.default_rng(7)
    batch = rng.standard_normal((2, 5, 7, 3)).astype(np.float32)
    first = to_channels_first(batch)
    _check(first, np.transpose(batch, (0, 3, 1, 2)), "to_channels_first(batch of shape (2, 5, 7, 3))")
    _check(to_channels_last(first), batch, "to_channels_last(to_channels_first(batch))")
    single = rng.integers(0, 256, (4, 6, 9), dtype=np.uint8)  # (C, H, W) with C = 4
    _check(to_channels_last(single), np.transpose(single, (1, 2, 0)), "to_channels_last(array of shape (4, 6, 9))")


@test_case(points=1, hidden=True)
def test_wrong_rank_both_ways(to_channels_first, to_channels_last):
    x = np.arange(24, dtype=np.float16).reshape(1, 2, 3, 4)  # a batch of one, float16 kept
    _check(to_channels_last(x), np.transpose(x, (0, 2, 3, 1)), "to_channels_last(float16 array of shape (1, 2, 3, 4))")
    _expect_value_error(to_channels_last, np.zeros((30, 40)), "to_channels_last(array of shape (30, 40))")
    _expect_value_error(to_channels_last, np.zeros((1, 2, 3, 4, 5)), "to_channels_last(array of rank 5)")
    _expect_value_error(to_channels_first, np.zeros((1, 2, 3, 4, 5)), "to_channels_first(array of rank 5)")
