"""YOLOv3: from a darknet config to detections on images and video.

You will read the darknet ``.cfg`` that describes YOLOv3, build the Keras model it describes,
load darknet ``.weights`` into it, and turn the network's three output grids into boxes:
decoding, score filtering, non-max suppression, the detector's printed lines, drawing, and
detection over the frames of a video. Work through the questions in order; later ones use
earlier ones.

Conventions used throughout:

- A parsed config ("sections") is a list of ``(section_type, options)`` tuples in file order,
  e.g. ``("convolutional", {"batch_normalize": 1, "filters": 32, ...})``. The first is ``net``.
- Darknet numbers layers from 0, starting at the first section after ``[net]``. Routes and
  shortcuts refer to layers by that number (negative numbers count back from the current layer).
- Shapes are ``(height, width)``; boxes are ``(top, left, bottom, right)`` in pixels.
- Images may be given as a path, an ``(H, W, 3)`` uint8 array, or a PIL image.
"""

import colorsys
from pathlib import Path

import cv2
import keras
import numpy as np
from keras import layers
from PIL import Image, ImageDraw, ImageFont

# keras-yolo3's fixed choice of anchors per output scale (coarse to fine), by number of scales:
# YOLOv3 has three, YOLOv3-tiny two. decode_outputs falls back on it when given no masks; the
# [yolo] sections of a cfg say the same for the course's configs and for darknet's yolov3.cfg, but
# darknet's own yolov3-tiny.cfg gives its fine scale the anchors 0,1,2 (keras-yolo3: 1,2,3), so
# pass the cfg's masks (yolo_heads) to follow a cfg exactly.
ANCHOR_MASKS = {3: [[6, 7, 8], [3, 4, 5], [0, 1, 2]], 2: [[3, 4, 5], [1, 2, 3]]}

# Darknet normalises with (x - mean) / sqrt(variance + eps) using a tiny eps; Keras defaults to
# 1e-3 (keras-yolo3 kept that). The course follows darknet, so weights trained by darknet give
# darknet's outputs even where a moving variance is small.
BN_EPSILON = 1e-6


def load_rgb(image):
    """Given helper: a path, an (H, W[, C]) array or a PIL image as an RGB PIL image.

    Args:
        image: a path, an (H, W) or (H, W, C) uint8 array, or a PIL image.
    Returns:
        an RGB PIL image.
    """
    if isinstance(image, (str, Path)):
        if not Path(image).exists():
            raise FileNotFoundError(f"no such image: {image}")
        image = Image.open(image)
    elif isinstance(image, np.ndarray):
        if image.dtype != np.uint8:
            raise TypeError(f"image arrays must be uint8, got {image.dtype}")
        image = Image.fromarray(image)
    elif not isinstance(image, Image.Image):
        raise TypeError(f"expected a path, a uint8 array or a PIL image, got {type(image).__name__}")
    return image.convert("RGB")


def class_colours(num_classes):
    """Given helper: one (r, g, b) colour per class, hues evenly spread (as keras-yolo3)."""
    hsv = [(i / num_classes, 1.0, 1.0) for i in range(num_classes)]
    return [tuple(int(round(255 * v)) for v in colorsys.hsv_to_rgb(*c)) for c in hsv]


def _sigmoid(x):
    """Given helper: the logistic function, 1 / (1 + exp(-x)), written with tanh so that it never
    overflows (exp(1000) would) and keeps float32 inputs float32."""
    return 0.5 * np.tanh(0.5 * x) + 0.5


def _typed(value):
    """Given helper: a cfg value as int, float or str; comma-separated values become a list."""
    if "," in value:
        return [_typed(v) for v in value.split(",") if v.strip()]
    value = value.strip()
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


# =============================================================================
# Question 1: parse a darknet config
# =============================================================================


def parse_cfg(path):
    """Parse a darknet ``.cfg`` file into its sections, in file order.

    A section starts with a header line ``[type]``; the ``key=value`` lines after it are its
    options. Section types repeat (yolov3.cfg has 75 ``[convolutional]``), so the result is a
    list, not a dict. Lines are stripped of surrounding whitespace; blank lines and lines
    starting with ``#`` or ``;`` are ignored. Spaces around ``=`` do not matter.

    Values are typed with the given helper ``_typed``: ``"32"`` -> 32, ``".1"`` -> 0.1,
    ``"leaky"`` -> ``"leaky"``, ``"-1, 61"`` -> [-1, 61], ``"6,7,8"`` -> [6, 7, 8].

    Args:
        path: str, path of the .cfg file.
    Returns:
        list of (section_type, options) tuples: section_type a str such as "net" or
        "convolutional"; options a dict mapping str keys to int, float, str or list values,
        in file order.
    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: on a malformed line, with the message containing "line N" (N counted from
            1): a header without its closing "]" or with an empty name, a line that is neither
            a header nor "key=value" (or has an empty key or value), an option before the
            first section.
    """
    ###########################################################################
    # TODO: read the file line by line, keep a list of (type, options).       #
    ###########################################################################
    sections = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            where = f"{path}, line {number}"
            if line.startswith("["):
                if not line.endswith("]") or not line[1:-1].strip():
                    raise ValueError(f"{where}: malformed section header {line!r}")
                sections.append((line[1:-1].strip(), {}))
                continue
            key, eq, value = line.partition("=")
            if not eq or not key.strip() or not value.strip():
                raise ValueError(f"{where}: expected key=value, got {line!r}")
            if not sections:
                raise ValueError(f"{where}: option {key.strip()!r} before any [section]")
            sections[-1][1][key.strip()] = _typed(value)
    return sections
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 2: summarise conv blocks, count sections
# =============================================================================


