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
    raise NotImplementedError("padding_amounts")
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
    raise NotImplementedError("output_shape")
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
    raise NotImplementedError("cross_correlate")
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
    raise NotImplementedError("true_convolve")
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
    raise NotImplementedError("conv_forward")
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
    raise NotImplementedError("count_params")
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
    raise NotImplementedError("dense_vs_conv")
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
    raise NotImplementedError("laplacian_edges")
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
    raise NotImplementedError("conv_demo_answers")
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
