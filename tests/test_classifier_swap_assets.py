"""classifier_swap: the synthetic class index, and the files the tests and notebook refer to."""

import ast
import importlib.util
import json
import re
import runpy
from pathlib import Path

import pytest
import yaml
from PIL import Image, UnidentifiedImageError

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "classifier_swap"
REFERENCE = ROOT / "reference"
INDEX = REFERENCE / "classifier_swap" / "class_index.json"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maker():
    return _load(REFERENCE / "classifier_swap" / "make_class_index.py", "classifier_swap_make_class_index")


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((ASSIGNMENT / "assignment.yml").read_text())


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


def test_every_asset_used_is_shipped(config):
    shipped = {Path(asset).name for asset in config["assets"]}
    for asset in config["assets"]:
        assert (REFERENCE / asset).is_file(), f"assignment.yml lists {asset}, missing under reference/"
    sources = sorted((ASSIGNMENT / "tests").glob("q*.py")) + [ASSIGNMENT / "templates" / "walkthrough.py.j2"]
    for source in sources:
        text = source.read_text()
        used = set(re.findall(r"assets/([\w.]+\.\w+)", text)) - {"no_such_photo.jpg"}
        assert used <= shipped, f"{source.name} uses assets not in assignment.yml: {sorted(used - shipped)}"
        assert "hidden/" not in text, f"{source.name}: this assignment has no hidden assets"


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


def test_points_agree(config):
    from otter.test_files import ExceptionTestFile

    for question in config["questions"]:
        path = ASSIGNMENT / "tests" / f"{question['name']}.py"
        test_file = ExceptionTestFile.from_file(str(path))
        case_points = sum(case.points for case in test_file.test_cases)
        assert test_file.name == question["name"]
        assert case_points == runpy.run_path(str(path))["points"] == question["points"], question["name"]
        hidden = [case for case in test_file.test_cases if case.hidden]
        public = [case for case in test_file.test_cases if not case.hidden]
        assert hidden and public, f"{question['name']}: needs public and hidden cases"
