"""Write the image_tensors assignment's own assets (the shared photos live in reference/images/).

Run from the repository root: ``python reference/image_tensors/make_assets.py``. The outputs are
committed; ``tests/test_image_tensors_assets.py`` checks they still match what this script makes.

- cat_palette.png   the cat (``skimage.data.chelsea()``) quantised to 64 colours: a palette ('P') image
- camera16.png      the centre 128x128 of ``skimage.data.camera()`` scaled to 16 bits ('I;16')
- camera_bilevel.png  the same crop thresholded at 128: a bilevel ('1') image, read as bool
- not_an_image.jpg  a text file with an image's name: PIL cannot identify it
- truncated.png     the first half of a valid PNG: the header reads, the pixels do not
"""

import io
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

HERE = Path(__file__).resolve().parent


def cat_palette() -> bytes:
    # Median cut and no dithering: the result depends on the pixels only.
    image = Image.fromarray(skimage.data.chelsea()).quantize(
        colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    return _png(image)


def camera16() -> bytes:
    grey = skimage.data.camera()[192:320, 192:320].astype(np.uint16)
    return _png(Image.fromarray(grey * 257))  # 0..255 -> 0..65535


def camera_bilevel() -> bytes:
    grey = skimage.data.camera()[192:320, 192:320]
    return _png(Image.fromarray(grey >= 128))  # a bool array becomes mode "1"


def not_an_image() -> bytes:
    return b"This is a text file named like a JPEG. It holds no pixels.\n"


def truncated() -> bytes:
    whole = _png(Image.fromarray(skimage.data.camera()[:128, :128]))
    return whole[: len(whole) // 2]


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def assets() -> dict[str, bytes]:
    return {
        "cat_palette.png": cat_palette(),
        "camera16.png": camera16(),
        "camera_bilevel.png": camera_bilevel(),
        "not_an_image.jpg": not_an_image(),
        "truncated.png": truncated(),
    }


def main(out: Path = HERE) -> None:
    for name, data in assets().items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
