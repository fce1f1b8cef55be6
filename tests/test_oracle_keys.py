"""The keys under which the assignments' `_checks.oracle` looks up results (assignments/_shared/
_oracles.py): a build's recorded store (autograder/grading/oracles.py) is found by them, so they
must not change with the helpers' code. The golden values were computed by each assignment's
own `_checks.py` before the memo moved to _oracles.py; each assignment keeps its own key shape
(convolution's has no "oracle" prefix and keys files at any depth, image_tensors' keys argument
by argument, with arrays' layout)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from autograder.grading import oracles
from conftest import ROOT

SLUGS = ("activations", "convolution", "image_tensors", "pooling")
HELPERS = ("_checks", "_oracles", "_readable", "_watch")

# oracles.digest(key) (the hash of the key's repr, as the store names it) for each case below
GOLDEN = {
    "activations": {"small": "273fc1b39d45ce95495d0f3995e30f45b54e199d",
                    "large": "503a0a3267c40acbd755b2a74eecaeb4fcaef31d",
                    "nested": "25fe4af86706e375a76458248b6b7131096b9d13",
                    "file": "dd46107a533d2027ea7cb4ece8cdc04b684a5fa7",
                    "nested_file": "ea2fb1c7c3a32bd9347749de466e3fa4de11a2dc",
                    "layout": "a8834dd9975c58f1fd531a95003c2681bdb875cb",
                    "dict": "3d4148829884e4b31c591e4eb84a389b37b49258",
                    "computed": "b0412fa9dcf77601725aa95a85662cf33bf6b0a5"},
    "convolution": {"small": "310950733f5222f4ea6d79b738e3568cff566a40",
                    "large": "7063ea6cbb4d055574515732ae0ac696b85570ad",
                    "nested": "242688d4e3e8cc1ce44ddd550c2af395ec8344d0",
                    "file": "d56da7ac4f10a0625965a1d0132b05cdf97a5904",
                    "nested_file": "1aa5f2b949f77a7f2ab5ebee3898b0a87474b36a",
                    "layout": "63732d4dadbf884d7c46a84968207eaeaa10c633",
                    "dict": "8e1249807d2ec7865a22973708e301ed7cbb2df9"},
    "image_tensors": {"small": "449075a75151e1a4876cbbedf8ddd5a85581a15a",
                      "large": "2152fd7f7031b72f62d6666eb6c648b8c84b6168",
                      "nested": "aeecaf6f0001452bdd700ca5b904ab43c25db676",
                      "file": "0305c5dfe787542dc361191c518bca7bcfe68944",
                      "nested_file": "6fc25c1233618626b2f6fbe5ce59845a0e613d18",
                      "layout": "7fa0e0fd11f0f0a4e1c34dda913aff3c34b65f99",
                      "dict": "3d20a037fd485bda46fc77cff8a2ca0bd8dcae03",
                      "computed": "cb53dc86de053070c08a8bff210d557388e40250"},
}
GOLDEN["pooling"] = GOLDEN["activations"]  # the two key alike: only the function tells them apart

# A few keys in full (bytes digests shown as hex), so a change shows where it is.
SMALL_ARGS = (("array", "<f4", (2, 3), "4edaf0fe20d221bc27cb2558c661fea0"), ("str", "'same'"),
              ("tuple", ("int", "2"), ("int", "2")), ("NoneType", "None"))
GOLDEN_FILE = "c106076fd0d3b26e545fe5452758ef32"
KEYS = {
    ("pooling", "small"): ("oracle", "q9_golden", "_reference", ("tuple",) + SMALL_ARGS),
    ("pooling", "computed"): ("computed", "q9_golden", "_reference", ("tuple",) + SMALL_ARGS),
    ("convolution", "small"): ("q9_golden", "_reference", ("tuple",) + SMALL_ARGS),
    ("convolution", "nested_file"): ("q9_golden", "_reference",
                                     ("tuple", ("tuple", ("file", "assets/golden.bin", GOLDEN_FILE), ("int", "1")))),
    ("image_tensors", "file"): ("oracle", "q9_golden", "_reference", (("file", "assets/golden.bin", GOLDEN_FILE),)),
    ("image_tensors", "nested_file"): ("oracle", "q9_golden", "_reference",
                                       (("tuple", ("str", "'assets/golden.bin'"), ("int", "1")),)),
    ("image_tensors", "layout"): ("oracle", "q9_golden", "_reference",
                                  (("array", "<i4", (3, 2), False, True, "d600ed41eaf255c3e0af035e91cecb3b"),
                                   ("array", "|u1", (2, 2), True, False, "065d3c3acbc64913edfbecdf0a389cbd"))),
}


def _reference(*args):
    return np.zeros(1)


_reference.__module__, _reference.__qualname__ = "q9_golden", "_reference"  # as a test file's function


def _arguments():
    view = np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2]
    frozen = np.ones((2, 2), np.uint8)
    frozen.setflags(write=False)
    return {
        "small": (np.arange(6, dtype=np.float32).reshape(2, 3), "same", (2, 2), None),
        "large": (np.arange(10000, dtype=np.float64),),  # past _SEEN_MIN_BYTES
        "nested": ((1, (2.5, "s")), [3, True], b"xy"),
        "file": ("assets/golden.bin",),
        "nested_file": (("assets/golden.bin", 1),),
        "layout": (view, frozen),
        "dict": ({"a": 1},),
    }


def _hexed(value):
    if isinstance(value, bytes):
        return value.hex()
    return tuple(_hexed(v) for v in value) if isinstance(value, tuple) else value


class _Store:
    """Stands in for the recorded store: notes each key asked."""

    def __init__(self):
        self.keys = []

    def cached(self, key, function, args):
        self.keys.append(key)
        return function(*args)


def _load(slug, monkeypatch, helper="_checks"):
    """A fresh `_checks` of the assignment (or the `_oracles` it imports), as testfiles.load
    gives each test file."""
    for name in HELPERS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.syspath_prepend(str(ROOT / "assignments" / "_shared"))
    monkeypatch.syspath_prepend(str(ROOT / "assignments" / slug / "tests"))
    importlib.import_module("_checks")
    module = sys.modules[helper]
    for name in HELPERS:
        sys.modules.pop(name, None)
    return module


@pytest.fixture
def in_assets(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "golden.bin").write_bytes(b"golden " * 10)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("slug", SLUGS)
def test_oracle_keys_are_the_golden_ones(slug, in_assets, monkeypatch):
    checks = _load(slug, monkeypatch)
    store = _Store()
    checks._memo.recorded = store
    got = {}
    for case, args in _arguments().items():
        first = checks.oracle(_reference, *args)
        assert checks.oracle(_reference, *args) is first  # the second call: from the memo, the store not asked
        assert len(store.keys) == 1, (case, store.keys)
        got[case] = store.keys.pop()
    if hasattr(checks, "computed"):
        results = set(checks._memo.results)
        checks.computed(_reference, *_arguments()["small"])
        (got["computed"],) = set(checks._memo.results) - results
        assert not store.keys  # computed: never the store's
    assert {case: oracles.digest(key) for case, key in got.items()} == GOLDEN[slug]
    for (which, case), key in KEYS.items():
        if which == slug:
            assert _hexed(got[case]) == key, case


def test_large_arrays_keep_their_key_and_the_seen_memo_stays_bounded(monkeypatch):
    shared = _load("pooling", monkeypatch, "_oracles")
    big = np.arange(10000, dtype=np.float64)
    first = shared.content_key(big)
    assert shared.content_key(big.copy()) == first  # found among the bytes seen
    for k in range(2, 10):
        shared.content_key(big * k)
    assert shared._SEEN and all(len(kept) <= shared._SEEN_KEEP for kept in shared._SEEN.values())
    assert shared.content_key(big.copy()) == first  # a digest forgotten is made again, the same


@pytest.mark.parametrize("slug", SLUGS)
def test_results_come_back_read_only(slug, monkeypatch):
    checks = _load(slug, monkeypatch)
    checks._memo.recorded = None
    got = checks.oracle(lambda n: (np.arange(n), np.ones(n)), 3)
    assert got[0].tolist() == [0, 1, 2]
    if slug != "image_tensors":  # its results are kept as they come, arrays read-only (its _frozen)
        assert not any(a.flags.writeable for a in got)
    single = checks.oracle(lambda n: np.arange(n), 4)
    assert not single.flags.writeable
    with pytest.raises(ValueError):
        single[0] = 1


def test_a_students_copy_computes_every_oracle_without_autograder():
    """The copy students run (plain python, pytest or otter check) has no `autograder`: every
    oracle is computed, with the same memo."""
    code = textwrap.dedent(f"""
        import sys
        sys.modules["autograder"] = None  # as on a student's machine
        sys.path[0:0] = [{str(ROOT / "assignments" / "_shared")!r}]
        import numpy as np
        for slug in {SLUGS!r}:
            for name in {HELPERS!r}:
                sys.modules.pop(name, None)
            sys.path.insert(0, {str(ROOT / "assignments")!r} + "/" + slug + "/tests")
            import _checks
            sys.path.pop(0)
            assert _checks._recorded is None and _checks._memo.recorded is None, slug
            calls = []
            def twice(x):
                calls.append(x)
                return x * 2
            assert _checks.oracle(twice, np.arange(3)).tolist() == [0, 2, 4]
            assert _checks.oracle(twice, np.arange(3)).tolist() == [0, 2, 4] and len(calls) == 1, slug
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
