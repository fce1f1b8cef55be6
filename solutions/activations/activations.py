"""Activation functions, their derivatives, and what they do to an edge map.

Every function takes a numpy array (or anything np.asarray accepts) of any shape and works
element by element. Dtypes are kept: float32 in gives float32 out, float64 in gives float64
out; other inputs (lists, ints, bools, Python numbers) are computed in float64. The given helper
``as_float`` does that conversion. This is more than the lecture's one-line versions do (its
``np.maximum(x, 0)`` keeps an int array's dtype and fails on a list): start each function with it.

A derivative here is the derivative of the activation with respect to its input, evaluated at
x. At a kink (x = 0 for ReLU, leaky ReLU, PReLU, ELU) the slope from the left is used, which is
what TensorFlow's gradients use: relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha.
"""

import numpy as np
import scipy.signal
from PIL import Image

LAPLACIAN = np.array([[-1, -1, -1],
                      [-1, 8, -1],
                      [-1, -1, -1]], dtype=np.float32)


def as_float(x):
    """Given code: x as a floating-point array, keeping float32 and float64 as they are.

    Args:
        x: array-like of any shape.

    Returns:
        np.ndarray of the same shape: x itself when it is already a float32 or float64 array,
        otherwise x converted to float64.
    """
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


def cat_edges(path="assets/cat.png"):
    """Given code: the Laplacian edge map of the grey cat, as in the convolution assignment.

    Greyscale is PIL's ``convert("L")`` divided by 255; the edges are its 'valid'
    cross-correlation with the 3x3 Laplacian [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]].

    Args:
        path: str, path to an RGB image file.

    Returns:
        edges: np.ndarray of shape (H - 2, W - 2), dtype float32, roughly in [-4, 4]:
        positive on the bright side of an edge, negative on the dark side, 0 on flat areas.
    """
    with Image.open(path) as image:
        grey = np.asarray(image.convert("L"), dtype=np.float32) / np.float32(255)
    return scipy.signal.correlate2d(grey, LAPLACIAN, mode="valid").astype(np.float32)