def count_sections(sections):
    """How many sections of each type a config has.

    Args:
        sections: list of (section_type, options) tuples, as parse_cfg returns.
    Returns:
        dict mapping section type (str) to count (int), e.g. {"net": 1, "convolutional": 2,
        "yolo": 1} for a config of one [net], two [convolutional] and one [yolo].
    """
    ###########################################################################
    # TODO: count the section types.                                          #
    ###########################################################################
    counts = {}
    for kind, _ in sections:
        counts[kind] = counts.get(kind, 0) + 1
    return counts
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def conv_summaries(sections):
    """Summarise every ``[convolutional]`` section as the lecture does.

    Darknet's defaults apply to missing options: filters 1, size 1, stride 1, pad 0,
    batch_normalize 0, activation "logistic". Padding is the cfg's, as the lecture reads it:
    "same" when pad is 1 (darknet pads size // 2 on every side, so the grid keeps its size at
    stride 1 and halves, rounding up, at stride 2: the lecture's depth-64, stride-2 block is
    "same"), "valid" when pad is 0. That keras-yolo3 builds a stride-2 conv as top-left zero padding followed by a "valid"
    convolution is an implementation detail of its Keras model, not the block's padding.
    A conv block is pooled when the section right after it is a ``[maxpool]`` (darknet's
    maxpool defaults: stride 1, size = stride).

    Args:
        sections: list of (section_type, options) tuples, as parse_cfg returns (first is net).
    Returns:
        list with one dict per convolutional section, in order, with keys
            "layer": int, its darknet layer index (0 = first section after [net]);
            "depth": int, number of filters;
            "kernel": int, kernel size;
            "stride": int;
            "padding": "same" or "valid";
            "batch_norm": bool;
            "activation": str, e.g. "leaky" or "linear";
            "pooling": None, or {"size": int, "stride": int} of the maxpool that follows.
    """
    ###########################################################################
    # TODO: one dict per convolutional section.                               #
    ###########################################################################
    layers_ = sections[1:]
    summaries = []
    for i, (kind, opts) in enumerate(layers_):
        if kind != "convolutional":
            continue
        stride = opts.get("stride", 1)
        pooling = None
        if i + 1 < len(layers_) and layers_[i + 1][0] == "maxpool":
            pool = layers_[i + 1][1]
            pool_stride = pool.get("stride", 1)
            pooling = {"size": pool.get("size", pool_stride), "stride": pool_stride}
        summaries.append({
            "layer": i,
            "depth": opts.get("filters", 1),
            "kernel": opts.get("size", 1),
            "stride": stride,
            "padding": "same" if opts.get("pad", 0) else "valid",
            "batch_norm": bool(opts.get("batch_normalize", 0)),
            "activation": opts.get("activation", "logistic"),
            "pooling": pooling,
        })
    return summaries
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def yolo_heads(sections):
    """What each ``[yolo]`` section says about its output scale, in cfg order.

    A [yolo] section lists every anchor of the model (``anchors``: w,h pairs in input pixels)
    and, in ``mask``, the indices of the anchors its scale uses. Darknet's defaults: ``classes``
    20; ``anchors`` none; ``mask`` none, meaning every anchor (0 .. num - 1, ``num`` defaulting
    to the number of anchor pairs). A single mask value is still a list.

    Args:
        sections: list of (section_type, options) tuples, as parse_cfg returns (first is net).
    Returns:
        list with one dict per [yolo] section, in order, with keys
            "layer": int, its darknet layer index;
            "mask": list of int;
            "anchors": (N, 2) float32 array of (width, height) pairs (darknet's order for
                anchors), all the anchors it lists;
            "classes": int.
    Raises:
        ValueError: if a section's anchors are not w,h pairs or a mask index is not one of them
            (the message names the layer).
    """
    ###########################################################################
    # TODO: one dict per [yolo] section.                                      #
    ###########################################################################
    heads = []
    for i, (kind, opts) in enumerate(sections[1:]):
        if kind != "yolo":
            continue
        values = opts.get("anchors", [])
        values = values if isinstance(values, list) else [values]
        if len(values) % 2:
            raise ValueError(f"layer {i}: [yolo] anchors must be w,h pairs, got {len(values)} numbers")
        anchors = np.array(values, np.float32).reshape(-1, 2)
        mask = opts.get("mask", list(range(opts.get("num", len(anchors)))))
        mask = [int(m) for m in (mask if isinstance(mask, list) else [mask])]
        if any(not 0 <= m < len(anchors) for m in mask):
            raise ValueError(f"layer {i}: [yolo] mask {mask} names anchors beyond the {len(anchors)} listed")
        heads.append({"layer": i, "mask": mask, "anchors": anchors, "classes": opts.get("classes", 20)})
    return heads
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 3: count parameters from the config alone
# =============================================================================


def count_parameters(sections):
    """Count the Keras model's parameters from the config, without building it.

    Track the depth (channels) of every layer's output: a conv outputs ``filters``; a route
    outputs the sum of the depths of the layers it names (negative indices count back from the
    route itself, others are absolute darknet indices); shortcut, maxpool, upsample and yolo
    keep the depth of the previous layer. The input depth is the net's ``channels`` (default 3).

    A conv with kernel k, input depth c and f filters has k*k*c*f weights, plus f biases
    without batch norm, or with batch norm 4f values: gamma and beta (trainable), moving mean
    and moving variance (non-trainable), and no conv bias.

    Args:
        sections: list of (section_type, options) tuples, as parse_cfg returns (first is net).
    Returns:
        dict with int values: {"total": ..., "trainable": ..., "non_trainable": ...} (for
        yolov3.cfg, compare with the totals of the model summary the lecture prints).
    Raises:
        ValueError: for a section type other than net, convolutional, shortcut, route,
            upsample, maxpool, yolo.
    """
    ###########################################################################
    # TODO: walk the layers, tracking depths, and add up the parameters.      #
    ###########################################################################
    depths = []                                   # output depth of each darknet layer
    trainable = non_trainable = 0
    for i, (kind, opts) in enumerate(sections[1:]):
        previous = depths[-1] if depths else sections[0][1].get("channels", 3)
        if kind == "convolutional":
            k, f = opts.get("size", 1), opts.get("filters", 1)
            bn = opts.get("batch_normalize", 0)
            trainable += k * k * previous * f + (2 * f if bn else f)
            non_trainable += 2 * f if bn else 0
            depths.append(f)
        elif kind == "route":
            named = opts["layers"] if isinstance(opts["layers"], list) else [opts["layers"]]
            depths.append(sum(depths[j if j >= 0 else i + j] for j in named))
        elif kind in ("shortcut", "maxpool", "upsample", "yolo"):
            depths.append(previous)
        else:
            raise ValueError(f"layer {i}: unknown section type [{kind}]")
    return {"total": trainable + non_trainable, "trainable": trainable,
            "non_trainable": non_trainable}
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 4: build the Keras model
# =============================================================================


