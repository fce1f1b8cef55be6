"""image_tensors: the assignment's own assets, and the files its tests and notebook refer to."""

import numpy as np
import pytest
from PIL import Image, UnidentifiedImageError

from _assets import REFERENCE, assert_points_agree, assert_used_assets_shipped, load_module


@pytest.fixture(scope="module")
def maker():
    return load_module(REFERENCE / "image_tensors" / "make_assets.py", "image_tensors_make_assets")


def test_committed_assets_match_their_generator(maker):
    for name, data in maker.assets().items():
        committed = (REFERENCE / "image_tensors" / name).read_bytes()
        assert committed == data, f"reference/image_tensors/{name} differs from make_assets.py; rerun it"


def test_generator_is_deterministic(maker):
    assert maker.assets() == maker.assets()


def test_assets_have_the_properties_the_tests_rely_on():
    folder = REFERENCE / "image_tensors"
    with Image.open(folder / "cat_palette.png") as image:
        assert image.mode == "P" and image.size == (451, 300)
    with Image.open(folder / "camera16.png") as image:
        assert image.mode == "I;16" and np.asarray(image).dtype == np.uint16
        assert np.asarray(image).max() > 255  # really uses 16 bits
    with Image.open(folder / "camera_bilevel.png") as image:
        assert image.mode == "1" and np.asarray(image).dtype == np.bool_
        assert 0.1 < np.asarray(image).mean() < 0.9  # both levels present
    with pytest.raises(UnidentifiedImageError):
        Image.open(folder / "not_an_image.jpg")
    with Image.open(folder / "truncated.png") as image:  # the header reads ...
        assert image.size == (128, 128)
        with pytest.raises(OSError, match="truncated"):  # ... the pixels do not
            image.load()
    with Image.open(REFERENCE / "images" / "cat_rgba.png") as image:
        assert image.mode == "RGBA"
    with Image.open(REFERENCE / "images" / "camera.png") as image:
        assert image.mode == "L"


def test_every_asset_used_is_shipped():
    # a path that must not exist is the point of the missing-file cases
    assert_used_assets_shipped("image_tensors", missing_on_purpose={"no_such_image.png"})


def test_points_agree():
    assert_points_agree("image_tensors")
