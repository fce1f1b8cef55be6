"""Benchmark: the image_tensors reference solution against its library peers (PIL, numpy, scikit-image).

Each row times one operation on the same input, best of several repeats. The peers receive a numpy
array too, so converting it to a PIL image (and back) is part of their time, as it is of ours.
"""

import importlib.util
import time
from pathlib import Path

import numpy as np
import skimage.exposure
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "image_tensors" / "image_tensors.py"
IMAGES = ROOT / "reference" / "images"
REPEATS = 30


def _solution():
    spec = importlib.util.spec_from_file_location("image_tensors_solution", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(ours, peer, repeats=REPEATS):
    """Best times of two functions, called alternately so that both see the same machine load."""
    ours(), peer()  # warm up caches and lazy imports
    times = {ours: [], peer: []}
    for _ in range(repeats):
        for function in (ours, peer):
            start = time.perf_counter()
            function()
            times[function].append(time.perf_counter() - start)
    return min(times[ours]), min(times[peer])


def _timed(ours, peer_name, peer):
    ours_time, peer_time = _best(ours, peer)
    return ours_time, peer_name, peer_time


def _row(what, ours, peer_name, peer, factor, note):
    return {
        "what": what,
        "ours": ours,
        "peer_name": peer_name,
        "peer": peer,
        "target": f"within {factor:g}x",
        "met": ours <= factor * peer,
        "note": note,
    }


def bench() -> list[dict]:
    sol = _solution()
    cat = sol.load_image(str(IMAGES / "cat.png"))  # 300 x 451 x 3
    big = np.random.default_rng(0).integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    bicubic = Image.Resampling.BICUBIC
    rows = []

    for label, image in [("cat 300x451", cat), ("noise 1024x1024", big)]:
        def ours():
            return sol.channel_histograms(image)

        peers = [
            ("numpy.bincount per channel", 1.5, "ours is bincount per channel plus np.stack",
             lambda: [np.bincount(image[:, :, c].ravel(), minlength=256) for c in range(3)]),
            ("PIL Image.histogram", 6, "PIL counts all channels in one C pass; bincount widens each to int64 "
             "(about 3x apart on a quiet machine)",
             lambda: Image.fromarray(image).histogram()),
            ("skimage.exposure.histogram", 1.5, "scikit-image also returns bin centres",
             lambda: [skimage.exposure.histogram(image[:, :, c], source_range="dtype") for c in range(3)]),
        ]
        for peer_name, factor, note, peer in peers:
            rows.append(_row(f"channel_histograms, {label}", *_timed(ours, peer_name, peer), factor, note))

        rows.append(_row(f"to_greyscale, {label}",
                         *_timed(lambda: sol.to_greyscale(image), "PIL convert('L')",
                                 lambda: np.asarray(Image.fromarray(image).convert("L"))),
                         3, "ours: float32 matmul + rint; PIL: fixed-point integer C loop"))

        rows.append(_row(f"resize_and_crop to 224, {label}",
                         *_timed(lambda: sol.resize_and_crop(image, 224), "PIL ImageOps.fit",
                                 lambda: np.asarray(ImageOps.fit(Image.fromarray(image), (224, 224), bicubic))),
                         1.2, "same resampler (Image.resize with a box); identical pixels"))

        def pil_thumbnail():
            picture = Image.fromarray(image)
            picture.thumbnail((224, 224), bicubic)
            return np.asarray(picture)

        rows.append(_row(f"thumbnail to 224, {label}",
                         *_timed(lambda: sol.thumbnail(image, 224), "PIL Image.thumbnail", pil_thumbnail),
                         1.2, "ours wraps Image.thumbnail"))
    return rows


if __name__ == "__main__":
    for row in bench():
        peer = "-" if row["peer"] is None else f"{row['peer'] * 1e3:8.3f} ms"
        print(f"{row['what']:52s} ours {row['ours'] * 1e3:8.3f} ms | {row['peer_name']:28s} {peer} "
              f"| {row['target']:10s} met={row['met']}  {row['note']}")