def build_model(cfg_path):
    """Build the Keras model a darknet config describes (weights stay random).

    The input is ``keras.Input((height, width, channels))`` from the [net] section: 416 x 416
    when it gives no height or width (yolov3's usual size; darknet itself has no default),
    channels 3. Missing options take the defaults conv_summaries lists (filters 1, size 1,
    stride 1, pad 0, batch_normalize 0, activation "logistic"; maxpool stride 1, size = stride);
    upsample's stride is 2. Layer by layer (keep every layer's output in a list, so routes and
    shortcuts can refer back):

    - convolutional: darknet pads p = size // 2 pixels on every side when pad=1 (p = 0 when
      pad=0), so its grid is (in + 2p - size) // stride + 1: 33 x 35 in gives 17 x 18 at stride 2.
      A conv with stride > 1 is preceded by ``ZeroPadding2D(((p, p), (p, p)))`` and runs with
      padding "valid" (Keras's "same" would pad bottom-right first and shift the windows);
      otherwise padding is "same" when pad=1, else "valid". (keras-yolo3 pads the top and left
      only, which gives darknet's grid on even sizes only.) An even size at stride 1 with pad=1
      keeps the input's grid, as "same" does, where darknet's formula gives one more row and
      column (no config here has one).
      ``Conv2D(filters, size, strides=stride, use_bias=not batch_normalize)``, then
      ``BatchNormalization(epsilon=BN_EPSILON)`` when batch_normalize=1 (darknet's tiny epsilon,
      where keras-yolo3 kept Keras's default 1e-3), then ``LeakyReLU(negative_slope=0.1)`` for
      "leaky" ("linear": nothing; any other activation, darknet's default "logistic" included,
      is not built here: a ValueError).
      NAME the conv layer of darknet layer i ``f"conv_{i}"`` and its batch norm ``f"bn_{i}"``:
      ``model.layers`` is in topological order, not cfg order, so load_weights finds the
      layers in cfg order by these names (and the notebook's weight writer relies on them).
    - shortcut: ``Add()`` of the previous layer and layer ``from`` (activation linear).
    - route: one layer: its output passes through; several: ``Concatenate()`` in the given order.
    - upsample: ``UpSampling2D(stride)``; maxpool: ``MaxPooling2D(size, stride, padding="same")``.
    - yolo: the previous layer's output is one of the model's outputs; it passes through.

    Args:
        cfg_path: str, path of a darknet .cfg file.
    Returns:
        keras.Model with the outputs of the [yolo] sections in cfg order, each
        (None, grid height, grid width, filters of the conv before it); count_params() equals
        count_parameters(parse_cfg(cfg_path))["total"].
    Raises:
        ValueError: for an unknown section type or activation.
    """
    ###########################################################################
    # TODO: build the layers in cfg order; return keras.Model(inputs, outs).  #
    ###########################################################################
    sections = parse_cfg(cfg_path)
    net = sections[0][1]
    inputs = keras.Input((net.get("height", 416), net.get("width", 416), net.get("channels", 3)))
    x, outs, outputs = inputs, [], []
    for i, (kind, opts) in enumerate(sections[1:]):
        if kind == "convolutional":
            size, stride = opts.get("size", 1), opts.get("stride", 1)
            bn = bool(opts.get("batch_normalize", 0))
            padding = "same" if opts.get("pad", 0) else "valid"
            if stride > 1:
                # darknet's windows start p pixels above and left of the picture and its grid is
                # (in + 2p - size) // stride + 1: padding p all round, then "valid", is exactly
                # that on every size (top-left only loses a row or column on odd sizes)
                pad = size // 2 if opts.get("pad", 0) else 0
                x = layers.ZeroPadding2D(((pad, pad), (pad, pad)), name=f"pad_{i}")(x)
                padding = "valid"
            x = layers.Conv2D(opts.get("filters", 1), size, strides=stride, padding=padding,
                              use_bias=not bn, name=f"conv_{i}")(x)
            if bn:
                x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"bn_{i}")(x)
            activation = opts.get("activation", "logistic")
            if activation == "leaky":
                x = layers.LeakyReLU(negative_slope=0.1, name=f"leaky_{i}")(x)
            elif activation != "linear":
                raise ValueError(f"layer {i}: unsupported activation {activation!r}")
        elif kind == "shortcut":
            j = opts["from"]
            x = layers.Add(name=f"shortcut_{i}")([x, outs[j if j >= 0 else i + j]])
        elif kind == "route":
            named = opts["layers"] if isinstance(opts["layers"], list) else [opts["layers"]]
            routed = [outs[j if j >= 0 else i + j] for j in named]
            x = routed[0] if len(routed) == 1 else layers.Concatenate(name=f"route_{i}")(routed)
        elif kind == "upsample":
            x = layers.UpSampling2D(opts.get("stride", 2), name=f"upsample_{i}")(x)
        elif kind == "maxpool":
            stride = opts.get("stride", 1)
            x = layers.MaxPooling2D(opts.get("size", stride), stride, padding="same",
                                    name=f"maxpool_{i}")(x)
        elif kind == "yolo":
            outputs.append(x)
        else:
            raise ValueError(f"layer {i}: unknown section type [{kind}]")
        outs.append(x)
    return keras.Model(inputs, outputs, name=Path(cfg_path).stem.replace("-", "_"))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 5: load darknet weights
# =============================================================================


