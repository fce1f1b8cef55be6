"""Images as tensors.

A photo on disk becomes a rank-3 array of numbers: height x width x channels, one byte per
value. This assignment walks from the file to that tensor and back to pictures: load and
describe images, move the channel axis, crop, resize two ways, count pixel values per channel,
plot the counts, convert to greyscale, and count how many numbers a network's first layer sees.

Conventions used throughout:
- an image array has shape (H, W, 3) (RGB) or (H, W) (one channel) and dtype uint8 (0..255);
- PIL's ``Image.size`` is (width, height), numpy's ``shape`` is (height, width, channels);
- functions never modify their input arrays.
"""

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image, ImageOps

# Dots per inch of the histogram plot: figsize in inches = pixels / DPI.
DPI = 100


def figure_to_array(fig):
    """Render a matplotlib Figure and return its pixels (given helper, nothing to do here).

    Args:
        fig: a matplotlib ``Figure``. Make it with ``matplotlib.figure.Figure(...)`` rather than
            ``plt.figure()``, so that no window or notebook output is left open.
    Returns:
        numpy array of shape (H, W, 3), dtype uint8: the rendered RGB picture, where
        H = height in inches * dpi and W = width in inches * dpi.
    """
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.array(canvas.buffer_rgba())[..., :3]


# --------------------------------------------------------------------------------------------
# Question 1
# --------------------------------------------------------------------------------------------
def load_image(path):
    """Load an image file as an RGB array.

    Whatever the file's mode, the result has three channels: greyscale ('L') is repeated into
    R, G and B; a palette image ('P') is looked up; an alpha channel ('RGBA') is dropped, not
    blended. This is exactly ``PIL.Image.open(path).convert("RGB")``.

    Args:
        path: str, path of the image file (PNG, JPEG, ... anything PIL reads).
    Returns:
        numpy array of shape (H, W, 3), dtype uint8 (numpy.array of a PIL image is writable,
        numpy.asarray may be read-only: either is accepted).
    Raises:
        FileNotFoundError: if there is no file at ``path``.
        ValueError: if the file is not an image PIL can read (not an image at all, or a
            truncated one); the message contains ``path``.
    """
    ###########################################################################
    # TODO: open the file with PIL, convert it to RGB and return an array.    #
    # Hint: PIL reads pixels lazily; convert() is where a truncated file      #
    # fails. FileNotFoundError is a kind of OSError: let it through.          #
    ###########################################################################
    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB")  # reads every pixel, so broken files fail here
    except FileNotFoundError:
        raise
    except OSError as error:  # includes PIL.UnidentifiedImageError
        raise ValueError(f"{path} is not an image PIL can read: {error}") from error
    return np.array(rgb)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 2
