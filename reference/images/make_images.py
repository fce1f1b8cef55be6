"""Write the course's shared images from scikit-image's bundled photos.

Run from the repository root: ``python reference/images/make_images.py``. The outputs are
committed; ``tests/test_reference_images.py`` checks they still match what this script makes.

- cat.jpg      the seed's cat photo: ``skimage.data.chelsea()``, JPEG quality 95 (300x451 RGB)
- cat.png      the same pixels, lossless
- coffee.jpg   ``skimage.data.coffee()``, JPEG quality 95 (400x600 RGB)
- rocket.jpg   ``skimage.data.rocket()``, JPEG quality 95 (427x640 RGB), a wide image
- astronaut.png ``skimage.data.astronaut()`` (512x512 RGB)
- camera.png   ``skimage.data.camera()``, a greyscale ('L') image (512x512)
- cat_rgba.png the cat with an alpha channel fading left to right ('RGBA')
"""

from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

HERE = Path(__file__).resolve().parent
JPEG_QUALITY = 95


def cat_rgba() -> Image.Image:
    rgb = skimage.data.chelsea()
    alpha = np.linspace(64, 255, rgb.shape[1]).astype(np.uint8)
    alpha = np.broadcast_to(alpha, rgb.shape[:2])
    return Image.fromarray(np.dstack([rgb, alpha]), mode="RGBA")


def images() -> dict[str, Image.Image]:
    return {
        "cat.jpg": Image.fromarray(skimage.data.chelsea()),
        "cat.png": Image.fromarray(skimage.data.chelsea()),
        "coffee.jpg": Image.fromarray(skimage.data.coffee()),
        "rocket.jpg": Image.fromarray(skimage.data.rocket()),
        "astronaut.png": Image.fromarray(skimage.data.astronaut()),
        "camera.png": Image.fromarray(skimage.data.camera(), mode="L"),
        "cat_rgba.png": cat_rgba(),
    }


def main(out: Path = HERE) -> None:
    for name, image in images().items():
        if name.endswith(".jpg"):
            image.save(out / name, quality=JPEG_QUALITY)
        else:
            image.save(out / name, optimize=False)


if __name__ == "__main__":
    main()
