"""Write ``class_index.json``: a synthetic 1000-class index for offline tests and notebooks.

Run from the repository root: ``python reference/classifier_swap/make_class_index.py``. The
output is committed; ``tests/test_classifier_swap_assets.py`` checks it still matches.

The file has the format of Keras's ``imagenet_class_index.json`` (``{"0": [wnid, label], ...}``)
so ``decode_top`` and ``classify`` can be exercised without downloading the real index. Its
wnids look like WordNet ids (``n`` and 8 digits, sorted, unique) and its labels say plainly
that they are synthetic (``synthetic_class_042``): predictions decoded with it mean nothing.
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NUM_CLASSES = 1000
SEED = 6  # issue 6


def class_index(seed: int = SEED) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    # Real wnids are noun offsets "n0..." sorted by number; draw distinct ones the same way.
    numbers = np.sort(rng.choice(np.arange(1_000_000, 15_000_000), NUM_CLASSES, replace=False))
    return {str(i): [f"n{int(n):08d}", f"synthetic_class_{i:03d}"] for i, n in enumerate(numbers)}


def text(seed: int = SEED) -> str:
    return json.dumps(class_index(seed)) + "\n"


def main(out: Path = HERE) -> None:
    (out / "class_index.json").write_text(text(), encoding="utf-8")


if __name__ == "__main__":
    main()