# --------------------------------------------------------------------------------------------
def describe_image(path):
    """Describe an image file as stored, before any conversion.

    Args:
        path: str, path of the image file.
    Returns:
        dict with exactly these keys:
            "mode":  str, PIL's mode of the file, e.g. "RGB", "L", "RGBA", "P", "I;16";
            "size":  tuple (width, height) of ints, as PIL reports it;
            "shape": tuple of ints, the shape of ``numpy.asarray`` of the image,
                     e.g. (height, width, 3) for RGB, (height, width) for L or P;
            "dtype": str, that array's dtype name, e.g. "uint8" or "uint16";
            "rank":  int, that array's number of axes.
    Raises:
        FileNotFoundError: if there is no file at ``path``.
        ValueError: if the file is not an image PIL can read; the message contains ``path``.
    """
    ###########################################################################
    # TODO: open the image without converting it and fill in the dict.        #
    ###########################################################################
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image)
            mode, size = image.mode, image.size
    except FileNotFoundError:
        raise
    except OSError as error:
        raise ValueError(f"{path} is not an image PIL can read: {error}") from error
    return {
        "mode": mode,
        "size": tuple(size),
        "shape": tuple(pixels.shape),
        "dtype": str(pixels.dtype),
        "rank": pixels.ndim,
    }
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 3
# --------------------------------------------------------------------------------------------
def to_channels_first(x):
    """Move the channel axis from last to first: (H, W, C) -> (C, H, W).

    A batch is handled too: (N, H, W, C) -> (N, C, H, W). Keras and TensorFlow use channels
    last; PyTorch and many file formats use channels first.

    Args:
        x: numpy array of rank 3 (H, W, C) or rank 4 (N, H, W, C), any dtype.
    Returns:
        numpy array of shape (C, H, W) or (N, C, H, W), same dtype and values:
        out[..., c, i, j] == x[..., i, j, c].
    Raises:
        ValueError: if x does not have rank 3 or 4.
    """
    ###########################################################################
    # TODO: check the rank, then move the last axis to position -3.           #
    # A reshape keeps the shape right but scrambles the pixels: don't.        #
    ###########################################################################
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"x must have rank 3 (H, W, C) or 4 (N, H, W, C), got shape {x.shape}")
    return np.moveaxis(x, -1, -3)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def to_channels_last(x):
    """Move the channel axis from first to last: (C, H, W) -> (H, W, C).

    The inverse of ``to_channels_first``; a batch (N, C, H, W) -> (N, H, W, C) is handled too.

    Args:
        x: numpy array of rank 3 (C, H, W) or rank 4 (N, C, H, W), any dtype.
    Returns:
        numpy array of shape (H, W, C) or (N, H, W, C), same dtype and values:
        out[..., i, j, c] == x[..., c, i, j].
    Raises:
        ValueError: if x does not have rank 3 or 4.
    """
    ###########################################################################
    # TODO: check the rank, then move axis -3 to the end.                     #
    ###########################################################################
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"x must have rank 3 (C, H, W) or 4 (N, C, H, W), got shape {x.shape}")
    return np.moveaxis(x, -3, -1)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 4
# --------------------------------------------------------------------------------------------
def centre_patch(image, size):
    """Cut the patch of a given size out of the centre of an image.

    When the leftover rows (or columns) are odd, the extra one goes to the bottom (right):
    top = (H - h) // 2 and left = (W - w) // 2, as ``keras.layers.CenterCrop`` does.

    Args:
        image: numpy array of shape (H, W) or (H, W, C), any dtype.
        size: int s for an s x s patch, or a tuple (h, w) of ints.
    Returns:
        numpy array of shape (h, w) or (h, w, C), same dtype:
        image[top:top + h, left:left + w].
    Raises:
        ValueError: if image does not have rank 2 or 3, or if h or w is < 1 or larger than
            the image (h > H or w > W).
    """
    ###########################################################################
    # TODO: work out (h, w), check them, compute top and left, and slice.     #
    ###########################################################################
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, C), got {image.shape}")
    h, w = (size, size) if np.isscalar(size) else size
    height, width = image.shape[:2]
    if not (1 <= h <= height and 1 <= w <= width):
        raise ValueError(f"a {h}x{w} patch does not fit a {height}x{width} image")
    top, left = (height - h) // 2, (width - w) // 2
    return image[top:top + h, left:left + w]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 5
