"""Pooling, dropout and batch normalisation: the layers around a convolution.

Every function works on plain numpy arrays, channels last: an image or feature map
is (H, W) or (H, W, C), a batch of them (N, H, W, C) (the rank says which). Pooling
has three ways of handling the rows and columns that do not fill a whole window (the
`padding` argument):

    "valid"  drop the remainder: only windows that lie entirely inside the input
             (Keras `padding="valid"`).
    "zero"   zero-pad at the bottom and right, just enough for the windows to cover
             every row and column; with stride == pool size that pads up to a
             multiple of the pool size, exactly what `skimage.measure.block_reduce`
             does with `cval=0`.
    "same"   Keras `padding="same"`: ceil(n / stride) windows, the padding split
             between top/left (half, rounded down) and bottom/right (the rest); the
             padding never counts (max pooling pads with -inf, average pooling
             averages only the real values).

The lecture pools a 2-D edge map with skimage's ``block_reduce(x, (2, 2), np.max)`` and
calls the second function ``average_pool``: that is this module's padding "zero" with the
stride equal to the pool size. This course asks for more: strides, the "valid" (the default,
as in Keras) and "same" policies, and (H, W, C) maps whose channels are never pooled (with
block_reduce that needs a block size of 1 for the channel axis).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pool_output_shape(input_shape, pool_size, stride=None, padding="valid"):
    """Shape of the output of a 2-D pooling layer.

    Args:
        input_shape: tuple (H, W), (H, W, C) or (N, H, W, C) of positive ints.
        pool_size: int k (a k x k window) or a pair (kh, kw) of positive ints.
        stride: int or pair (sh, sw) of positive ints; None means stride = pool_size
            (the Keras default: windows side by side, no overlap).
        padding: "valid", "zero" or "same" (see the module docstring).

    Returns:
        tuple (H_out, W_out), (H_out, W_out, C) or (N, H_out, W_out, C) of ints, the
        same rank as input_shape; the batch and channel axes are never pooled. Per
        axis, with n the input length, k the window and s the stride:
            "valid": floor((n - k) / s) + 1
            "zero":  the fewest windows covering all n: max(ceil((n - k) / s), 0) + 1
            "same":  ceil(n / s)

    Raises:
        ValueError: if input_shape is not of rank 2, 3 or 4 or has a length < 1, if a
            pool size or a stride is < 1, if padding is not one of the three names,
            or if padding is "valid" and the window is larger than the input.
    """
    ###########################################################################
    # TODO: check the arguments, then compute the output shape.              #
    ###########################################################################
    input_shape = tuple(int(n) for n in input_shape)
    if len(input_shape) not in (2, 3, 4) or min(input_shape) < 1:
        raise ValueError(f"input_shape must be (H, W), (H, W, C) or (N, H, W, C) of positive ints, got {input_shape}")
    batch, spatial = input_shape[:len(input_shape) == 4], input_shape[len(input_shape) == 4:]
    if padding not in ("valid", "zero", "same"):
        raise ValueError(f"padding must be 'valid', 'zero' or 'same', got {padding!r}")
    pool = (pool_size, pool_size) if np.isscalar(pool_size) else tuple(pool_size)
    step = pool if stride is None else (stride, stride) if np.isscalar(stride) else tuple(stride)
    for name, pair, given in (("pool_size", pool, pool_size), ("stride", step, stride)):
        if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in pair):
            raise ValueError(f"{name} must be a positive int or a pair of them, got {given!r}")

    out = []
    for n, k, s in zip(spatial[:2], pool, step):
        if padding == "valid":
            if k > n:
                raise ValueError(f"a window of {k} does not fit an input of {n} with padding='valid'")
            out.append((n - k) // s + 1)
        elif padding == "zero":
            out.append(max(-(-(n - k) // s), 0) + 1)   # -(-a // b) is ceil(a / b)
        else:
            out.append(-(-n // s))
    return batch + tuple(out) + spatial[2:]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def max_pool(x, pool_size=2, stride=None, padding="valid"):
    """2-D max pooling of an image or feature map, each channel on its own.

    Args:
        x: array-like of shape (H, W), (H, W, C) or (N, H, W, C), any real dtype.
        pool_size: int or pair (kh, kw), the window.
        stride: int or pair (sh, sw); None means stride = pool_size.
        padding: "valid" (drop the remainder), "zero" (pad with zeros at the
            bottom/right, as block_reduce) or "same" (Keras: padding never wins).

    Returns:
        array of shape pool_output_shape(x.shape, pool_size, stride, padding) and
        the dtype of x: out[i, j] is the largest value of the window whose top-left
        corner is at row i*sh, column j*sw of the padded input.

    Raises:
        ValueError: for the bad arguments pool_output_shape rejects (including an
            x that is not of rank 2, 3 or 4).
    """
    ###########################################################################
    # TODO: pad as the padding asks, then take the maximum over each window. #
    # Vectorise: no Python loop over output pixels.                          #
    ###########################################################################
    x = np.asarray(x)
    shape = pool_output_shape(x.shape, pool_size, stride, padding)
    batch = x.ndim == 4
    ho, wo = shape[1:3] if batch else shape[:2]
    if batch:
        x = np.moveaxis(x, 0, 2)   # (H, W, N, C): the code below pools the first two axes
    kh, kw = (pool_size, pool_size) if np.isscalar(pool_size) else pool_size
    sh, sw = (kh, kw) if stride is None else (stride, stride) if np.isscalar(stride) else stride

    # Rows and columns the windows reach beyond the input; "valid" never needs any.
    pad_h = max((ho - 1) * sh + kh - x.shape[0], 0)
    pad_w = max((wo - 1) * sw + kw - x.shape[1], 0)
    top, left = (pad_h // 2, pad_w // 2) if padding == "same" else (0, 0)
    if pad_h or pad_w:
        # "same" pads with the lowest value so that padding never wins the max.
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        fill = lowest if padding == "same" else 0
        widths = [(top, pad_h - top), (left, pad_w - left)] + [(0, 0)] * (x.ndim - 2)
        x = np.pad(x, widths, constant_values=fill)

    # Visit the kh*kw offsets inside the window; at each, one strided slice of the
    # whole input holds that element of every window at once.
    out = None
    for i in range(kh):
        for j in range(kw):
            part = x[i:i + (ho - 1) * sh + 1:sh, j:j + (wo - 1) * sw + 1:sw]
            out = part.copy() if out is None else np.maximum(out, part, out=out)
    return np.ascontiguousarray(np.moveaxis(out, 2, 0)) if batch else out
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def average_pool(x, pool_size=2, stride=None, padding="valid"):
    """2-D average pooling of an image or feature map, each channel on its own.

    Args:
        x: array-like of shape (H, W), (H, W, C) or (N, H, W, C), any real dtype.
        pool_size: int or pair (kh, kw), the window.
        stride: int or pair (sh, sw); None means stride = pool_size.
        padding: "valid" (drop the remainder), "zero" (pad with zeros at the
            bottom/right and divide by kh*kw, as block_reduce with np.mean) or
            "same" (Keras: the mean of the real values only, padding excluded).

    Returns:
        float array of shape pool_output_shape(x.shape, pool_size, stride, padding):
        the mean of each window. Float inputs keep their dtype; integer inputs give
        float64.

    Raises:
        ValueError: for the bad arguments pool_output_shape rejects (including an
            x that is not of rank 2, 3 or 4).
    """
    ###########################################################################
    # TODO: sum each window, then divide by the number of values that count. #
    # Vectorise: no Python loop over output pixels.                          #
    ###########################################################################
    x = np.asarray(x)
    shape = pool_output_shape(x.shape, pool_size, stride, padding)
    batch = x.ndim == 4
    ho, wo = shape[1:3] if batch else shape[:2]
    if batch:
        x = np.moveaxis(x, 0, 2)   # (H, W, N, C): the code below pools the first two axes
    kh, kw = (pool_size, pool_size) if np.isscalar(pool_size) else pool_size
    sh, sw = (kh, kw) if stride is None else (stride, stride) if np.isscalar(stride) else stride
    dtype = x.dtype if x.dtype.kind == "f" else np.float64

    pad_h = max((ho - 1) * sh + kh - x.shape[0], 0)
    pad_w = max((wo - 1) * sw + kw - x.shape[1], 0)
    top, left = (pad_h // 2, pad_w // 2) if padding == "same" else (0, 0)
    widths = [(top, pad_h - top), (left, pad_w - left)]
    real = np.ones(x.shape[:2], dtype)   # 1 where a real value sits (for "same")
    if pad_h or pad_w:
        x = np.pad(x, widths + [(0, 0)] * (x.ndim - 2))   # zeros add nothing to a sum
        real = np.pad(real, widths)

    # Sum the windows one offset at a time: each offset is a strided slice of the input.
    windows = [(slice(i, i + (ho - 1) * sh + 1, sh), slice(j, j + (wo - 1) * sw + 1, sw))
               for i in range(kh) for j in range(kw)]
    total = np.zeros((ho, wo) + x.shape[2:], dtype)
    for rows, cols in windows:
        total += x[rows, cols]

    if padding == "same":
        # Divide by the number of real values in each window, not by kh*kw.
        count = sum(real[rows, cols] for rows, cols in windows)
        total = total / count.reshape(count.shape + (1,) * (x.ndim - 2))
    else:
        total /= kh * kw   # "valid" has no padding; "zero" counts the zeros
    return np.ascontiguousarray(np.moveaxis(total, 2, 0)) if batch else total
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def avg_pool(x, pool_size=2, stride=None, padding="valid"):
    """Given: the same as average_pool, under the name Keras-style code often uses."""
    return average_pool(x, pool_size, stride, padding)


def dropout(x, rate, training, seed=None):
    """Inverted dropout, as keras.layers.Dropout.

    In training each value is zeroed with probability `rate` and the survivors are
    multiplied by 1 / (1 - rate), so the expected value of every element is
    unchanged and inference needs no rescaling. In inference dropout is the identity.

    Args:
        x: float array of any shape.
        rate: float in [0, 1), the probability of dropping a value.
        training: bool; False returns x unchanged (a copy).
        seed: int or None, seeds np.random.default_rng; the same seed gives the
            same mask.

    Returns:
        array of the shape and (float) dtype of x.

    Raises:
        ValueError: if rate is not in [0, 1).
    """
    ###########################################################################
    # TODO: draw a keep-mask from a seeded numpy Generator, scale survivors. #
    ###########################################################################
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    x = np.asarray(x)
    if not training or rate == 0:
        return x.copy()
    keep = np.random.default_rng(seed).random(x.shape) >= rate
    # Multiply by the scale (as Keras does) rather than divide by 1 - rate:
    # the two can differ in the last bit.
    return np.where(keep, x * (1.0 / (1.0 - rate)), 0).astype(x.dtype, copy=False)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, epsilon=1e-3):
    """Batch normalisation over the last (channel) axis, as keras.layers.BatchNormalization.

    Training normalises with the batch's own mean and (biased) variance, taken over
    every axis but the last, and moves the running statistics towards them:
        moving = moving * momentum + batch * (1 - momentum)
    Inference normalises with the stored moving (population) statistics and leaves
    them unchanged. Either way
        y = gamma * (x - mean) / sqrt(variance + epsilon) + beta

    Args:
        x: float array (N, C) or (N, H, W, C): a batch, channels last.
        gamma, beta: float arrays (C,), the learned scale and offset.
        moving_mean, moving_var: float arrays (C,), the running statistics.
        training: bool, which statistics to use.
        momentum: float in [0, 1], the weight kept by the old moving statistics.
        epsilon: float > 0, added to the variance before the square root.

    Returns:
        tuple (y, new_moving_mean, new_moving_var): y an array of x's shape, the other
        two arrays (C,), all of dtype np.result_type(x.dtype, np.float32), as Keras
        computes (float32 stays float32, float64 stays float64). The inputs are not
        modified.

    Raises:
        ValueError: if x has rank < 2, if gamma, beta, moving_mean or moving_var is
            not of shape (C,), if momentum is not in [0, 1] or epsilon <= 0.
    """
    ###########################################################################
    # TODO: pick batch or moving statistics, normalise, scale and shift.     #
    ###########################################################################
    x = np.asarray(x)
    dtype = np.result_type(x.dtype, np.float32)
    x = x.astype(dtype, copy=False)
    if x.ndim < 2:
        raise ValueError(f"x must be a batch of rank >= 2, channels last, got shape {x.shape}")
    params = [np.asarray(p, dtype=dtype) for p in (gamma, beta, moving_mean, moving_var)]
    for name, p in zip(("gamma", "beta", "moving_mean", "moving_var"), params):
        if p.shape != x.shape[-1:]:
            raise ValueError(f"{name} must have shape {x.shape[-1:]}, got {p.shape}")
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    gamma, beta, moving_mean, moving_var = params

    if training:
        axes = tuple(range(x.ndim - 1))          # all but the channel axis
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        moving_mean = moving_mean * momentum + mean * (1 - momentum)
        moving_var = moving_var * momentum + var * (1 - momentum)
    else:
        mean, var = moving_mean, moving_var
    # gamma * (x - mean) / sqrt(var + epsilon) + beta, folded into one scale and one
    # shift per channel so the big array is touched twice, not four times.
    scale = gamma / np.sqrt(var + epsilon)
    y = x * scale + (beta - mean * scale)
    return y, moving_mean, moving_var
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def conv2d(x, kernels, bias):
    """Given: a conv layer forward pass, stride 1, Keras "same" padding.

    Cross-correlation, as keras.layers.Conv2D: out[i, j, f] is the sum over the
    window around (i, j) and all input channels of x * kernels[..., f], plus bias[f].

    Args:
        x: float array (H, W, C_in).
        kernels: float array (kh, kw, C_in, F).
        bias: float array (F,).

    Returns:
        float64 array (H, W, F).
    """
    x, kernels, bias = (np.asarray(a, dtype=np.float64) for a in (x, kernels, bias))
    if x.ndim != 3 or kernels.ndim != 4 or kernels.shape[2] != x.shape[2] or bias.shape != kernels.shape[3:]:
        raise ValueError(f"conv2d needs x (H, W, C), kernels (kh, kw, C, F), bias (F,); "
                         f"got {x.shape}, {kernels.shape}, {bias.shape}")
    kh, kw = kernels.shape[:2]
    # "same" with stride 1 pads k - 1 in all; Keras puts the odd one at the bottom/right.
    x = np.pad(x, [((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)])
    windows = sliding_window_view(x, (kh, kw), axis=(0, 1))        # (H, W, C, kh, kw)
    return np.tensordot(windows, kernels, axes=([3, 4, 2], [0, 1, 2])) + bias


def conv_block(x, kernels, bias, activation="relu", pool="max", pool_size=2):
    """A convolutional block: conv -> activation -> pool, printing the shape at each stage.

    The conv is the given conv2d (stride 1, "same"); the pooling takes the max or the mean
    of each pool_size x pool_size window with stride = pool_size and padding "valid", the
    Keras defaults (your max_pool and average_pool do it; so does skimage's block_reduce on
    the map cropped to a multiple of pool_size, with a block size of 1 for the channels).
    As in the lecture, one line per stage is printed: the stage name, then the shape.

    Args:
        x: float array-like (H, W, C_in) (a nested list too), one volume (the given conv2d
            takes no batch), e.g. an image scaled to [0, 1].
        kernels: float array (kh, kw, C_in, F); bias: float array (F,).
        activation: "relu", "tanh" or "linear" (the identity).
        pool: "max" or "avg".
        pool_size: int, the pooling window and stride.

    Returns:
        tuple (out, stages): out the float array (H', W', F) after pooling; stages the
        list of (name, shape) pairs, in order:
            [("input", x.shape), ("conv", ...), (activation, ...), (pool + "_pool", ...)]
        e.g. [("input", (64, 64, 3)), ("conv", (64, 64, 16)), ("relu", (64, 64, 16)),
              ("max_pool", (32, 32, 16))]; each shape a tuple of ints.

    Raises:
        ValueError: if activation or pool is not one of the names above (and for
            the bad arguments conv2d and the pooling functions reject).
    """
    ###########################################################################
    # TODO: chain conv2d, the activation and the pooling; record and print   #
    # each stage's shape.                                                    #
    ###########################################################################
    activations = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z}
    pools = {"max": max_pool, "avg": average_pool}
    if activation not in activations:
        raise ValueError(f"activation must be one of {sorted(activations)}, got {activation!r}")
    if pool not in pools:
        raise ValueError(f"pool must be 'max' or 'avg', got {pool!r}")

    x = np.asarray(x)
    stages = [("input", x.shape)]
    z = conv2d(x, kernels, bias)
    stages.append(("conv", z.shape))
    a = activations[activation](z)
    stages.append((activation, a.shape))
    out = pools[pool](a, pool_size)
    stages.append((pool + "_pool", out.shape))
    for name, shape in stages:
        print(f"{name:<10} {shape}")
    return out, stages
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def translation_invariance(x, shift, pool_size=2):
    """How much of a max-pooled map survives a small shift of its input.

    The lecture says pooling makes a network robust to shifts of a few pixels within a
    window. Measure it: roll x down by dy rows and right by dx columns with np.roll (what
    leaves at the bottom or right comes back at the top or left), max-pool x and the rolled
    x (pool_size x pool_size windows, stride = pool_size, padding "valid": your max_pool
    does it, and so does skimage's block_reduce on the map cropped to a multiple of
    pool_size), and count the positions where the two agree exactly, before and after
    pooling.

    Args:
        x: one map, an array (H, W) or (H, W, C), any real dtype, with H and W >= pool_size.
        shift: pair (dy, dx) of ints >= 0, the shift down and right.
        pool_size: int >= 1.

    Returns:
        tuple (pixels, pooled) of Python floats in [0, 1]: the fraction of the values of
        x equal to the rolled x at the same index, and the fraction of the max-pooled
        values equal to the max-pooled rolled x at the same index.

    Raises:
        ValueError: if x is not of rank 2 or 3, if shift is not a pair of ints >= 0 or
            pool_size is not an int >= 1, or if the window is larger than x.
    """
    ###########################################################################
    # TODO: roll, pool both, and compare before and after pooling.           #
    ###########################################################################
    if np.ndim(shift) != 1 or len(shift) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in shift):
        raise ValueError(f"shift must be a pair (dy, dx) of ints >= 0, got {shift!r}")
    if not isinstance(pool_size, (int, np.integer)) or pool_size < 1:
        raise ValueError(f"pool_size must be an int >= 1, got {pool_size!r}")
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be one map, (H, W) or (H, W, C), got shape {x.shape}")
    rolled = np.roll(x, tuple(int(v) for v in shift), axis=(0, 1))
    pixels = float(np.mean(rolled == x))
    pooled = float(np.mean(max_pool(rolled, pool_size) == max_pool(x, pool_size)))
    return pixels, pooled
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
