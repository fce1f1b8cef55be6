"""Convolution and its hyperparameters.

Everything here works on channels-last arrays, as Keras does: an image is (H, W), a volume
(H, W, C), a batch (N, H, W, C), and a bank of conv weights (kh, kw, C_in, F).

Padding follows Keras (and TensorFlow) exactly:

- ``"valid"`` adds no padding. The window must fit, so the output is
  ``floor((n - k) / s) + 1`` long and a kernel larger than the input is an error.
- ``"same"`` makes the output ``ceil(n / s)`` long whatever the kernel. It pads
  ``pad_total = max((ceil(n / s) - 1) * s + k - n, 0)`` zeros along the axis,
  ``pad_before = pad_total // 2`` of them before (top/left) and the rest after (bottom/right).
  For an odd kernel and stride 1 that is ``(k - 1) / 2`` on each side. At stride 1
  ``scipy.signal.correlate2d(mode="same")`` agrees with this for every kernel, but
  ``scipy.signal.convolve2d(mode="same")`` centres an even kernel the other way (the odd zero
  before), so for even kernels it is one pixel off from ``true_convolve`` here: this module
  follows Keras.

The exercises are called ``cross_correlate`` and ``true_convolve``, not ``correlate2d`` and
``convolve2d``, so that ``from scipy.signal import convolve2d`` (as in the lecture) still gives
you scipy's function wherever you write it. The lecture works on an image, as
``convolve2d(grey, kernel, mode='valid')``; this course adds a stride, Keras's padding rule and
whole layers (many channels, many filters, a batch).


Why CNN "convolution" is really cross-correlation: a true convolution flips the kernel before
sliding it (``out[i, j] = sum x[i - m, j - n] * w[m, n]``), a cross-correlation does not
(``out[i, j] = sum x[i + m, j + n] * w[m, n]``). A CNN learns its kernels, so flipping them
changes nothing it can express: a network that learnt ``w`` with one operation would have learnt
``w`` flipped with the other. Deep-learning libraries therefore skip the flip and compute the
cross-correlation, and still call it convolution. ``keras.layers.Conv2D`` is a cross-correlation.
"""

import json

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

# The 3x3 Laplacian: responds to a pixel that differs from its eight neighbours (edges, spots),
# gives zero on flat areas and on linear ramps (its weights sum to zero).
LAPLACIAN = np.array([[-1, -1, -1],
                      [-1, 8, -1],
                      [-1, -1, -1]], dtype=np.float64)


