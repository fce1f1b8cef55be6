"""What the template process imports before it forks runners, and the judge's choice between
the full list and the list without TensorFlow."""

from __future__ import annotations

import re
from pathlib import Path

DEFAULT_PRELOAD = ("numpy", "scipy", "scipy.signal", "scipy.ndimage", "PIL.Image", "PIL.ImageOps",
                   "skimage", "skimage.measure", "skimage.transform", "skimage.color", "skimage.io",
                   "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg",
                   "matplotlib.pyplot", "tensorflow", "keras")
LIGHT_PRELOAD = tuple(m for m in DEFAULT_PRELOAD if m not in ("tensorflow", "keras"))


def preload(modules: list[str]) -> tuple[list[str], dict[str, str]]:
    import importlib
    done, failed = [], {}
    for name in modules:
        try:
            importlib.import_module(name)
            done.append(name)
        except BaseException as e:  # noqa: BLE001 - a missing library only costs speed
            failed[name] = f"{type(e).__name__}: {e}"[:300]
    return done, failed



_TF_RE = re.compile(r"^\s*(import|from)\s+(tensorflow|keras)\b", re.M)


def choose_preload(tests_dir: Path, source: str = "") -> tuple[str, ...]:
    """Everything (TensorFlow/Keras included) when the assignment's tests (the .py files in
    `tests_dir`) or the first submission use TensorFlow or Keras; otherwise the libraries
    without TensorFlow, whose import would cost seconds for nothing."""
    texts = [source]
    if tests_dir.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(tests_dir.glob("*.py"))]
    uses_tf = any(_TF_RE.search(t) for t in texts)
    return tuple(DEFAULT_PRELOAD if uses_tf else LIGHT_PRELOAD)
