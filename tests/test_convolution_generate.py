"""The conv-demo generator (reference/convolution/generate.py): deterministic bytes, puzzles
uniquely solvable from their public facts, and the reference solution solves them for any seed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load(ROOT / "reference" / "convolution" / "generate.py", "conv_demo_generate")
solution = _load(ROOT / "solutions" / "convolution" / "convolution.py", "convolution_solution")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    for run in ("a", "b"):
        gen.generate(tmp_path / run / "public", tmp_path / run / "hidden", 2027)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert first == second
    assert sorted(first) == ["hidden/answers.json", "public/conv_demo.json"] + [
        f"public/conv_demo_{n}.png" for n in range(1, gen.N_PUZZLES + 1)]
    for name, data in first.items():
        if name.endswith(".png"):
            assert data.startswith(b"\x89PNG") and b"Software" not in data and b"tIME" not in data


def test_public_json_holds_no_answers(tmp_path):
    gen.generate(tmp_path / "public", tmp_path / "hidden", 2027)
    text = (tmp_path / "public" / "conv_demo.json").read_text()
    doc = json.loads(text)
    for puzzle in doc["puzzles"].values():
        assert set(puzzle) == {"input", "output", "windows", "image"}
    answers_text = json.dumps(doc["puzzles"])
    for word in ("kernel", "stride", "depth", "padding"):
        assert word not in answers_text


def test_seeds_differ():
    docs = {json.dumps(gen.document(seed)[1], sort_keys=True) for seed in range(8)}
    assert len(docs) == 8


@pytest.mark.parametrize("seed", range(25))
def test_unique_and_both_paddings(seed):
    doc, answers = gen.document(seed)
    assert len(doc["puzzles"]) == gen.N_PUZZLES
    assert {a["padding"] for a in answers.values()} == {"same", "valid"}
    for name, puzzle in doc["puzzles"].items():
        a = answers[name]
        assert gen.solutions(puzzle) == [(a["kernel"], a["stride"], a["padding"])]
        assert puzzle["output"][2] == a["depth"]
        assert solution.output_shape(tuple(puzzle["input"]), a["kernel"], a["stride"], a["depth"],
                                     a["padding"]) == tuple(puzzle["output"])


@pytest.mark.parametrize("seed", [0, 1, 7, 2027, 123456])
def test_solution_solves_any_seed(seed, tmp_path):
    doc, answers = gen.document(seed)
    path = tmp_path / "conv_demo.json"
    path.write_text(gen._dumps(doc))
    assert solution.conv_demo_answers(str(path)) == answers


def test_shipped_picture_for_release_seed(tmp_path):
    """The course seed's pictures render (no exception) and are small enough to ship."""
    import yaml

    seed = yaml.safe_load((ROOT / "course.yml").read_text())["seed"]
    gen.generate(tmp_path / "public", tmp_path / "hidden", seed)
    for png in (tmp_path / "public").glob("*.png"):
        assert 5_000 < png.stat().st_size < 200_000