# --------------------------------------------------------------------------------------------
def thumbnail(image, size=224):
    """Shrink an image so that it fits in a size x size box, keeping its aspect ratio.

    The longer side becomes ``size`` and the shorter one is scaled in proportion (rounded the
    way PIL rounds); an image that already fits is returned unchanged (never enlarged).
    Resampling is bicubic. This is ``PIL.Image.Image.thumbnail((size, size), BICUBIC)``.

    Args:
        image: numpy array of shape (H, W, 3) or (H, W), dtype uint8.
        size: int >= 1, the side of the bounding box in pixels.
    Returns:
        numpy array of shape (h, w, 3) or (h, w), dtype uint8, with max(h, w) == size
        (or the input's shape if it already fits). Pixels within a mean absolute difference of
        0.5 grey levels from PIL's thumbnail.
    Raises:
        ValueError: if size < 1.
    """
    ###########################################################################
    # TODO: make a PIL image from the array, thumbnail it, return an array.   #
    ###########################################################################
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    picture = Image.fromarray(np.asarray(image))  # thumbnail() works in place on a new image
    picture.thumbnail((size, size), Image.Resampling.BICUBIC)
    return np.array(picture)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def resize_and_crop(image, size=224):
    """Resize and crop an image to exactly h x w, filling it (no borders, nothing squashed).

    Take the largest centred box of the image with the target's aspect ratio w / h (for a
    square target on an image wider than tall: all rows, and the middle H columns, starting
    at the fractional column (W - H) / 2; PIL samples fractional boxes) and resample it
    bicubically to h x w. What does not fit the box is cut off. This is
    ``PIL.ImageOps.fit(img, (w, h), Image.Resampling.BICUBIC)`` (PIL writes sizes as
    (width, height)); the lecture's ``resize_and_crop_image`` does the same from a file.

    Args:
        image: numpy array of shape (H, W, 3) or (H, W), dtype uint8.
        size: int s >= 1 for an s x s square, or a tuple (height, width) of ints >= 1.
    Returns:
        numpy array of shape (h, w, 3) or (h, w), dtype uint8. Pixels within a
        mean absolute difference of 0.5 grey levels from ``ImageOps.fit``.
    Raises:
        ValueError: if a side is < 1.
    """
    ###########################################################################
    # TODO: find the centred box of aspect w / h, resample it to h x w.       #
    # Hint: Image.resize takes a box=(left, top, right, bottom) of floats.    #
    # An int size s means (s, s).                                             #
    ###########################################################################
    h, w = (size, size) if np.isscalar(size) else size
    if h < 1 or w < 1:
        raise ValueError(f"size must be >= 1 (or a (height, width) of sides >= 1), got {size}")
    picture = Image.fromarray(np.asarray(image))
    # The widest box of aspect w / h that fits, centred (as ImageOps.fit computes it).
    if picture.width / picture.height >= w / h:
        box_w, box_h = w / h * picture.height, picture.height
    else:
        box_w, box_h = picture.width, picture.width * h / w
    left, top = (picture.width - box_w) / 2, (picture.height - box_h) / 2
    box = (left, top, left + box_w, top + box_h)
    return np.array(picture.resize((w, h), Image.Resampling.BICUBIC, box=box))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 6
# --------------------------------------------------------------------------------------------
def channel_histograms(image):
    """Count how often each value 0..255 occurs, separately in each channel.

    Args:
        image: numpy array of shape (H, W, C) or (H, W), dtype uint8. (H, W) counts as C = 1.
    Returns:
        numpy array of shape (C, 256), an integer dtype: out[c, v] is the number of pixels
        whose channel c equals v. Each row sums to H * W.
    Raises:
        ValueError: if image is not uint8, or does not have rank 2 or 3.
    """
    ###########################################################################
    # TODO: count the values of each channel (numpy.bincount helps).          #
    ###########################################################################
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.ndim != 3:
        raise ValueError(f"image must have shape (H, W) or (H, W, C), got {image.shape}")
    # minlength=256: values that never occur still get a (zero) bin.
    return np.stack([np.bincount(image[:, :, c].ravel(), minlength=256) for c in range(image.shape[2])])
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 7
# --------------------------------------------------------------------------------------------
def plot_histograms(hists, width=640, height=480):
    """Plot per-channel histograms as lines and return the rendered picture.

    Draw each channel's counts over the pixel values 0..255, opaque: three channels in red,
    green and blue (channel 0, 1, 2), a single channel in black. Lines or bars, in one axes
    or one axes per channel as the lecture's three subplots: either is right, as long as
    pixel values grow from left to right. Label the axes. (The lecture counts raw pixels with
    ``ax.hist``; here the counts are given, and the course asks for the picture back as an
    array of an exact size.)

    Args:
        hists: numpy array of shape (C, 256) with C in (1, 3), numbers (counts), e.g. from
            ``channel_histograms``.
        width: int, width of the picture in pixels.
        height: int, height of the picture in pixels.
    Returns:
        numpy array of shape (height, width, 3), dtype uint8: the rendered plot (not a
        Figure). Use ``figure_to_array``; a Figure of figsize (width / DPI, height / DPI)
        with dpi=DPI renders to exactly that many pixels.
    Raises:
        ValueError: if hists does not have shape (1, 256) or (3, 256).
    """
    ###########################################################################
    # TODO: check the shape, draw one line per channel, render to an array.   #
    ###########################################################################
    hists = np.asarray(hists)
    if hists.ndim != 2 or hists.shape[0] not in (1, 3) or hists.shape[1] != 256:
        raise ValueError(f"hists must have shape (1, 256) or (3, 256), got {hists.shape}")
    colours = ["black"] if len(hists) == 1 else ["red", "green", "blue"]
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    ax = fig.add_subplot()
    for counts, colour in zip(hists, colours):
        ax.plot(np.arange(256), counts, color=colour, linewidth=1)
    ax.set_xlim(0, 255)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("pixel value")
    ax.set_ylabel("number of pixels")
    fig.tight_layout()
    return figure_to_array(fig)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 8
