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
REPEATS = 15


def _solution():
    spec = importlib.util.spec_from_file_location("image_tensors_solution", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(function, repeats=REPEATS):
    function()  # warm up caches and lazy imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


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
        ours = _best(lambda: sol.channel_histograms(image))
        per_channel = _best(lambda: [np.bincount(image[:, :, c].ravel(), minlength=256) for c in range(3)])
        rows.append(_row(f"channel_histograms, {label}", ours, "numpy.bincount per channel", per_channel, 1.5,
                         "ours is bincount per channel plus np.stack"))
        pil = _best(lambda: Image.fromarray(image).histogram())
        rows.append(_row(f"channel_histograms, {label}", ours, "PIL Image.histogram", pil, 5,
                         "PIL counts all channels in one C pass"))
        skim = _best(lambda: [skimage.exposure.histogram(image[:, :, c], source_range="dtype") for c in range(3)],
                     repeats=5)
        rows.append(_row(f"channel_histograms, {label}", ours, "skimage.exposure.histogram", skim, 1.5,
                         "scikit-image also returns bin centres"))

    for label, image in [("cat 300x451", cat), ("noise 1024x1024", big)]:
        ours = _best(lambda: sol.to_greyscale(image))
        pil = _best(lambda: np.asarray(Image.fromarray(image).convert("L")))
        rows.append(_row(f"to_greyscale, {label}", ours, "PIL convert('L')", pil, 3,
                         "ours: float32 matmul + rint; PIL: fixed-point integer C loop"))

    for label, image in [("cat 300x451", cat), ("noise 1024x1024", big)]:
        ours = _best(lambda: sol.resize_and_crop(image, 224))
        pil = _best(lambda: np.asarray(ImageOps.fit(Image.fromarray(image), (224, 224), bicubic)))
        rows.append(_row(f"resize_and_crop to 224, {label}", ours, "PIL ImageOps.fit", pil, 1.2,
                         "same resampler (Image.resize with a box); identical pixels"))

    ours = _best(lambda: sol.thumbnail(big, 224))

    def pil_thumbnail():
        picture = Image.fromarray(big)
        picture.thumbnail((224, 224), bicubic)
        return np.asarray(picture)

    rows.append(_row("thumbnail to 224, noise 1024x1024", ours, "PIL Image.thumbnail", _best(pil_thumbnail), 1.2,
                     "ours wraps Image.thumbnail"))

    return rows


if __name__ == "__main__":
    for row in bench():
        peer = "-" if row["peer"] is None else f"{row['peer'] * 1e3:8.3f} ms"
        print(f"{row['what']:52s} ours {row['ours'] * 1e3:8.3f} ms | {row['peer_name']:28s} {peer} "
              f"| {row['target']:10s} met={row['met']}  {row['note']}")
