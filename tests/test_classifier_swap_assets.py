"""classifier_swap: the synthetic class index, and the files the tests and notebook refer to."""

import ast
import json
import re

import pytest
from PIL import Image, UnidentifiedImageError

from _assets import REFERENCE, ROOT, assert_points_agree, assert_used_assets_shipped, load_module

ASSIGNMENT = ROOT / "assignments" / "classifier_swap"
INDEX = REFERENCE / "classifier_swap" / "class_index.json"


@pytest.fixture(scope="module")
def maker():
    return load_module(REFERENCE / "classifier_swap" / "make_class_index.py", "classifier_swap_make_class_index")


def test_committed_index_matches_its_generator(maker):
    assert INDEX.read_text(encoding="utf-8") == maker.text(), (
        "reference/classifier_swap/class_index.json differs from make_class_index.py; rerun it")
    assert maker.text() == maker.text()


def test_index_has_the_keras_format():
    index = json.loads(INDEX.read_text(encoding="utf-8"))
    assert list(index) == [str(i) for i in range(1000)]
    wnids = [v[0] for v in index.values()]
    labels = [v[1] for v in index.values()]
    assert all(re.fullmatch(r"n\d{8}", w) for w in wnids)
    assert wnids == sorted(wnids) and len(set(wnids)) == 1000  # like the real one: sorted by wnid
    assert len(set(labels)) == 1000 and all(label.startswith("synthetic_") for label in labels)


def test_index_is_not_an_image():
    # q1 uses it as the "not an image" file.
    with pytest.raises(UnidentifiedImageError):
        Image.open(INDEX)


def test_every_asset_used_is_shipped():
    assert_used_assets_shipped("classifier_swap", missing_on_purpose={"no_such_photo.jpg"})


def test_no_test_downloads():
    # Tests must never reach the network: no ImageNet weights, no decoding without an index.
    for source in sorted((ASSIGNMENT / "tests").glob("q*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Constant):
                assert node.value != "imagenet", f"{source.name} asks for ImageNet weights"
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("classify", "decode_top"):
                keywords = {k.arg for k in node.keywords}
                assert "class_index" in keywords, (
                    f"{source.name} line {node.lineno}: {node.func.id} without class_index would download "
                    "Keras's class index")


def test_points_agree():
    assert_points_agree("classifier_swap")