def load_weights(model, weights_path):
    """Load a darknet ``.weights`` file into a model made by build_model.

    File layout (little-endian): version major, minor, revision as int32 >= 0; ``seen`` as int64
    when major * 10 + minor >= 2, else int32; then float32 values, for every conv layer in cfg order:
    with batch norm: beta (filters), gamma (filters), moving mean (filters), moving variance
    (filters); without: biases (filters); then the kernel as (filters, in_channels, k, k).
    Keras wants the kernel as (k, k, in_channels, filters) and batch norm weights as
    [gamma, beta, moving_mean, moving_variance].

    Check the size before setting anything: the file must hold exactly as many floats as the
    model's conv layers need.

    Args:
        model: keras.Model from build_model (conv layers named "conv_{i}", batch norms "bn_{i}").
        weights_path: str, path of the .weights file.
    Returns:
        str, "Read N of M from Darknet weights." where N is the number of floats the model
        took and M the number the file holds after its header (equal on success).
    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: if the file is too short or too long for the model (the message says "too
            short" or "too long" and gives both counts as plain integers, e.g. 12306), if it
            is shorter than its header, or if what follows the header is not a whole number of
            float32s (its byte count is not a multiple of 4: a stray byte is an error, not
            ignored).
    """
    ###########################################################################
    # TODO: read the header, check the count, set every conv and batch norm.  #
    ###########################################################################
    data = Path(weights_path).read_bytes()
    if len(data) < 16:
        raise ValueError(f"{weights_path}: {len(data)} bytes is shorter than a darknet header")
    major, minor, _revision = np.frombuffer(data, "<i4", count=3)
    header = 20 if major * 10 + minor >= 2 else 16
    if (len(data) - header) % 4:
        raise ValueError(f"{weights_path}: {len(data) - header} bytes after the header are not float32s")
    floats = np.frombuffer(data, "<f4", offset=header)

    convs = sorted((l for l in model.layers if l.name.startswith("conv_")),
                   key=lambda l: int(l.name.split("_")[1]))
    names = {l.name for l in model.layers}
    need = sum(int(np.prod(c.kernel.shape)) + c.filters * (4 if f"bn_{c.name[5:]}" in names else 1)
               for c in convs)
    if floats.size != need:
        which = "too short" if floats.size < need else "too long"
        raise ValueError(f"{weights_path} is {which}: Read {min(need, floats.size)} of {floats.size}; "
                         f"the model needs {need} floats")

    pos = 0
    for conv in convs:
        k, _, c, f = conv.kernel.shape
        bn_name = f"bn_{conv.name[5:]}"
        if bn_name in names:
            beta, gamma, mean, var = floats[pos:pos + 4 * f].reshape(4, f)
            model.get_layer(bn_name).set_weights([gamma, beta, mean, var])
            pos += 4 * f
            bias = []
        else:
            bias = [floats[pos:pos + f]]
            pos += f
        kernel = floats[pos:pos + f * c * k * k].reshape(f, c, k, k).transpose(2, 3, 1, 0)
        conv.set_weights([kernel] + bias)
        pos += f * c * k * k
    return f"Read {pos} of {floats.size} from Darknet weights."
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 6: anchors, classes, letterbox
# =============================================================================


