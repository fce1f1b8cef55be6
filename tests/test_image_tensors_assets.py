"""image_tensors: the assignment's own assets, and the files its tests and notebook refer to."""

import ast
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image, UnidentifiedImageError

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "image_tensors"
REFERENCE = ROOT / "reference"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maker():
    return _load(REFERENCE / "image_tensors" / "make_assets.py", "image_tensors_make_assets")


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((ASSIGNMENT / "assignment.yml").read_text())


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


def test_every_asset_used_is_shipped(config):
    shipped = {Path(asset).name for asset in config["assets"]}
    for asset in config["assets"]:
        assert (REFERENCE / asset).is_file(), f"assignment.yml lists {asset}, missing under reference/"
    sources = sorted((ASSIGNMENT / "tests").glob("q*.py")) + [ASSIGNMENT / "templates" / "walkthrough.py.j2"]
    for source in sources:
        used = set(re.findall(r"assets/([\w.]+\.\w+)", source.read_text()))
        # a path that must not exist is the point of the missing-file cases
        used -= {"no_such_image.png"}
        assert used <= shipped, f"{source.name} uses assets not in assignment.yml: {sorted(used - shipped)}"
        assert "hidden/" not in source.read_text(), f"{source.name}: this assignment has no hidden assets"


def test_points_agree(config):
    from autograder.testfiles import load  # otter's loader, with the tests' helper modules importable

    for question in config["questions"]:
        test_file = load(ASSIGNMENT / "tests" / f"{question['name']}.py")
        case_points = sum(case.points for case in test_file.test_cases)
        assert test_file.name == question["name"]
        source = (ASSIGNMENT / "tests" / f"{question['name']}.py").read_text()
        declared = next(ast.literal_eval(node.value) for node in ast.parse(source).body  # the file's `points`
                        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "points")
        assert case_points == declared, f"{question['name']}: cases give {case_points}, the file says {declared}"
        assert case_points == question["points"], (
            f"{question['name']}: cases give {case_points} points, assignment.yml says {question['points']}"
        )
        hidden = [case for case in test_file.test_cases if case.hidden]
        public = [case for case in test_file.test_cases if not case.hidden]
        assert hidden and public, f"{question['name']}: needs public and hidden cases"
