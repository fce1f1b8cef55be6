"""The pooling assignment: its reference solution against the oracles on extra inputs, the
stub/solution contract, and the otter tests' power to catch plausible wrong answers.

(The generic checks, solution = full marks, stub = zero, notebook runs, live elsewhere.)
"""
from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "pooling" / "pooling.py"
STUB = ROOT / "assignments" / "pooling" / "pooling.py"
TESTS = ROOT / "assignments" / "pooling" / "tests"
FUNCTIONS = ["pool_output_shape", "max_pool", "average_pool", "dropout", "batch_norm", "conv_block",
             "translation_invariance"]


def _module(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, name, "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def sol():
    spec = importlib.util.spec_from_file_location("pooling_solution", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _keras_pool(keras, x, kind, pool, stride, padding):
    layer = (keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D)(
        pool, strides=stride, padding=padding)
    return np.asarray(layer(x[None].astype(np.float32)))[0]


# --- the reference solution against its oracles, on inputs the otter tests do not use -----------

def test_pooling_matches_keras_and_block_reduce_on_a_sweep(sol, keras):
    from skimage.measure import block_reduce

    rng = np.random.default_rng(2024)
    for _ in range(30):
        h, w, c = (int(v) for v in rng.integers(1, 16, 3))
        pool = tuple(int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 5, 2))
        x = rng.normal(0, 1, (h, w, c)).astype(np.float32)
        for kind, f, reduce in (("max", sol.max_pool, np.max), ("avg", sol.average_pool, np.mean)):
            paddings = ["same"] + (["valid"] if pool[0] <= h and pool[1] <= w else [])
            for padding in paddings:
                want = _keras_pool(keras, x, kind, pool, stride, padding)
                got = f(x, pool, stride, padding)
                assert sol.pool_output_shape(x.shape, pool, stride, padding) == want.shape
                np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
            want = block_reduce(x, pool + (1,), reduce, cval=0)
            np.testing.assert_allclose(f(x, pool, None, "zero"), want, rtol=0, atol=1e-6)
            np.testing.assert_allclose(f(x[..., 0], pool, None, "zero"), want[..., 0], rtol=0, atol=1e-6)


def test_same_and_zero_policies_differ_where_the_readme_says(sol):
    x = -np.arange(1, 26, dtype=np.float32).reshape(5, 5)
    assert sol.pool_output_shape(x.shape, 2, None, "zero") == sol.pool_output_shape(x.shape, 2, None, "same")
    assert sol.max_pool(x, 2, None, "zero")[-1, -1] == 0          # the zero padding wins
    assert sol.max_pool(x, 2, None, "same")[-1, -1] == -25        # -inf padding never does
    ones = np.ones((5, 5), np.float32)
    assert sol.average_pool(ones, 2, None, "zero")[-1, -1] == 0.25    # zeros counted
    assert sol.average_pool(ones, 2, None, "same")[-1, -1] == 1.0     # padding excluded


def test_given_conv2d_matches_keras_for_odd_and_even_kernels(sol, keras):
    rng = np.random.default_rng(1)
    for k in (1, 2, 3, 4, 5):
        x = rng.normal(size=(13, 17, 3)).astype(np.float32)
        kernels = rng.normal(size=(k, k, 3, 4)).astype(np.float32)
        bias = rng.normal(size=4).astype(np.float32)
        layer = keras.layers.Conv2D(4, k, padding="same")
        layer.build((None, 13, 17, 3))
        layer.set_weights([kernels, bias])
        np.testing.assert_allclose(sol.conv2d(x, kernels, bias), np.asarray(layer(x[None]))[0], atol=1e-4)


def test_batch_norm_matches_keras_in_float64_too(sol, keras):
    rng = np.random.default_rng(3)
    x = rng.normal(1.0, 3.0, (4, 7, 7, 5))
    params = [rng.uniform(0.5, 2, 5), rng.normal(size=5), rng.normal(size=5), rng.uniform(0.5, 2, 5)]
    layer = keras.layers.BatchNormalization(momentum=0.5, epsilon=1e-4, dtype="float64")
    layer.build(x.shape)
    layer.set_weights(params)
    y, mean, var = sol.batch_norm(x, *params, True, momentum=0.5, epsilon=1e-4)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, np.asarray(layer(x, training=True)), atol=1e-10)
    np.testing.assert_allclose(mean, layer.moving_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(var, layer.moving_variance.numpy(), atol=1e-12)


def test_dropout_is_seeded_unbiased_and_keeps_float32(sol):
    x = np.ones(400_000, np.float32)
    a, b = sol.dropout(x, 0.25, True, 5), sol.dropout(x, 0.25, True, 5)
    assert a.dtype == np.float32 and np.array_equal(a, b)
    assert abs(np.mean(a == 0) - 0.25) < 5 * np.sqrt(0.25 * 0.75 / x.size)
    assert set(np.unique(a)) == {np.float32(0), np.float32(1) * np.float32(1 / 0.75)}
    assert np.array_equal(sol.dropout(x, 0.25, False, 5), x)


def test_max_pool_is_vectorised_enough(sol):
    """Not a timer: a loop over output pixels would take seconds here, the reference takes milliseconds."""
    import time

    x = np.random.default_rng(0).random((224, 224, 64), dtype=np.float32)
    start = time.perf_counter()
    sol.max_pool(x, 2)
    assert time.perf_counter() - start < 2.0


# --- the stub and the solution agree on everything but the marked regions --------------------

def _defs(path: Path) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef)}


