"""image_tensors: the reference solution against its oracles on inputs the otter tests do not use,
and the stub's relation to it (same API and docstrings, only the marked regions differ)."""

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import skimage.exposure
import skimage.util
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "image_tensors" / "image_tensors.py"
STUB = ROOT / "assignments" / "image_tensors" / "image_tensors.py"
IMAGES = ROOT / "reference" / "images"
BICUBIC = Image.Resampling.BICUBIC


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sol():
    return _load(SOLUTION, "image_tensors_solution")


@pytest.fixture(scope="module")
def photos(sol):
    return {name: sol.load_image(str(IMAGES / name)) for name in ["cat.png", "coffee.jpg", "astronaut.png"]}


SHAPES = [(1, 1, 3), (2, 3, 3), (17, 5, 3), (5, 17), (64, 64, 3), (100, 37, 3), (37, 100)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("size", [1, 3, 16, 224])
def test_resize_and_crop_is_image_ops_fit_exactly(sol, shape, size):
    image = np.random.default_rng(1000 * sum(shape) + size).integers(0, 256, shape, dtype=np.uint8)
    want = np.asarray(ImageOps.fit(Image.fromarray(image), (size, size), BICUBIC))
    np.testing.assert_array_equal(sol.resize_and_crop(image, size), want)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("size", [1, 3, 16, 224])
def test_thumbnail_is_pil_thumbnail(sol, shape, size):
    image = np.random.default_rng(size).integers(0, 256, shape, dtype=np.uint8)
    picture = Image.fromarray(image)
    picture.thumbnail((size, size), BICUBIC)
    got = sol.thumbnail(image, size)
    np.testing.assert_array_equal(got, np.asarray(picture))
    assert max(got.shape[:2]) == min(size, max(shape[:2]))


def test_resize_on_photos(sol, photos):
    for image in photos.values():
        want = np.asarray(ImageOps.fit(Image.fromarray(image), (224, 224), BICUBIC))
        np.testing.assert_array_equal(sol.resize_and_crop(image), want)


def test_histograms_against_three_oracles(sol, photos):
    rng = np.random.default_rng(1)
    images = list(photos.values()) + [rng.integers(0, 256, (31, 7, 5), dtype=np.uint8)]
    for image in images:
        got = sol.channel_histograms(image)
        by_bincount = np.stack([np.bincount(image[..., c].ravel(), minlength=256) for c in range(image.shape[2])])
        np.testing.assert_array_equal(got, by_bincount)
        by_skimage = np.stack([skimage.exposure.histogram(image[..., c], source_range="dtype")[0]
                               for c in range(image.shape[2])])
        np.testing.assert_array_equal(got, by_skimage)
    cat = photos["cat.png"]
    np.testing.assert_array_equal(sol.channel_histograms(cat).ravel(), Image.fromarray(cat).histogram())


def test_greyscale_within_one_level_of_pil_on_a_million_colours(sol):
    colours = np.random.default_rng(2).integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    want = np.asarray(Image.fromarray(colours).convert("L")).astype(int)
    difference = np.abs(sol.to_greyscale(colours).astype(int) - want)
    assert difference.max() <= 1
    assert difference.mean() < 0.01  # rounding differences only, and rare


def test_centre_patch_against_skimage_crop(sol):
    rng = np.random.default_rng(3)
    for _ in range(50):
        height, width = rng.integers(1, 40, 2)
        h, w = rng.integers(1, height + 1), rng.integers(1, width + 1)
        image = rng.integers(0, 256, (height, width, 2), dtype=np.uint8)
        top, left = (height - h) // 2, (width - w) // 2
        want = skimage.util.crop(image, ((top, height - h - top), (left, width - w - left), (0, 0)))
        np.testing.assert_array_equal(sol.centre_patch(image, (h, w)), want)


def test_channels_round_trip_and_batch(sol, photos):
    cat = photos["cat.png"]
    np.testing.assert_array_equal(sol.to_channels_last(sol.to_channels_first(cat)), cat)
    batch = np.stack(list(photos.values())[:1] * 2)
    assert sol.to_channels_first(batch).shape == (2, 3, 300, 451)


def test_load_image_returns_a_writable_copy(sol):
    image = sol.load_image(str(IMAGES / "camera.png"))
    assert image.flags.writeable and image.shape == (512, 512, 3)


@pytest.mark.parametrize("width, height", [(640, 480), (400, 300), (512, 256), (300, 200), (1000, 250)])
def test_plot_is_exact_size_and_deterministic(sol, photos, width, height):
    hists = sol.channel_histograms(photos["coffee.jpg"])
    first = sol.plot_histograms(hists, width=width, height=height)
    assert first.shape == (height, width, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, sol.plot_histograms(hists, width=width, height=height))


def test_feature_counts_public_facts(sol):
    assert sol.feature_count((224, 224, 3)) == 150528
    # VGG16's three dense layers, as Keras' summary reports them.
    assert sol.dense_params((7, 7, 512), 4096) == 102_764_544
    assert sol.dense_params((4096,), 4096) == 16_781_312
    assert sol.dense_params((4096,), 1000) == 4_097_000
    assert isinstance(sol.dense_params((10**6, 10**6), 10**6), int)


def _functions(path):
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_stub_has_the_solution_api_and_one_todo_region_each():
    stub, solution = _functions(STUB), _functions(SOLUTION)
    assert stub.keys() == solution.keys()
    for name, node in solution.items():
        stub_node = stub[name]
        assert ast.dump(node.args) == ast.dump(stub_node.args), f"{name}: signatures differ"
        assert ast.get_docstring(node) == ast.get_docstring(stub_node), f"{name}: docstrings differ"
        if name.startswith("_") or name == "figure_to_array":  # given helpers: identical
            assert ast.dump(node) == ast.dump(stub_node), f"{name}: a given helper must be identical"
            continue
        body = stub_node.body[1:]  # after the docstring
        assert len(body) == 1 and isinstance(body[0], ast.Raise), f"{name}: stub body should only raise"
        assert ast.unparse(body[0]) == f"raise NotImplementedError('{name}')"
    source = STUB.read_text()
    assert source.count("# TODO:") == source.count("END OF YOUR CODE") == len(stub) - 1