# --------------------------------------------------------------------------------------------
def to_greyscale(image):
    """Convert an RGB image to greyscale with the ITU-R 601-2 luma transform.

    L = 0.299 R + 0.587 G + 0.114 B, rounded to an integer: what PIL's ``convert("L")`` does
    (PIL uses fixed-point arithmetic, so results may differ from it by 1 grey level).

    Args:
        image: numpy array of shape (H, W, 3), dtype uint8.
    Returns:
        numpy array of shape (H, W), dtype uint8, within 1 grey level of
        ``numpy.asarray(Image.fromarray(image).convert("L"))`` everywhere.
    Raises:
        ValueError: if image is not a uint8 array of shape (H, W, 3).
    """
    ###########################################################################
    # TODO: weight the three channels and round back to uint8.                #
    ###########################################################################
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be uint8 of shape (H, W, 3), got {image.dtype} {image.shape}")
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2; float32 is plenty for 0..255
    luma = image @ weights
    return np.rint(luma).astype(np.uint8)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# --------------------------------------------------------------------------------------------
# Question 9
# --------------------------------------------------------------------------------------------
def feature_count(shape):
    """Number of values in a tensor of the given shape: what a Flatten layer hands on.

    The lecture counts the numbers a colour image hands to the first layer this way.

    Args:
        shape: tuple (or list) of ints, e.g. (224, 224, 3).
    Returns:
        int, the product of the dimensions (exact, however large).
    Raises:
        ValueError: if shape is empty or has a dimension < 1.
    """
    ###########################################################################
    # TODO: multiply the dimensions, after checking them.                     #
    ###########################################################################
    dims = [int(d) for d in shape]
    if not dims or min(dims) < 1:
        raise ValueError(f"shape must be non-empty with every dimension >= 1, got {shape}")
    return math.prod(dims)  # Python ints: no overflow
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def dense_params(shape, units, use_bias=True):
    """Number of parameters of a Dense layer fed the flattened input of the given shape.

    Every input value connects to every unit (one weight each), plus one bias per unit.

    Args:
        shape: tuple of ints, the shape of one input (no batch axis), e.g. (224, 224, 3).
        units: int >= 1, the number of units (outputs) of the layer.
        use_bias: bool, whether the layer has biases (Keras' default: True).
    Returns:
        int, the number of trainable parameters, as Keras' ``count_params()`` reports.
    Raises:
        ValueError: if shape is invalid (as in feature_count) or units < 1.
    """
    ###########################################################################
    # TODO: weights plus (optionally) biases.                                 #
    ###########################################################################
    if units < 1:
        raise ValueError(f"units must be >= 1, got {units}")
    weights = feature_count(shape) * units
    return weights + units if use_bias else weights
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