def load_grey(path):
    """Load an image file as greyscale, scaled to [0, 1].

    Given code. Greyscale is PIL's ``convert("L")`` (ITU-R 601-2 luma,
    L = 0.299 R + 0.587 G + 0.114 B, rounded to uint8), divided by 255.

    Args:
        path: str, path to an image file (e.g. "assets/cat.png").

    Returns:
        grey: np.ndarray of shape (H, W), dtype float64, values in [0, 1].
    """
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def padding_amounts(n, kernel, stride, padding):
    """Zeros added before and after one axis of length n, with Keras semantics.

    Args:
        n: int >= 1, the input length along the axis (height or width).
        kernel: int >= 1, the kernel length along the axis.
        stride: int >= 1, the step between neighbouring windows.
        padding: str, "same" or "valid".

    Returns:
        (before, after): tuple of two ints >= 0, zeros added at the start (top or left) and at
        the end (bottom or right). "valid" gives (0, 0); "same" gives
        pad_total = max((ceil(n / stride) - 1) * stride + kernel - n, 0) split as
        before = pad_total // 2, after = pad_total - before.

    Raises:
        ValueError: if n, kernel or stride is below 1, if padding is not "same" or "valid",
            or if padding is "valid" and the kernel is longer than the input.
    """
    ###########################################################################
    # TODO: compute the padding before and after along one axis.              #
    ###########################################################################
    if n < 1 or kernel < 1 or stride < 1:
        raise ValueError(f"n, kernel and stride must be >= 1, got n={n}, kernel={kernel}, stride={stride}")
    if padding == "valid":
        if kernel > n:
            raise ValueError(f"a kernel of {kernel} does not fit an input of {n} with padding='valid'")
        return 0, 0
    if padding != "same":
        raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
    n_out = -(-n // stride)  # ceil(n / stride) in integers
    total = max((n_out - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def output_shape(input_shape, kernel, stride, filters, padding):
    """Output volume of a 2-D convolution layer, with Keras semantics.

    Args:
        input_shape: tuple (H, W, C) of ints >= 1, the input volume.
        kernel: int >= 1, side of the square kernel (kernel x kernel x C).
        stride: int >= 1, the same along both axes.
        filters: int >= 1, the number of kernels, i.e. the depth of the output.
        padding: str, "same" (output ceil(H / stride) x ceil(W / stride)) or
            "valid" (output floor((H - kernel) / stride) + 1 along H, likewise W).

    Returns:
        (H_out, W_out, filters): tuple of three ints.

    Raises:
        ValueError: if input_shape does not have three entries, if any size, the kernel, the
            stride or filters is below 1, if padding is not "same" or "valid", or if padding
            is "valid" and the kernel does not fit the input.
    """
    ###########################################################################
    # TODO: compute the output volume.                                        #
    ###########################################################################
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (H, W, C), got {input_shape!r}")
    h, w, c = input_shape
    if c < 1 or filters < 1:
        raise ValueError(f"channels and filters must be >= 1, got C={c}, filters={filters}")
    sizes = []
    for n in (h, w):
        before, after = padding_amounts(n, kernel, stride, padding)
        sizes.append((n + before + after - kernel) // stride + 1)
    return sizes[0], sizes[1], filters
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def cross_correlate(image, kernel, stride=1, padding="valid"):
    """Single-channel 2-D cross-correlation (what CNNs call convolution).

    out[i, j] = sum over m, n of padded[i * stride + m, j * stride + n] * kernel[m, n],
    where padded is the image with zeros added as padding_amounts says.

    Args:
        image: np.ndarray of shape (H, W), any real dtype (a nested list works too).
        kernel: np.ndarray of shape (kh, kw), any real dtype (a nested list works too).
        stride: int >= 1, the same along both axes.
        padding: str, "same" or "valid" (Keras semantics, see the module docstring).

    Returns:
        out: np.ndarray of shape (H_out, W_out) as output_shape gives them, a new array. Its
        dtype is float32 when both inputs are float32, float64 otherwise (integers included).

    Raises:
        ValueError: if image or kernel is not 2-D, or for a stride or padding that
            padding_amounts rejects.
    """
    ###########################################################################
    # TODO: pad the image, take every stride-th window, weight it and sum.    #
    ###########################################################################
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"image and kernel must be 2-D, got shapes {image.shape} and {kernel.shape}")
    # float32 only when both are float32 (np.result_type would also give float32 for uint8)
    dtype = np.float32 if image.dtype == kernel.dtype == np.float32 else np.float64
    (top, bottom) = padding_amounts(image.shape[0], kernel.shape[0], stride, padding)
    (left, right) = padding_amounts(image.shape[1], kernel.shape[1], stride, padding)
    padded = np.pad(image.astype(dtype, copy=False), ((top, bottom), (left, right)))
    # Every kh x kw window as a view (no copy), keeping every stride-th one: (H_out, W_out, kh, kw).
    windows = sliding_window_view(padded, kernel.shape)[::stride, ::stride]
    return np.einsum("ijmn,mn->ij", windows, kernel.astype(dtype, copy=False))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def true_convolve(image, kernel, stride=1, padding="valid"):
    """Single-channel 2-D true convolution: cross-correlation with the kernel flipped.

    out[i, j] = sum over m, n of padded[i * stride + m, j * stride + n] * kernel[kh-1-m, kw-1-n].
    For an odd kernel and stride 1 this equals scipy.signal.convolve2d with the same mode (for an
    even kernel and "same", scipy puts the odd zero on the other side: see the module docstring).

    Args:
        image: np.ndarray of shape (H, W), any real dtype (a nested list works too).
        kernel: np.ndarray of shape (kh, kw), any real dtype (a nested list works too).
        stride: int >= 1, the same along both axes.
        padding: str, "same" or "valid" (Keras semantics).

    Returns:
        out: np.ndarray of shape (H_out, W_out); float32 when both inputs are float32,
        float64 otherwise.

    Raises:
        ValueError: as cross_correlate.
    """
    ###########################################################################
    # TODO: flip the kernel along both axes and cross-correlate.              #
    ###########################################################################
    kernel = np.asarray(kernel)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {kernel.shape}")
    return cross_correlate(image, kernel[::-1, ::-1], stride, padding)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def conv_forward(x, weights, bias, stride=1, padding="valid"):
    """Forward pass of a 2-D convolution layer (keras.layers.Conv2D), vectorised.

    out[b, i, j, f] = bias[f] + sum over m, n, c of
                      padded[b, i * stride + m, j * stride + n, c] * weights[m, n, c, f]

    A single volume works too, as everywhere in the course the rank says what an array is.

    Args:
        x: np.ndarray of shape (N, H, W, C_in), a batch of channels-last volumes, or
            (H, W, C_in), one volume.
        weights: np.ndarray of shape (kh, kw, C_in, F), one kh x kw x C_in kernel per filter
            (the layout of Conv2D's kernel, layer.get_weights()[0]).
        bias: np.ndarray of shape (F,).
        stride: int >= 1, the same along both axes.
        padding: str, "same" or "valid" (Keras semantics).

    Returns:
        out: np.ndarray of shape (N, H_out, W_out, F), or (H_out, W_out, F) for one volume;
        float32 when x, weights and bias are all float32, float64 otherwise.

    Raises:
        ValueError: if x is not 3-D or 4-D, if weights is not 4-D, if their channel counts
            differ, if bias is not (F,), or for a stride or padding that padding_amounts rejects.
    """
    ###########################################################################
    # TODO: im2col: gather each output pixel's receptive field as a row,      #
    # then one matrix product with the flattened kernels, plus the bias.      #
    ###########################################################################
    x, weights, bias = np.asarray(x), np.asarray(weights), np.asarray(bias)
    if x.ndim == 3:  # one volume: a batch of one, and back
        return conv_forward(x[np.newaxis], weights, bias, stride, padding)[0]
    if x.ndim != 4 or weights.ndim != 4:
        raise ValueError(f"x must be (N, H, W, C) or (H, W, C) and weights (kh, kw, C, F), got {x.shape} and {weights.shape}")
    dtype = np.float32 if x.dtype == weights.dtype == bias.dtype == np.float32 else np.float64
    x, weights, bias = x.astype(dtype, copy=False), weights.astype(dtype, copy=False), bias.astype(dtype, copy=False)
    n, h, w, c = x.shape
    kh, kw, c_w, f = weights.shape
    if c_w != c:
        raise ValueError(f"weights expect {c_w} input channels, x has {c}")
    if bias.shape != (f,):
        raise ValueError(f"bias must have shape ({f},), got {bias.shape}")
    top, bottom = padding_amounts(h, kh, stride, padding)
    left, right = padding_amounts(w, kw, stride, padding)
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    # (N, H_out, W_out, C, kh, kw) view of all windows; reorder to (kh, kw, C) to match weights.
    windows = sliding_window_view(padded, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    h_out, w_out = windows.shape[1:3]
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h_out * w_out, kh * kw * c)
    out = cols @ weights.reshape(kh * kw * c, f) + bias
    return out.reshape(n, h_out, w_out, f)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def count_params(kernel, in_channels, filters):
    """Trainable parameters of a Conv2D layer with a square kernel and a bias.

    Args:
        kernel: int >= 1, side of the square kernel.
        in_channels: int >= 1, depth of the input volume.
        filters: int >= 1, number of kernels.

    Returns:
        int: (kernel * kernel * in_channels + 1) * filters (weights plus one bias per filter).

    Raises:
        ValueError: if any argument is below 1.
    """
    ###########################################################################
    # TODO: count weights and biases.                                         #
    ###########################################################################
    if kernel < 1 or in_channels < 1 or filters < 1:
        raise ValueError(f"kernel, in_channels and filters must be >= 1, got {kernel}, {in_channels}, {filters}")
    return (kernel * kernel * in_channels + 1) * filters
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def dense_vs_conv(input_shape, units, kernel, filters):
    """Parameters of a dense layer vs a conv layer on the same input volume.

    The dense layer sees the flattened input (H * W * C features) and has `units` outputs;
    the conv layer has `filters` kernels of kernel x kernel x C. Compare the two for a
    224 x 224 x 3 image: the dense layer's count grows with the image, the conv layer's does not.

    Args:
        input_shape: tuple (H, W, C) of ints >= 1.
        units: int >= 1, outputs of the dense layer.
        kernel: int >= 1, side of the square conv kernel.
        filters: int >= 1, number of conv kernels.

    Returns:
        dict with int values: {"dense": H * W * C * units + units,
                               "conv": (kernel * kernel * C + 1) * filters}.

    Raises:
        ValueError: if input_shape does not have three entries or any number is below 1.
    """
    ###########################################################################
    # TODO: count both layers' parameters.                                    #
    ###########################################################################
    if len(input_shape) != 3 or min(input_shape) < 1 or units < 1:
        raise ValueError(f"need input_shape (H, W, C) >= 1 and units >= 1, got {input_shape!r}, {units}")
    h, w, c = input_shape
    return {"dense": h * w * c * units + units, "conv": count_params(kernel, c, filters)}
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def laplacian_edges(grey):
    """Edge map of a greyscale image: cross-correlation with LAPLACIAN, 'valid' mode.

    (The Laplacian is symmetric, so correlation and convolution give the same result.)

    Args:
        grey: np.ndarray of shape (H, W), H >= 3 and W >= 3, any real dtype (e.g. load_grey's
            float64 in [0, 1], or a uint8 image).

    Returns:
        edges: np.ndarray of shape (H - 2, W - 2), dtype float64 whatever grey's dtype (the
        lecture's scipy convolve2d keeps integers as integers: convert first): large positive or negative
        where the intensity changes sharply, zero on flat areas.

    Raises:
        ValueError: if grey is not 2-D or smaller than 3 x 3.
    """
    ###########################################################################
    # TODO: apply the Laplacian kernel.                                       #
    ###########################################################################
    grey = np.asarray(grey, dtype=np.float64)
    if grey.ndim != 2 or min(grey.shape) < 3:
        raise ValueError(f"grey must be a 2-D image of at least 3 x 3, got shape {grey.shape}")
    return cross_correlate(grey, LAPLACIAN, stride=1, padding="valid")
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def conv_demo_answers(path="assets/conv_demo.json"):
    """Answers to the conv-demo puzzles: the hidden hyperparameters of each convolution.

    The file holds, per puzzle, the input volume [H, W, C], the output volume [H', W', F],
    the picture's name (assets/conv_demo_<n>.png) and the windows the picture draws: for each,
    the output cell [i, j] it produces and the input row and column of its top-left cell
    (negative inside the zero padding). Kernels are square, strides equal along both axes,
    and each puzzle has exactly one answer with kernel in "kernel_range", stride in
    "stride_range" and padding in "paddings". You may read the answers off the pictures and
    return them, or find them by search.

    Args:
        path: str, path to conv_demo.json.

    Returns:
        dict mapping each puzzle name in the file (e.g. "puzzle_1") to a dict
        {"kernel": int, "stride": int, "depth": int, "padding": "same" or "valid"}, where depth
        is the number of filters.
    """
    ###########################################################################
    # TODO: name each puzzle's kernel, stride, depth and padding.             #
    ###########################################################################
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    kernels = range(doc["kernel_range"][0], doc["kernel_range"][1] + 1)
    strides = range(doc["stride_range"][0], doc["stride_range"][1] + 1)

    def fits(puzzle, k, s, padding):
        h, w, c = puzzle["input"]
        try:
            shape = output_shape((h, w, c), k, s, puzzle["output"][2], padding)
        except ValueError:
            return False
        top, left = padding_amounts(h, k, s, padding)[0], padding_amounts(w, k, s, padding)[0]
        windows_fit = all(win["top_left"] == [win["output"][0] * s - top, win["output"][1] * s - left]
                          for win in puzzle["windows"])
        return list(shape) == puzzle["output"] and windows_fit

    answers = {}
    for name, puzzle in doc["puzzles"].items():
        found = [(k, s, p) for k in kernels for s in strides for p in doc["paddings"] if fits(puzzle, k, s, p)]
        if len(found) != 1:
            raise ValueError(f"{name}: expected exactly one answer, found {found}")
        k, s, p = found[0]
        answers[name] = {"kernel": k, "stride": s, "depth": puzzle["output"][2], "padding": p}
    return answers
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