def read_anchors(path):
    """Read anchors: one line of comma-separated numbers, "w,h, w,h, ...".

    Args:
        path: str, path of the anchors file (e.g. yolo_anchors.txt).
    Returns:
        (N, 2) float32 array of (width, height) in input pixels (darknet's order for anchors).
    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: if the file holds no numbers or an odd count of them.
    """
    ###########################################################################
    # TODO: read the numbers, check the count is even, reshape to (N, 2).     #
    ###########################################################################
    values = [float(v) for v in Path(path).read_text(encoding="utf-8").replace("\n", ",").split(",") if v.strip()]
    if not values or len(values) % 2:
        raise ValueError(f"{path}: expected pairs w,h, got {len(values)} numbers")
    return np.array(values, dtype=np.float32).reshape(-1, 2)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def read_classes(path):
    """Read class names, one per line (surrounding whitespace and blank lines dropped).

    Args:
        path: str, path of the class list (e.g. coco_classes.txt).
    Returns:
        list of str (80 for COCO, "person" first).
    Raises:
        FileNotFoundError: if there is no such file.
    """
    ###########################################################################
    # TODO: read the lines, strip them, drop the blank ones.                  #
    ###########################################################################
    return [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def letterbox(image, shape=(416, 416)):
    """Fit an image into ``shape`` without distorting it, as keras-yolo3's letterbox_image.

    scale = min(width / iw, height / ih); the image is resized to (int(iw * scale),
    int(ih * scale)) with bicubic interpolation and pasted at ((width - nw) // 2,
    (height - nh) // 2) on a grey (128, 128, 128) canvas.

    Args:
        image: a path, an (H, W, 3) uint8 array or a PIL image (converted to RGB; use load_rgb).
        shape: (height, width) of the result, ints.
    Returns:
        (height, width, 3) uint8 array.
    Raises:
        FileNotFoundError: for a path that does not exist.
        ValueError: if shape is not two positive ints.
    """
    ###########################################################################
    # TODO: resize with the aspect kept, paste centred on a grey canvas.      #
    ###########################################################################
    if len(shape) != 2 or min(shape) <= 0:
        raise ValueError(f"shape must be (height, width) > 0, got {shape}")
    image = load_rgb(image)
    h, w = shape
    iw, ih = image.size
    scale = min(w / iw, h / ih)
    nw, nh = int(iw * scale), int(ih * scale)
    canvas = Image.new("RGB", (w, h), (128, 128, 128))
    canvas.paste(image.resize((nw, nh), Image.BICUBIC), ((w - nw) // 2, (h - nh) // 2))
    return np.asarray(canvas)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 7: decode the output scales
# =============================================================================


def decode_outputs(outputs, anchors, num_classes, input_shape, image_shape, masks=None):
    """Turn the raw output grids into boxes and class scores, as keras-yolo3's yolo_head and
    yolo_correct_boxes.

    Each output has A = 3 anchors per cell and 5 + num_classes values per anchor:
    t_x, t_y, t_w, t_h, objectness, class logits. Scale s (coarse to fine) uses the anchors
    masks[s]: the [yolo] sections' masks as yolo_heads reads them from the cfg; without masks,
    keras-yolo3's fixed ANCHOR_MASKS[len(outputs)][s] (the same as the course's configs; darknet's
    own yolov3-tiny.cfg differs on its fine scale, so pass its masks). For the cell in row gy,
    column gx of a (gh, gw) grid:

        x = (sigmoid(t_x) + gx) / gw        y = (sigmoid(t_y) + gy) / gh       (0..1 of the input)
        w = exp(t_w) * anchor_w / input_w   h = exp(t_h) * anchor_h / input_h
        score[c] = sigmoid(objectness) * sigmoid(class logit c)

    Then undo the letterbox: new = round(image_shape * min(input_shape / image_shape)),
    offset = (input_shape - new) / 2 / input_shape, scale = input_shape / new (each per axis,
    as (y, x)); (y, x) = ((y, x) - offset) * scale and (h, w) = (h, w) * scale; corners
    top = y - h/2, left = x - w/2, bottom = y + h/2, right = x + w/2, times the image's
    (height, width, height, width).

    Args:
        outputs: list of 2 or 3 float arrays, coarse to fine, each (1, gh, gw, 3*(5+num_classes))
            or (gh, gw, 3*(5+num_classes)) (what model.predict returns for one image).
        anchors: (N, 2) float array of (width, height) in input pixels (N = 9 or 6; darknet's
            order for anchors, as read_anchors returns).
        num_classes: int.
        input_shape: (height, width) of the network input, e.g. (416, 416).
        image_shape: (height, width) of the original image.
        masks: None, or one list of anchor indices per output, in the same order (A = its length).
    Returns:
        boxes: (M, 4) float32 array of (top, left, bottom, right) in image pixels, and
        scores: (M, num_classes) float32 array, where M = sum of gh * gw * 3 over the scales,
        ordered by scale (as given), then row, column, anchor.
    Raises:
        ValueError: if there are not 2 or 3 outputs (without masks), masks has not one entry per
            output or an index outside 0 .. len(anchors) - 1, or an output's last axis is not
            A * (5 + num_classes).
    """
    ###########################################################################
    # TODO: decode every scale, then correct the boxes for the letterbox.     #
    ###########################################################################
    if masks is None:
        if len(outputs) not in ANCHOR_MASKS:
            raise ValueError(f"expected 2 or 3 outputs without masks, got {len(outputs)}")
        masks = ANCHOR_MASKS[len(outputs)]
    anchors = np.asarray(anchors, np.float32)
    if len(masks) != len(outputs) or any(not 0 <= m < len(anchors) for mask in masks for m in mask):
        raise ValueError(f"masks {masks} do not give one list of anchor indices (< {len(anchors)}) "
                         f"per output ({len(outputs)})")
    input_hw = np.array(input_shape[:2], np.float32)
    image_hw = np.array(image_shape[:2], np.float32)
    new_hw = np.round(image_hw * np.min(input_hw / image_hw))
    offset, scale = (input_hw - new_hw) / 2.0 / input_hw, input_hw / new_hw
    grids = [np.asarray(f, np.float32) for f in outputs]
    grids = [f[0] if f.ndim == 4 else f for f in grids]
    for f, mask in zip(grids, masks):
        if f.ndim != 3 or f.shape[-1] != len(mask) * (5 + num_classes):
            raise ValueError(f"output of shape {f.shape}: depth is not {len(mask)} * (5 + {num_classes})")
    # one output array filled scale by scale: the class scores are most of the work, so they are
    # computed in place there (same float32 operations as _sigmoid, no temporaries, no concatenate)
    sizes = [f.shape[0] * f.shape[1] * len(mask) for f, mask in zip(grids, masks)]
    boxes = np.empty((sum(sizes), 4), np.float32)
    scores = np.empty((sum(sizes), num_classes), np.float32)
    start = 0
    for feats, mask, n in zip(grids, masks, sizes):
        gh, gw = feats.shape[:2]
        feats = feats.reshape(gh, gw, len(mask), 5 + num_classes)
        gy, gx = np.mgrid[0:gh, 0:gw]
        grid = np.stack([gx, gy], axis=-1)[:, :, None, :]             # (gh, gw, 1, 2) as (x, y)
        xy = (_sigmoid(feats[..., 0:2]) + grid) / np.array([gw, gh], np.float32)
        wh = np.exp(feats[..., 2:4]) * anchors[mask] / input_hw[::-1]
        yx = (xy[..., ::-1] - offset) * scale                        # undo the letterbox, (y, x)
        hw = wh[..., ::-1] * scale
        corners = np.concatenate([yx - hw / 2, yx + hw / 2], axis=-1) * np.tile(image_hw, 2)
        boxes[start:start + n] = corners.reshape(-1, 4)
        out = scores[start:start + n].reshape(gh, gw, len(mask), num_classes)   # a view
        np.multiply(feats[..., 5:], 0.5, out=out)
        np.tanh(out, out=out)
        out *= 0.5
        out += 0.5
        out *= _sigmoid(feats[..., 4:5])
        start += n
    return boxes, scores
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 8: score threshold, non-max suppression, the printed lines, drawing
# =============================================================================


def filter_boxes(boxes, scores, score_threshold=0.3, iou_threshold=0.45, max_boxes=20):
    """Keep the confident boxes and suppress duplicates, class by class (keras-yolo3's yolo_eval).

    For each class c: take the boxes with scores[:, c] >= score_threshold, and run greedy
    non-max suppression on them: repeatedly keep the highest-scoring remaining box and drop
    every remaining box whose IoU with it is greater than iou_threshold, keeping at most
    max_boxes per class (as tf.image.non_max_suppression). IoU = intersection area / union area
    of (top, left, bottom, right) boxes. Finally sort all kept detections by score, highest
    first (ties: lower class first).

    Args:
        boxes: (M, 4) float array of (top, left, bottom, right).
        scores: (M, C) float array of class scores.
        score_threshold: float, minimum score to keep.
        iou_threshold: float, overlap above which a lower-scoring box is suppressed.
        max_boxes: int, most boxes kept per class.
    Returns:
        boxes: (K, 4) float32, scores: (K,) float32, classes: (K,) int32 (class indices),
        sorted by score, highest first.
    Raises:
        ValueError: if boxes is not (M, 4) or scores not (M, C) with the same M.
    """
    ###########################################################################
    # TODO: threshold, per-class NMS, sort.                                   #
    ###########################################################################
    boxes, scores = np.asarray(boxes, np.float32), np.asarray(scores, np.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or scores.ndim != 2 or len(scores) != len(boxes):
        raise ValueError(f"expected boxes (M, 4) and scores (M, C), got {boxes.shape} and {scores.shape}")
    # every (box, class) candidate, row by row (flatnonzero is much faster than a 2-d nonzero)
    rows, cols = np.divmod(np.flatnonzero(scores >= score_threshold), scores.shape[1])
    cand = scores[rows, cols]
    by_class = np.lexsort((-cand, cols))                   # class by class, best first (ties: row)
    rows, cols, cand = rows[by_class], cols[by_class], cand[by_class]
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]]) if len(cols) else np.zeros(0, int)
    counts = np.diff(np.r_[starts, len(cols)])
    keep = np.zeros(len(cols), bool)

    def greedy(boxes, starts, counts):
        """Greedy NMS on several classes at once: class g's candidates are
        boxes[starts[g]:starts[g] + counts[g]], best first; marks the survivors in keep."""
        n = int(counts.max())
        slot = np.arange(n)
        valid = slot[None, :] < counts[:, None]                          # (G, n)
        at = np.where(valid, starts[:, None] + slot[None, :], 0)
        b = boxes[at]                                                   # (G, n, 4)
        # IoU > threshold written as inter > threshold * union, so that empty boxes (union 0)
        # never suppress
        inter = np.prod(np.clip(np.minimum(b[:, :, None, 2:], b[:, None, :, 2:])
                                - np.maximum(b[:, :, None, :2], b[:, None, :, :2]), 0, None), axis=3)
        area = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
        suppresses = inter > iou_threshold * (area[:, :, None] + area[:, None, :] - inter)
        # only a better box of the same class suppresses
        suppresses &= (slot[:, None] < slot[None, :]) & valid[:, :, None] & valid[:, None, :]
        alive = valid.copy()
        for i in np.flatnonzero(suppresses.any(axis=(0, 2))):        # greedy, best first, skipping
            alive &= ~(suppresses[:, i, :] & alive[:, i, None])    # boxes that overlap nothing
        # keeping at most max_boxes per class is stopping after the first max_boxes survivors
        alive &= np.cumsum(alive, axis=1) <= max_boxes
        keep[at[alive]] = True

    # classes with few candidates (the usual case: a few boxes each for many classes) are
    # suppressed together, padded to (classes, n, n); a crowded class goes on its own
    small = counts <= 64
    candidates = boxes[rows]
    for group in [np.flatnonzero(small)] + [[g] for g in np.flatnonzero(~small)]:
        if len(group):
            greedy(candidates, starts[group], counts[group])
    index, classes = rows[keep], cols[keep].astype(np.int32)
    kept_scores = cand[keep]
    order = np.argsort(-kept_scores, kind="stable")     # candidates came class by class: ties by class
    return boxes[index][order].reshape(-1, 4), kept_scores[order], classes[order]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def detection_lines(boxes, scores, classes, class_names, image_shape):
    """The lines keras-yolo3's detect_image prints, in the order of the detections given.

    First "Found N boxes for img", then one line per detection:
    "label score (left, top) (right, bottom)", e.g. "dog 0.99 (123, 45) (300, 400)": score
    with two decimals; each coordinate rounded as floor(v + 0.5); top and left clipped at 0,
    bottom at the image height, right at the image width.

    Args:
        boxes: (K, 4) float array of (top, left, bottom, right) in image pixels.
        scores: (K,) float array.
        classes: (K,) int array of class indices.
        class_names: list of str.
        image_shape: (height, width) of the image (a longer shape such as (H, W, 3) is fine).
    Returns:
        list of K + 1 str.
    """
    ###########################################################################
    # TODO: round, clip, format: one line per detection after the header.     #
    ###########################################################################
    height, width = image_shape[:2]
    lines = [f"Found {len(boxes)} boxes for img"]
    for (top, left, bottom, right), score, c in zip(np.asarray(boxes), scores, classes):
        top, left = max(0, int(np.floor(top + 0.5))), max(0, int(np.floor(left + 0.5)))
        bottom, right = min(height, int(np.floor(bottom + 0.5))), min(width, int(np.floor(right + 0.5)))
        lines.append(f"{class_names[int(c)]} {score:.2f} ({left}, {top}) ({right}, {bottom})")
    return lines
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def draw_detections(image, boxes, scores, classes, class_names):
    """Draw boxes and labels on a copy of the image with PIL, as keras-yolo3.

    Round and clip each box as detection_lines does (top and left at 0, bottom at the image
    height, right at the image width). A box left with no area (right <= left or
    bottom <= top: a box outside the picture, in a letterbox band, or given inverted) is
    skipped: no outline, no label. Any other box gets its outline in the class's colour
    (class_colours(len(class_names))[class]), growing inwards: rectangles
    [left + i, top + i, right - i, bottom - i] for i in range(thickness), where thickness is
    max(1, (width + height) // 300) for the image's width and height, capped so that the last
    rectangle is not inverted: at most min(right - left, bottom - top) // 2 + 1. Then write
    "label score" (two decimals) in black on a filled rectangle of the same colour, just above
    the box, or just inside its top when there is no room above (use ImageFont.load_default()).
    Pixels away from the outlines and labels stay unchanged. Boxes thinner than the outline,
    inverted or outside the picture never raise.

    Args:
        image: a path, an (H, W, 3) uint8 array or a PIL image.
        boxes: (K, 4) float array of (top, left, bottom, right) in image pixels.
        scores: (K,) float array.
        classes: (K,) int array of class indices.
        class_names: list of str.
    Returns:
        (H, W, 3) uint8 array (the input is not modified).
    """
    ###########################################################################
    # TODO: outlines, then labels on filled rectangles; return an array.      #
    ###########################################################################
    canvas = load_rgb(image).copy()
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    colours = class_colours(len(class_names))
    width, height = canvas.size
    thickness = max(1, (width + height) // 300)
    for (top, left, bottom, right), score, c in zip(np.asarray(boxes).reshape(-1, 4), scores, classes):
        top, left = max(0, int(np.floor(top + 0.5))), max(0, int(np.floor(left + 0.5)))
        bottom, right = min(height, int(np.floor(bottom + 0.5))), min(width, int(np.floor(right + 0.5)))
        if right <= left or bottom <= top:
            continue                 # nothing of it on the picture: PIL would refuse the rectangle
        colour = colours[int(c)]
        for i in range(min(thickness, min(right - left, bottom - top) // 2 + 1)):
            draw.rectangle([left + i, top + i, right - i, bottom - i], outline=colour)
        label = f"{class_names[int(c)]} {score:.2f}"
        x0, y0, x1, y1 = draw.textbbox((0, 0), label, font=font)
        text_w, text_h = x1 - x0, y1 - y0
        origin = (left, top - text_h - 1) if top - text_h - 1 >= 0 else (left, top + 1)
        draw.rectangle([origin, (origin[0] + text_w, origin[1] + text_h)], fill=colour)
        draw.text((origin[0] - x0, origin[1] - y0), label, fill=(0, 0, 0), font=font)
    return np.asarray(canvas)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 9: detection on an image, and over the frames of a video
# =============================================================================


def detect_image(model, image, anchors, class_names, score_threshold=0.3, iou_threshold=0.45,
                 masks=None):
    """Detect objects in one image and draw them: letterbox to the model's input size, scale to
    [0, 1] float32, add a batch axis, predict, decode, filter, print the lines, draw.

    Args:
        model: keras.Model from build_model (weights loaded).
        image: a path, an (H, W, 3) uint8 array or a PIL image.
        anchors: (N, 2) float array, as read_anchors returns.
        class_names: list of str.
        score_threshold, iou_threshold: floats, as filter_boxes.
        masks: None or the cfg's masks, as decode_outputs.
    Returns:
        (annotated, lines): annotated an (H, W, 3) uint8 array (draw_detections on the original
        image), lines the list of str from detection_lines (also printed).
    """
    ###########################################################################
    # TODO: letterbox, scale, predict, decode, filter, lines, draw.           #
    ###########################################################################
    rgb = np.asarray(load_rgb(image))
    input_shape = tuple(model.input_shape[1:3])
    batch = letterbox(rgb, input_shape)[None].astype(np.float32) / 255.0
    outputs = model.predict_on_batch(batch)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    boxes, scores = decode_outputs(outputs, anchors, len(class_names), input_shape, rgb.shape[:2], masks)
    boxes, scores, classes = filter_boxes(boxes, scores, score_threshold, iou_threshold)
    lines = detection_lines(boxes, scores, classes, class_names, rgb.shape[:2])
    print("\n".join(lines))
    return draw_detections(rgb, boxes, scores, classes, class_names), lines
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def read_frames(path):
    """Read every frame of a video with OpenCV, as RGB (OpenCV decodes to BGR).

    Args:
        path: str, path of the video.
    Returns:
        list of (H, W, 3) uint8 RGB arrays, one per frame.
    Raises:
        FileNotFoundError: if there is no such file.
    """
    ###########################################################################
    # TODO: VideoCapture, read until it fails, BGR -> RGB.                    #
    ###########################################################################
    if not Path(path).is_file():
        raise FileNotFoundError(f"no such video: {path}")
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def detect_video(model, video_in, video_out, anchors, class_names, score_threshold=0.3,
                 iou_threshold=0.45, masks=None):
    """Run detect_image on every frame of a video and write the annotated frames.

    Read with cv2.VideoCapture (frames are BGR: convert to RGB before detecting, and back to
    BGR for writing); write with cv2.VideoWriter at the input's frame rate (10 if it reports
    none) and frame size, codec "MJPG" for a .avi output, "mp4v" for .mp4.

    Args:
        model: keras.Model from build_model (weights loaded).
        video_in: str, path of the input video.
        video_out: str, path of the annotated video to write (.avi or .mp4).
        anchors, class_names, score_threshold, iou_threshold, masks: as detect_image.
    Returns:
        list with one list of str per frame: that frame's detection_lines (also printed).
    Raises:
        FileNotFoundError: if video_in does not exist.
        ValueError: if video_out does not end in .avi or .mp4.
    """
    ###########################################################################
    # TODO: check paths, loop over frames, detect, write, release.            #
    ###########################################################################
    codecs = {".avi": "MJPG", ".mp4": "mp4v"}
    suffix = Path(video_out).suffix.lower()
    if suffix not in codecs:
        raise ValueError(f"video_out must end in .avi or .mp4, got {video_out!r}")
    if not Path(video_in).is_file():
        raise FileNotFoundError(f"no such video: {video_in}")
    capture = cv2.VideoCapture(str(video_in))
    fps = capture.get(cv2.CAP_PROP_FPS) or 10.0
    writer, per_frame = None, []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        annotated, lines = detect_image(model, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), anchors,
                                        class_names, score_threshold, iou_threshold, masks)
        if writer is None:
            height, width = frame.shape[:2]
            writer = cv2.VideoWriter(str(video_out), cv2.VideoWriter_fourcc(*codecs[suffix]), fps,
                                     (width, height))
        writer.write(cv2.cvtColor(annotated, cv2.COLOR_RGB2BGR))
        per_frame.append(lines)
    capture.release()
    if writer is not None:
        writer.release()
    return per_frame
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


# =============================================================================
# Question 10: anchors by k-means over box sizes, with an IoU distance
# =============================================================================


def kmeans_anchors(boxes_wh, k, seed=0, max_iter=300):
    """Choose k anchors for a set of boxes by k-means with the distance 1 - IoU (YOLOv2's way).

    Only sizes matter, so two boxes are compared as if they shared their top-left corner:
    IoU((w1, h1), (w2, h2)) = min(w1, w2) * min(h1, h2) / (w1 * h1 + w2 * h2 - that).
    Euclidean k-means would let large boxes dominate; 1 - IoU treats a 10% mismatch alike at
    every size.

    1. Start from k distinct boxes: ``np.random.default_rng(seed).choice(N, k, replace=False)``
       gives their indices, in that order.
    2. Assign each box to the centroid it has the highest IoU with (ties: the lower index).
    3. Stop when no assignment changed since the previous round (or after max_iter rounds);
       otherwise move each centroid to the mean (w, h) of its boxes (a centroid with no box
       stays where it is) and go back to 2.

    Args:
        boxes_wh: (N, 2) float array (or nested list) of box (width, height), all > 0 (darknet's
            order for anchors, as read_anchors returns them).
        k: int, the number of anchors, 1 <= k <= N.
        seed: int, seeds the choice of starting boxes.
        max_iter: int, the most assignment rounds.
    Returns:
        (k, 2) float32 array of (width, height) (darknet's anchor order), sorted by area
        (w * h), smallest first (ties: narrower first).
    Raises:
        ValueError: if boxes_wh is not (N, 2) with positive values, or k is not in 1..N.
    """
    ###########################################################################
    # TODO: k distinct starting boxes, then assign / update until stable.     #
    ###########################################################################
    wh = np.asarray(boxes_wh, np.float64)
    if wh.ndim != 2 or wh.shape[1] != 2 or not np.all(wh > 0):
        raise ValueError(f"boxes_wh must be (N, 2) positive widths and heights, got shape {wh.shape}")
    if not 1 <= k <= len(wh):
        raise ValueError(f"k must be between 1 and the number of boxes ({len(wh)}), got {k}")
    centroids = wh[np.random.default_rng(seed).choice(len(wh), k, replace=False)]
    assigned = None
    for _ in range(max_iter):
        inter = np.minimum(wh[:, None, 0], centroids[None, :, 0]) * np.minimum(wh[:, None, 1], centroids[None, :, 1])
        iou = inter / (wh.prod(axis=1)[:, None] + centroids.prod(axis=1)[None, :] - inter)
        nearest = np.argmax(iou, axis=1)                  # argmax: the first of equal IoUs
        if assigned is not None and np.array_equal(nearest, assigned):
            break
        assigned = nearest
        for j in range(k):
            members = wh[assigned == j]
            if len(members):
                centroids[j] = members.mean(axis=0)
    order = np.lexsort((centroids[:, 0], centroids.prod(axis=1)))
    return centroids[order].astype(np.float32)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def mean_best_iou(boxes_wh, anchors):
    """Given helper: how well anchors fit boxes, the mean over boxes of their best IoU with an
    anchor (sizes only, as kmeans_anchors compares them).

    Args:
        boxes_wh: (N, 2) float array of (width, height) (darknet's anchor order);
        anchors: (K, 2) float array, the same order.
    Returns:
        float in (0, 1].
    """
    wh, anchors = np.asarray(boxes_wh, np.float64), np.asarray(anchors, np.float64)
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    iou = inter / (wh.prod(axis=1)[:, None] + anchors.prod(axis=1)[None, :] - inter)
    return float(iou.max(axis=1).mean())


# =============================================================================
# Question 11: save the built model and load it back
# =============================================================================


def demo_model(seed=0):
    """Given helper: a small Keras model with random weights, made of the layers build_model
    makes (padding, stride-2 conv, batch norm, leaky ReLU, a linear 1x1 output conv): something
    to save and load without questions 4 and 5.

    Args:
        seed: int, seeds the weights.
    Returns:
        keras.Model from a (16, 16, 3) input to one (8, 8, 21) output.
    """
    inputs = keras.Input((16, 16, 3))
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="pad_0")(inputs)
    x = layers.Conv2D(8, 3, strides=2, padding="valid", use_bias=False, name="conv_0")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="bn_0")(x)
    x = layers.LeakyReLU(negative_slope=0.1, name="leaky_0")(x)
    model = keras.Model(inputs, layers.Conv2D(21, 1, name="conv_1")(x), name="demo")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(np.float32) if "variance" in w.path
                       else rng.normal(size=w.shape).astype(np.float32) for w in model.weights])
    return model


def save_and_reload(model, path):
    """Save a model to a file and load it back as the lecture does,
    ``keras.models.load_model(path, compile=False)``.

    The lecture loads keras-yolo3's converted ``yolo.h5``; Keras 3 writes its own ``.keras``
    format too. compile=False because the detector is only run, never trained here: a model
    saved without an optimiser and loss has nothing to compile.

    Load it back with compile=False even when the model given was compiled: the model returned
    is a new one, read from the file, and not compiled.

    Args:
        model: a keras.Model (e.g. from build_model with weights loaded, or demo_model()).
        path: str or Path of the file to write, ending in ".keras" or ".h5"; its folder exists.
    Returns:
        the keras.Model loaded back from path (same layers, names and weights).
    Raises:
        ValueError: if path does not end in ".keras" or ".h5" (nothing is written).
    """
    ###########################################################################
    # TODO: check the suffix, model.save, keras.models.load_model.            #
    ###########################################################################
    if Path(path).suffix.lower() not in (".keras", ".h5"):
        raise ValueError(f"path must end in .keras or .h5, got {str(path)!r}")
    model.save(str(path))
    return keras.models.load_model(str(path), compile=False)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
