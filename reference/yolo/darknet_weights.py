"""Write (and read back) darknet ``.weights`` files, so tests and notebooks can make their own.

A darknet weights file is a header, then the parameters of every ``[convolutional]`` section
in cfg order, as little-endian float32:

    header    major, minor, revision as int32; ``seen`` (images seen in training) as int64
              when major * 10 + minor >= 2, else as int32 (20 or 16 bytes)
    per conv  biases (filters,)
              and, with batch_normalize=1: scales (filters,), rolling_mean (filters,),
              rolling_variance (filters,)          -- the bias is then batch norm's beta
              weights (filters, in_channels, size, size)

The real ``yolov3.weights`` (darknet 0.2.0) is 20 + 4 * 62,001,757 = 248,007,048 bytes.

A conv layer is described by a spec ``(filters, in_channels, size, batch_normalize)``.
"""

from pathlib import Path

import numpy as np

BN_KEYS = ("biases", "scales", "rolling_mean", "rolling_variance")


def header_bytes(version=(0, 2, 0), seen=0):
    """The file header: three int32 then ``seen`` as int64 (version >= 0.2) or int32."""
    major, minor, revision = version
    head = np.array([major, minor, revision], dtype="<i4").tobytes()
    seen_type = "<i8" if major * 10 + minor >= 2 else "<i4"
    return head + np.array([seen], dtype=seen_type).tobytes()


def layer_float_count(spec):
    """How many float32 values one conv layer stores."""
    filters, in_channels, size, batch_normalize = spec
    per_filter = 4 if batch_normalize else 1
    return filters * per_filter + filters * in_channels * size * size


def random_layers(specs, rng, output_bias=None):
    """Random but well-scaled parameters for the conv layers ``specs``.

    Kernels are He-normal (std sqrt(2 / fan_in)), which keeps the size of activations through
    one conv and leaky ReLU; batch norm scales near 0.5 then shrink every conv's output, so that
    the 23 residual additions of YOLOv3 cannot blow activations up (in inference, batch norm
    does not renormalise); means near 0, variances in [0.5, 1.5].
    ``output_bias``, when given, is used for the biases of layers without batch norm (the
    detection heads), whose kernels are then scaled down 1000-fold so that the bias decides the
    outputs: a large negative value makes a network that finds nothing (and whose box sizes,
    exp(bias), stay finite however large the activations of a random deep network grow).
    """
    layers = []
    for filters, in_channels, size, batch_normalize in specs:
        fan_in = in_channels * size * size
        layer = {"weights": (rng.standard_normal((filters, in_channels, size, size))
                             * np.sqrt(2.0 / fan_in)).astype(np.float32)}
        if batch_normalize:
            layer["biases"] = rng.uniform(-0.1, 0.1, filters).astype(np.float32)
            layer["scales"] = rng.uniform(0.45, 0.55, filters).astype(np.float32)
            layer["rolling_mean"] = rng.uniform(-0.1, 0.1, filters).astype(np.float32)
            layer["rolling_variance"] = rng.uniform(0.5, 1.5, filters).astype(np.float32)
        elif output_bias is not None:
            layer["biases"] = np.full(filters, output_bias, dtype=np.float32)
            layer["weights"] *= np.float32(1e-3)
        else:
            layer["biases"] = rng.uniform(-0.5, 0.5, filters).astype(np.float32)
        layers.append(layer)
    return layers


def write_weights(path, layers, version=(0, 2, 0), seen=0, extra_floats=0):
    """Write ``layers`` (dicts of arrays, see the module docstring) as a darknet weights file.

    ``extra_floats`` appends that many zeros (to make a file that is too long).
    Returns the number of float32 values written.
    """
    chunks = [header_bytes(version, seen)]
    count = 0
    for layer in layers:
        keys = BN_KEYS if "scales" in layer else ("biases",)
        for key in keys + ("weights",):
            values = np.ascontiguousarray(layer[key], dtype="<f4")
            chunks.append(values.tobytes())
            count += values.size
    chunks.append(np.zeros(extra_floats, dtype="<f4").tobytes())
    Path(path).write_bytes(b"".join(chunks))
    return count + extra_floats


def write_random_weights(path, specs, seed=0, version=(0, 2, 0), seen=0, output_bias=None,
                         chunk_floats=1 << 24):
    """Write a random weights file for ``specs`` without holding it all in memory twice.

    Layers are generated and written one at a time (a 248 MB yolov3 file needs no more than
    one layer's parameters in memory). Returns the number of float32 values written.
    """
    rng = np.random.default_rng(seed)
    count = 0
    with open(path, "wb") as f:
        f.write(header_bytes(version, seen))
        for spec in specs:
            (layer,) = random_layers([spec], rng, output_bias=output_bias)
            keys = BN_KEYS if "scales" in layer else ("biases",)
            for key in keys + ("weights",):
                f.write(np.ascontiguousarray(layer[key], dtype="<f4").tobytes())
            count += layer_float_count(spec)
    return count


def read_weights(path, specs):
    """Read a darknet weights file back: ``(header, layers)`` for the conv layers ``specs``.

    ``header`` is ``(major, minor, revision, seen)``. Raises ValueError if the file holds a
    different number of floats than ``specs`` need.
    """
    data = Path(path).read_bytes()
    major, minor, revision = np.frombuffer(data[:12], dtype="<i4")
    seen_size = 8 if major * 10 + minor >= 2 else 4
    seen = int(np.frombuffer(data[12:12 + seen_size], dtype="<i8" if seen_size == 8 else "<i4")[0])
    floats = np.frombuffer(data[12 + seen_size:], dtype="<f4")
    need = sum(layer_float_count(s) for s in specs)
    if floats.size != need:
        raise ValueError(f"{path}: holds {floats.size} floats, the layers need {need}")
    layers, pos = [], 0
    for filters, in_channels, size, batch_normalize in specs:
        layer = {}
        for key in (BN_KEYS if batch_normalize else ("biases",)):
            layer[key] = floats[pos:pos + filters]
            pos += filters
        n = filters * in_channels * size * size
        layer["weights"] = floats[pos:pos + n].reshape(filters, in_channels, size, size)
        pos += n
        layers.append(layer)
    return (int(major), int(minor), int(revision), seen), layers


def conv_specs_from_model(model):
    """Conv specs of a Keras model built by ``build_model``, in cfg order.

    Relies on the naming that ``build_model`` documents: the conv layer of cfg layer ``i`` is
    named ``conv_{i}`` and its batch normalisation ``bn_{i}``.
    """
    convs = {}
    names = {layer.name for layer in model.layers}
    for layer in model.layers:
        if layer.name.startswith("conv_") and layer.name[5:].isdigit():
            size, _, in_channels, filters = layer.kernel.shape
            index = int(layer.name[5:])
            convs[index] = (int(filters), int(in_channels), int(size), f"bn_{index}" in names)
    return [convs[i] for i in sorted(convs)]