def test_stub_has_the_solution_api_and_docstrings():
    stub, solution = _defs(STUB), _defs(SOLUTION)
    assert list(stub) == list(solution)
    for name in solution:
        assert ast.dump(stub[name].args) == ast.dump(solution[name].args), name
        assert ast.get_docstring(stub[name]) == ast.get_docstring(solution[name]), name
    # the given helper is identical; every student function raises NotImplementedError
    for given in ("conv2d", "avg_pool"):
        assert ast.dump(stub[given]) == ast.dump(solution[given]), given
    for name in FUNCTIONS:
        body = stub[name].body[1:]
        assert len(body) == 1 and isinstance(body[0], ast.Raise), name
        assert "NotImplementedError" in ast.unparse(body[0])


# --- the otter tests catch plausible mistakes ------------------------------------------------

MUTANTS = {
    # max pooling with "same" padding filled with 0 instead of -inf
    "same_max_pads_zero": ('fill = lowest if padding == "same" else 0', "fill = 0", "q2_max_pool"),
    # Keras "same" average divided by the full window, padding included
    "same_avg_counts_padding": ('if padding == "same":\n        # Divide', 'if False:\n        # Divide', "q3_avg_pool"),
    # "same" padding all at the bottom/right
    "same_pads_after_only": ('top, left = (pad_h // 2, pad_w // 2) if padding == "same" else (0, 0)\n    if pad_h',
                             "top, left = (0, 0)\n    if pad_h", "q2_max_pool"),
    # dropout without the inverted scaling
    "dropout_unscaled": ("x * (1.0 / (1.0 - rate))", "x", "q4_dropout"),
    # dropout keeping rate instead of dropping it
    "dropout_keeps_rate": ("random(x.shape) >= rate", "random(x.shape) < rate", "q4_dropout"),
    # unbiased batch variance (Keras uses the biased one)
    "bn_unbiased_variance": ("x.var(axis=axes)", "x.var(axis=axes, ddof=1)", "q5_batch_norm"),
    # momentum applied the wrong way round
    "bn_momentum_swapped": ("moving_mean * momentum + mean * (1 - momentum)",
                            "moving_mean * (1 - momentum) + mean * momentum", "q5_batch_norm"),
    # inference with batch statistics
    "bn_inference_uses_batch": ("    if training:\n        axes", "    if True:\n        axes", "q5_batch_norm"),
    # the zero policy counting windows like "same"
    "zero_counts_like_same": ("out.append(max(-(-(n - k) // s), 0) + 1)", "out.append(-(-n // s))", "q1_output_shape"),
    # a stride of 0 accepted
    "stride_zero_accepted": ("isinstance(v, (int, np.integer)) and v >= 1", "isinstance(v, (int, np.integer)) and v >= 0", "q1_output_shape"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("pooling_tests")
    (d / "assets").mkdir()
    shutil.copy(ROOT / "reference" / "images" / "cat.png", d / "assets" / "cat.png")
    return d


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_otter_tests_catch_mutant(mutant, workdir, monkeypatch, keras):
    from otter.test_files import ExceptionTestFile

    old, new, question = MUTANTS[mutant]
    source = SOLUTION.read_text()
    assert source.count(old) == 1, f"mutant {mutant}: the solution no longer contains {old!r}"
    module = _module(source.replace(old, new), "pooling")
    monkeypatch.chdir(workdir)
    # the test files import their helpers (tests/_checks.py) by a plain top-level import
    monkeypatch.syspath_prepend(str(ROOT / "assignments" / "_shared"))  # the course-wide helpers (_watch)
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.delitem(sys.modules, "_checks", raising=False)
    monkeypatch.delitem(sys.modules, "_watch", raising=False)
    test_file = ExceptionTestFile.from_file(str(TESTS / f"{question}.py"))
    with contextlib.redirect_stdout(io.StringIO()):
        test_file.run(vars(module))
    assert test_file.score < test_file.possible, f"{question} gives the mutant {mutant} full marks"