def sigmoid(x):
    """Logistic sigmoid, 1 / (1 + exp(-x)), computed without overflow.

    The formula as written (the lecture's version) overflows: exp(1000) is inf, and numpy warns. Compute it in a form
    that never takes exp of a large positive number, so that sigmoid(-1000) is exactly 0.0 and
    sigmoid(1000) exactly 1.0 with no warning. (Hint: sigmoid(x) = (1 + tanh(x / 2)) / 2, or
    treat x >= 0 and x < 0 separately.)

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).

    Returns:
        np.ndarray of x's shape and float dtype, values in [0, 1].
    """
    ###########################################################################
    # TODO: a numerically stable sigmoid.                                     #
    ###########################################################################
    x = as_float(x)
    # sigmoid(x) = (1 + tanh(x / 2)) / 2: tanh saturates at -1 and 1 instead of overflowing,
    # so no exp of a large number is ever taken. Updated in place: one new array, not three.
    s = np.tanh(0.5 * x)
    s += 1
    s *= 0.5
    return s
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def tanh(x):
    """Hyperbolic tangent, (exp(x) - exp(-x)) / (exp(x) + exp(-x)), values in [-1, 1].

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).

    Returns:
        np.ndarray of x's shape and float dtype.
    """
    ###########################################################################
    # TODO: tanh (numpy has it).                                              #
    ###########################################################################
    return np.tanh(as_float(x))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def relu(x):
    """Rectified linear unit, max(x, 0).

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).

    Returns:
        np.ndarray of x's shape and float dtype.
    """
    ###########################################################################
    # TODO: ReLU.                                                             #
    ###########################################################################
    x = as_float(x)
    return np.maximum(x, 0)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: x where x > 0, alpha * x elsewhere.

    The lecture's leaky_relu fixes the slope at 0.01; here it is the argument alpha (default
    0.01), and a negative alpha is an error. The default 0.01 is the original paper's (Maas et al., 2013). Keras's
    keras.activations.leaky_relu defaults to negative_slope=0.2.

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).
        alpha: float >= 0, the slope for negative inputs.

    Returns:
        np.ndarray of x's shape and float dtype.

    Raises:
        ValueError: if alpha is negative.
    """
    ###########################################################################
    # TODO: leaky ReLU.                                                       #
    ###########################################################################
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    x = as_float(x)
    return np.where(x > 0, x, x * x.dtype.type(alpha))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def prelu(x, alpha):
    """Parametric ReLU with one learnt slope per channel: x where x > 0, alpha[c] * x elsewhere.

    This is keras.layers.PReLU(shared_axes=[1, 2]) on a channels-last batch: the negative slope
    is a weight of the layer, shared across positions but not across channels.

    Args:
        x: array-like of shape (..., C), channels last; float32 or float64.
        alpha: array-like of shape (C,), the slope of each channel.

    Returns:
        np.ndarray of x's shape and float dtype.

    Raises:
        ValueError: if alpha is not 1-D with as many entries as x has channels.
    """
    ###########################################################################
    # TODO: PReLU, broadcasting alpha over the last axis.                     #
    ###########################################################################
    x = as_float(x)
    alpha = np.asarray(alpha, dtype=x.dtype)
    if alpha.ndim != 1 or x.ndim == 0 or alpha.shape[0] != x.shape[-1]:
        raise ValueError(f"alpha must have shape ({x.shape[-1] if x.ndim else '?'},), got {alpha.shape}")
    return np.where(x > 0, x, alpha * x)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def elu(x, alpha=1.0):
    """Exponential linear unit: x where x > 0, alpha * (exp(x) - 1) elsewhere.

    Compute exp only where it is needed (exp(1000) overflows): np.expm1 of min(x, 0) does it,
    and is accurate near 0.

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).
        alpha: float >= 0, the value -alpha is the limit for x -> -inf.

    Returns:
        np.ndarray of x's shape and float dtype.

    Raises:
        ValueError: if alpha is negative.
    """
    ###########################################################################
    # TODO: ELU.                                                              #
    ###########################################################################
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    x = as_float(x)
    return np.where(x > 0, x, x.dtype.type(alpha) * np.expm1(np.minimum(x, 0)))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def sigmoid_grad(x):
    """Derivative of sigmoid at x: sigmoid(x) * (1 - sigmoid(x)).

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).

    Returns:
        np.ndarray of x's shape and float dtype, values in [0, 0.25].
    """
    ###########################################################################
    # TODO: the sigmoid's derivative, from the sigmoid itself.                #
    ###########################################################################
    s = sigmoid(x)
    return s * (1 - s)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def tanh_grad(x):
    """Derivative of tanh at x: 1 - tanh(x) ** 2.

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).

    Returns:
        np.ndarray of x's shape and float dtype, values in [0, 1].
    """
    ###########################################################################
    # TODO: the tanh's derivative.                                            #
    ###########################################################################
    t = tanh(x)
    return 1 - t * t
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def relu_grad(x):
    """Derivative of ReLU at x: 1 where x > 0, 0 elsewhere (0 at x = 0).

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).

    Returns:
        np.ndarray of x's shape and float dtype, values 0 or 1.
    """
    ###########################################################################
    # TODO: ReLU's derivative.                                                #
    ###########################################################################
    x = as_float(x)
    return (x > 0).astype(x.dtype)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def leaky_relu_grad(x, alpha=0.01):
    """Derivative of leaky ReLU at x: 1 where x > 0, alpha elsewhere (alpha at x = 0).

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).
        alpha: float >= 0, the slope for negative inputs.

    Returns:
        np.ndarray of x's shape and float dtype.

    Raises:
        ValueError: if alpha is negative.
    """
    ###########################################################################
    # TODO: leaky ReLU's derivative.                                          #
    ###########################################################################
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    x = as_float(x)
    return np.where(x > 0, x.dtype.type(1), x.dtype.type(alpha))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def prelu_grad(x, alpha):
    """Derivative of PReLU with respect to x: 1 where x > 0, alpha[c] elsewhere.

    Args:
        x: array-like of shape (..., C), channels last; float32 or float64.
        alpha: array-like of shape (C,), the slope of each channel.

    Returns:
        np.ndarray of x's shape and float dtype.

    Raises:
        ValueError: if alpha is not 1-D with as many entries as x has channels.
    """
    ###########################################################################
    # TODO: PReLU's derivative with respect to its input.                     #
    ###########################################################################
    x = as_float(x)
    alpha = np.asarray(alpha, dtype=x.dtype)
    if alpha.ndim != 1 or x.ndim == 0 or alpha.shape[0] != x.shape[-1]:
        raise ValueError(f"alpha must have shape ({x.shape[-1] if x.ndim else '?'},), got {alpha.shape}")
    return np.where(x > 0, x.dtype.type(1), np.broadcast_to(alpha, x.shape))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def elu_grad(x, alpha=1.0):
    """Derivative of ELU at x: 1 where x > 0, alpha * exp(x) elsewhere (alpha at x = 0).

    Args:
        x: array-like of any shape; float32 or float64 (others are computed in float64).
        alpha: float >= 0.

    Returns:
        np.ndarray of x's shape and float dtype.

    Raises:
        ValueError: if alpha is negative.
    """
    ###########################################################################
    # TODO: ELU's derivative.                                                 #
    ###########################################################################
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    x = as_float(x)
    return np.where(x > 0, x.dtype.type(1), x.dtype.type(alpha) * np.exp(np.minimum(x, 0)))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def edge_activations(edges):
    """Each activation applied to an edge map (e.g. cat_edges()).

    A Laplacian edge map is positive on the bright side of an edge and negative on the dark
    side. ReLU keeps only the positive half; leaky ReLU and ELU keep a damped negative half;
    sigmoid and tanh squash everything into a fixed range.

    Args:
        edges: np.ndarray of shape (H, W), float32.

    Returns:
        dict mapping "sigmoid", "tanh", "relu", "leaky_relu" (alpha 0.01) and "elu"
        (alpha 1.0) to np.ndarray of shape (H, W), dtype float32 (the edge map's dtype),
        plus "relu_zero_fraction": float, the fraction of pixels ReLU outputs as 0 (zeros too).
    """
    ###########################################################################
    # TODO: apply the activations above to the edge map.                      #
    ###########################################################################
    edges = as_float(edges)
    rectified = relu(edges)
    return {
        "sigmoid": sigmoid(edges),
        "tanh": tanh(edges),
        "relu": rectified,
        "leaky_relu": leaky_relu(edges, 0.01),
        "elu": elu(edges, 1.0),
        "relu_zero_fraction": float(np.mean(rectified == 0)),
    }
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
