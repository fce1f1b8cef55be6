"""Question 9: how many numbers an image is, and what a Dense layer on them costs.

Oracles: math.prod, and the parameter counts Keras reports for VGG16's dense layers
(fc1 102,764,544; fc2 16,781,312; predictions 4,097,000).
"""
import math

import numpy as np
from otter.test_files import test_case
from _checks import expect_error

OK_FORMAT = False

name = "q9_feature_counts"
points = 4


def _check(got, want, call):
    assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), (
        f"{call} should return an int, got {type(got).__name__}"
    )
    assert int(got) == want, f"{call}: expected {want:,}, got {int(got):,}"


def _expect_value_error(function, label, *args):
    expect_error(ValueError, f"{label}{args!r}", function, *args)


@test_case(points=1)
def test_image_features(feature_count):
    _check(feature_count((224, 224, 3)), 150528, "feature_count((224, 224, 3))")
    _check(feature_count((300, 451, 3)), math.prod((300, 451, 3)), "feature_count((300, 451, 3))")


@test_case(points=1)
def test_dense_params(dense_params):
    _check(dense_params((224, 224, 3), 1000), 150528 * 1000 + 1000, "dense_params((224, 224, 3), 1000)")
    _check(dense_params((7, 7, 512), 4096), 102_764_544, "dense_params((7, 7, 512), 4096) (VGG16's fc1)")


@test_case(points=1)
def test_smallest_and_bad_arguments(feature_count, dense_params):
    _check(feature_count((1,)), 1, "feature_count((1,))")
    _check(feature_count([2, 1, 3]), 6, "feature_count([2, 1, 3]) (a list works as well as a tuple)")
    _check(dense_params((1, 1, 1), 1), 2, "dense_params((1, 1, 1), 1)")
    _expect_value_error(feature_count, "feature_count", ())
    _expect_value_error(feature_count, "feature_count", (224, 0, 3))
    _expect_value_error(dense_params, "dense_params", (224, 224, 3), 0)


@test_case(points=1, hidden=True)
def test_no_bias_large_and_negative(feature_count, dense_params):
    _check(dense_params((28, 28, 1), 10, use_bias=False), 7840, "dense_params((28, 28, 1), 10, use_bias=False)")
    _check(dense_params((4096,), 4096), 16_781_312, "dense_params((4096,), 4096) (VGG16's fc2)")
    _check(dense_params((4096,), 1000), 4_097_000, "dense_params((4096,), 1000) (VGG16's predictions)")
    big = (4096, 4096, 3)  # more weights than an int32 holds
    _check(dense_params(big, 4096), math.prod(big) * 4096 + 4096, "dense_params((4096, 4096, 3), 4096)")
    huge = (2**32, 2**32, 3)  # more values than an int64 holds: "exact, however large"
    _check(feature_count(huge), math.prod(huge), "feature_count((2**32, 2**32, 3))")
    _expect_value_error(feature_count, "feature_count", (-1, 3))
    _expect_value_error(dense_params, "dense_params", (7, 7, 512), -5)
