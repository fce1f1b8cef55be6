"""Classifier swap: ImageNet classifiers from keras.applications, one word apart.

Every classifier in ``keras.applications`` follows the same recipe: crop and resize the photo
to the model's input size, turn it into a float array, apply the model's own
``preprocess_input``, add a batch axis, ``predict`` 1000 class probabilities and decode the
best few into ImageNet (wnid, label, score) triples. Only three things change from one model
to the next: the constructor, the input size, and the preprocessing. Put those in a table and
swapping a model becomes swapping a word.

With ``weights="imagenet"`` Keras downloads the trained weights (VGG16: 528 MB) and the class
index on first use. With ``weights=None`` the weights are random: the pipeline runs, the
predictions mean nothing.
"""

import importlib
import json
import re
import time
from pathlib import Path

import keras
import numpy as np
from keras.applications import vgg16
from PIL import Image, ImageOps, UnidentifiedImageError

NUM_CLASSES = 1000  # ImageNet-1k

# The ImageNet statistics behind the "caffe" and "torch" preprocessing modes.
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)  # 0..255, BGR order
TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)  # 0..1, RGB order
TORCH_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def read_class_index(class_index):
    """Read a class index in the format of Keras's ``imagenet_class_index.json``.

    Args:
        class_index: a dict ``{"0": ["n01440764", "tench"], ...}`` (keys may be str or int)
            or the path (str or Path) of a JSON file holding such a dict.

    Returns:
        dict mapping each class number (int, 0..999) to a (wnid, label) tuple of str.

    Raises:
        ValueError: if the index does not have exactly one entry for each of the 1000 classes.
    """
    if isinstance(class_index, (str, Path)):
        class_index = json.loads(Path(class_index).read_text(encoding="utf-8"))
    index = {int(k): (str(v[0]), str(v[1])) for k, v in class_index.items()}
    if sorted(index) != list(range(NUM_CLASSES)):
        raise ValueError(f"class_index must have one entry for each of the classes 0..{NUM_CLASSES - 1}, "
                         f"got {len(index)} entries")
    return index


def table_entry(model_name):
    """The ``model_table()`` row for one model.

    Args:
        model_name: str, a key of ``model_table()``, e.g. "VGG16".

    Returns:
        dict, the row: module, constructor, input_size, preprocess, decoder.

    Raises:
        ValueError: if model_name is not in the table; the message lists the known names.
    """
    table = model_table()
    if model_name not in table:
        raise ValueError(f"unknown model {model_name!r}; known models: {', '.join(table)}")
    return table[model_name]


def resize_and_crop_image(image_path, width, height):
    """Load an image, crop its centre to the target aspect ratio, and resize it (the lecture's).

    The same result as ``PIL.ImageOps.fit(image, (width, height))``: nothing is squashed, the
    largest centred box with the target aspect ratio is kept and resampled (bicubic). The
    arguments keep the lecture's order, which is PIL's size order (width, height); everywhere
    else the course writes sizes as (height, width).

    The course asks for more than the lecture's two lines: the result is always in mode "RGB"
    (a greyscale or RGBA file too: convert to RGB first, then crop and resize; PIL resizes an
    RGBA image weighting each pixel by its alpha, so converting afterwards gives other
    colours), and bad arguments raise the errors below.

    Args:
        image_path: str or Path of an image file (any mode PIL reads: RGB, L, RGBA, P, ...).
        width: int >= 1, the output width in pixels.
        height: int >= 1, the output height in pixels.

    Returns:
        PIL.Image.Image in mode "RGB" with PIL size (width, height), i.e. an array of shape
        (height, width, 3) and dtype uint8.

    Raises:
        ValueError: if width or height is not a positive int, or the file is not an image.
        FileNotFoundError: if there is no file at image_path.
    """
    ###########################################################################
    # TODO: open the image as RGB, then centre-crop and resize it.            #
    ###########################################################################
    for name, size in (("width", width), ("height", height)):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"{name} must be a positive int, got {size!r}")
    path = Path(image_path)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}")
    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
    except UnidentifiedImageError as error:
        raise ValueError(f"{path} is not an image file PIL can read") from error
    # Crop the centred box with the target aspect ratio, then resample it: no distortion.
    return ImageOps.fit(rgb, (int(width), int(height)), method=Image.Resampling.BICUBIC,
                        centering=(0.5, 0.5))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def vgg16_batch(path):
    """The VGG16 input for one photo, step by step.

    resize_and_crop_image to 224x224 -> ``keras.utils.img_to_array`` -> ``vgg16.preprocess_input``
    ("caffe" mode: RGB -> BGR, then the ImageNet channel means subtracted, no scaling) ->
    a batch axis in front.

    Args:
        path: str or Path of an image file.

    Returns:
        np.ndarray of shape (1, 224, 224, 3), dtype float32: a batch of one image, BGR,
        mean-centred.

    Raises:
        FileNotFoundError, ValueError: as resize_and_crop_image.
    """
    ###########################################################################
    # TODO: build the batch with Keras's own img_to_array and preprocess_input.#
    ###########################################################################
    image = resize_and_crop_image(path, 224, 224)
    x = keras.utils.img_to_array(image)  # (224, 224, 3) float32, RGB, 0..255
    x = vgg16.preprocess_input(x)  # BGR, ImageNet means subtracted
    return np.expand_dims(x, axis=0)  # Keras models predict on batches: (1, 224, 224, 3)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def decode_top(probs, top=5, class_index=None):
    """The top-k classes of one prediction, best first.

    Args:
        probs: array-like of shape (1000,) or (1, 1000), float: one image's class
            probabilities, as ``model.predict`` returns them.
        top: int in 1..1000, how many classes to return.
        class_index: None, a dict, or a JSON path in the format of Keras's
            ``imagenet_class_index.json`` (see read_class_index). None means Keras's own
            ``keras.applications.imagenet_utils.decode_predictions``, which downloads the
            real ImageNet index on first use.

    Returns:
        list of `top` tuples (wnid: str, label: str, score: float), sorted by score,
        highest first.

    Raises:
        ValueError: if probs does not hold exactly 1000 scores for one image, or top is out
            of range.
    """
    ###########################################################################
    # TODO: pick the top-k class numbers and look up their wnid and label.    #
    ###########################################################################
    probs = np.asarray(probs)
    if probs.shape not in ((NUM_CLASSES,), (1, NUM_CLASSES)):
        raise ValueError(f"probs must have shape ({NUM_CLASSES},) or (1, {NUM_CLASSES}), got {probs.shape}")
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or not 1 <= top <= NUM_CLASSES:
        raise ValueError(f"top must be an int in 1..{NUM_CLASSES}, got {top!r}")
    probs = probs.reshape(NUM_CLASSES)
    if class_index is None:
        decoded = keras.applications.imagenet_utils.decode_predictions(probs[np.newaxis], top=int(top))[0]
        return [(str(wnid), str(label), float(score)) for wnid, label, score in decoded]
    index = read_class_index(class_index)
    best = np.argsort(-probs, kind="stable")[:top]  # class numbers, highest score first
    return [(*index[int(i)], float(probs[i])) for i in best]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def model_table():
    """What it takes to swap classifiers: one row per keras.applications model.

    Returns:
        dict mapping each of the names "VGG16", "VGG19", "ResNet50", "ResNet50V2",
        "InceptionV3", "Xception", "MobileNetV2", "DenseNet121", "EfficientNetB0",
        "ConvNeXtTiny" to a dict with str and tuple values only:
            module: str, the module under keras.applications, e.g. "vgg16"
                (so keras.applications.vgg16.preprocess_input is its preprocessing);
            constructor: str, the function in that module building the model, e.g. "VGG16";
            input_size: (height, width) tuple of ints, the default input size with
                weights="imagenet", e.g. (224, 224);
            preprocess: str, the mode of the module's preprocess_input: "caffe" (RGB -> BGR,
                minus the ImageNet means), "tf" (scaled to -1..1), "torch" (scaled to 0..1,
                then standardised per channel) or "none" (the model rescales its 0..255
                input itself);
            decoder: str, the function in that module decoding predictions,
                "decode_predictions".
    """
    ###########################################################################
    # TODO: fill in the table from the keras.applications documentation.      #
    ###########################################################################
    rows = [
        # name, module, input size, preprocess mode
        ("VGG16", "vgg16", 224, "caffe"),
        ("VGG19", "vgg19", 224, "caffe"),
        ("ResNet50", "resnet50", 224, "caffe"),
        ("ResNet50V2", "resnet_v2", 224, "tf"),
        ("InceptionV3", "inception_v3", 299, "tf"),
        ("Xception", "xception", 299, "tf"),
        ("MobileNetV2", "mobilenet_v2", 224, "tf"),
        ("DenseNet121", "densenet", 224, "torch"),
        ("EfficientNetB0", "efficientnet", 224, "none"),
        ("ConvNeXtTiny", "convnext", 224, "none"),
    ]
    return {
        name: {"module": module, "constructor": name, "input_size": (size, size),
               "preprocess": mode, "decoder": "decode_predictions"}
        for name, module, size, mode in rows
    }
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def load_classifier(name, weights="imagenet", seed=None):
    """Build a keras.applications classifier by its name in the table.

    Args:
        name: str, a key of model_table(), e.g. "MobileNetV2".
        weights: "imagenet" (downloaded by Keras on first use), None (random weights), or
            the path of a weights file.
        seed: None or int; if given, ``keras.utils.set_random_seed(seed)`` is called first so
            that random weights are the same on every run.

    Returns:
        keras.Model with the 1000-class softmax top, taking inputs of shape
        (batch, height, width, 3) with (height, width) the table's input_size.

    Raises:
        ValueError: if name is not in the table (the message lists the known names).
    """
    ###########################################################################
    # TODO: look the constructor up in keras.applications and call it.       #
    ###########################################################################
    entry = table_entry(name)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    module = importlib.import_module(f"keras.applications.{entry['module']}")
    constructor = getattr(module, entry["constructor"])
    height, width = entry["input_size"]
    return constructor(weights=weights, include_top=True, input_shape=(height, width, 3))
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def preprocess(model_name, image):
    """Turn one image of the model's input size into that model's input batch.

    Implements the four preprocessing modes with numpy (see model_table); the result equals
    ``keras.applications.<module>.preprocess_input`` with a batch axis added.

    Args:
        model_name: str, a key of model_table().
        image: PIL image or array of shape (height, width, 3), uint8 or float, RGB, values
            0..255, with (height, width) the model's input_size.

    Returns:
        np.ndarray of shape (1, height, width, 3), dtype float32.

    Raises:
        ValueError: if model_name is unknown, the image is not (H, W, 3), or its size is not
            the model's input size (the message names the right size).
    """
    ###########################################################################
    # TODO: check the size, then apply the model's preprocessing mode.        #
    ###########################################################################
    entry = table_entry(model_name)
    x = np.asarray(image, dtype=np.float32)
    if x.ndim != 3 or x.shape[2] != 3:
        raise ValueError(f"image must have shape (height, width, 3), got {x.shape}")
    height, width = entry["input_size"]
    if x.shape[:2] != (height, width):
        raise ValueError(f"{model_name} takes {height}x{width} images (height x width), "
                         f"got {x.shape[0]}x{x.shape[1]}: use resize_and_crop_image(path, {width}, {height})")
    mode = entry["preprocess"]
    if mode == "caffe":
        x = x[..., ::-1] - CAFFE_MEAN_BGR  # RGB -> BGR, then centre each channel
    elif mode == "tf":
        x = x / np.float32(127.5) - np.float32(1.0)  # 0..255 -> -1..1
    elif mode == "torch":
        x = (x / np.float32(255.0) - TORCH_MEAN) / TORCH_STD  # 0..1, then standardise
    # "none": the model's first layers rescale 0..255 themselves.
    return x[np.newaxis].astype(np.float32)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def predict_batch(model_name, model, image_paths):
    """Class probabilities for several photos in one ``predict`` call.

    Each photo goes through resize_and_crop_image (to the table's input size) and preprocess; the
    images are stacked into one batch.

    Args:
        model_name: str, a key of model_table(): says which size and preprocessing `model` needs.
        model: keras.Model, e.g. from load_classifier(model_name, ...).
        image_paths: list of N str or Path, N >= 1.

    Returns:
        np.ndarray of shape (N, 1000), dtype float32: one row of probabilities per photo.

    Raises:
        ValueError: if model_name is unknown or image_paths is empty.
        FileNotFoundError: if a photo is missing.
    """
    ###########################################################################
    # TODO: crop, preprocess and stack the photos, then predict once.         #
    ###########################################################################
    if len(image_paths) == 0:
        raise ValueError("image_paths is empty: give at least one photo")
    height, width = table_entry(model_name)["input_size"]
    batch = np.concatenate([preprocess(model_name, resize_and_crop_image(path, width, height))
                            for path in image_paths])
    return np.asarray(model.predict(batch, verbose=0), dtype=np.float32)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def classify(model_name, model, image_path, top=5, class_index=None):
    """Classify one photo with any model of the table.

    Args:
        model_name: str, a key of model_table().
        model: keras.Model, e.g. from load_classifier(model_name, ...).
        image_path: str or Path of the photo.
        top: int in 1..1000, how many classes to return.
        class_index: None, dict or JSON path, as in decode_top.

    Returns:
        list of `top` tuples (wnid: str, label: str, score: float), highest score first.

    Raises:
        ValueError: if model_name is unknown or top is out of range.
        FileNotFoundError: if the photo is missing.
    """
    ###########################################################################
    # TODO: one photo through predict_batch, then decode_top.                 #
    ###########################################################################
    probs = predict_batch(model_name, model, [image_path])[0]
    return decode_top(probs, top=top, class_index=class_index)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def compare_models(probs_a, probs_b):
    """How much two classifiers agree on the same photos.

    Args:
        probs_a: array of shape (N, C) or (C,), float: model A's class probabilities for
            N photos (C >= 5 classes, 1000 for ImageNet).
        probs_b: array of the same shape: model B's, for the same photos in the same order.

    Returns:
        dict with two floats in [0, 1]:
            "top1_agreement": the fraction of photos on which both models' best class is the same;
            "top5_overlap": the mean over photos of |top-5 set of A & top-5 set of B| / 5.

    Raises:
        ValueError: if the shapes differ, or there are fewer than 5 classes.
    """
    ###########################################################################
    # TODO: compare the argmax and the top-5 sets, photo by photo.            #
    ###########################################################################
    a, b = np.atleast_2d(probs_a), np.atleast_2d(probs_b)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"probs_a and probs_b must have the same (N, C) shape, got "
                         f"{np.shape(probs_a)} and {np.shape(probs_b)}")
    if a.shape[1] < 5:
        raise ValueError(f"need at least 5 classes to compare top-5 sets, got {a.shape[1]}")
    top1 = np.mean(a.argmax(axis=1) == b.argmax(axis=1))
    top5_a = np.argsort(-a, axis=1)[:, :5]
    top5_b = np.argsort(-b, axis=1)[:, :5]
    shared = (top5_a[:, :, None] == top5_b[:, None, :]).any(axis=2).sum(axis=1)  # per photo
    return {"top1_agreement": float(top1), "top5_overlap": float(np.mean(shared / 5))}
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def parse_summary(text):
    """Read the parameter counts back from the text ``model.summary()`` prints.

    The summary ends with three lines such as ``Total params: 3,538,984 (13.50 MB)``,
    ``Trainable params: ...`` and ``Non-trainable params: ...``: the counts use thousands
    separators, and the size in brackets is there in Keras 3 only.

    Args:
        text: str, the whole summary, e.g. the lines ``model.summary(print_fn=...)`` gives,
            joined with newlines.

    Returns:
        dict with three ints: "total", "trainable" and "non_trainable".

    Raises:
        ValueError: if one of the three lines is missing from the text.
    """
    ###########################################################################
    # TODO: find the three lines and turn their counts into ints.              #
    ###########################################################################
    counts = {}
    for key, label in (("total", "Total"), ("trainable", "Trainable"), ("non_trainable", "Non-trainable")):
        # Anchored at the line start: "Trainable params" is also the end of "Non-trainable params".
        match = re.search(rf"^\W*{label} params:\s*([\d,]+)", text, re.MULTILINE)
        if match is None:
            raise ValueError(f"the summary has no '{label} params:' line")
        counts[key] = int(match.group(1).replace(",", ""))
    return counts
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################


def comparison_table(names, image_paths, reference="VGG16", weights="imagenet", seed=None, options=None):
    """The lecture's "choose your own CNN" exercise as a table: one row per model.

    The lecture asks you to try another classifier and to judge it against VGG16; this function
    does it for several models at once, on the same photos. Each model is built as
    load_classifier builds it, each photo goes through resize_and_crop_image (to the model's
    input size) and that model's own ``preprocess_input``, and all the photos are predicted in
    one batch.

    Args:
        names: list of str, keys of model_table(): the models you chose.
        image_paths: list of N >= 1 str or Path, the same photos for every model.
        reference: str, a key of model_table(): the model the others are compared with (VGG16
            in the lecture). It gets the first row; a name equal to it is not repeated.
        weights: "imagenet" or None (random weights), passed to every constructor.
        seed: None or int; if given, ``keras.utils.set_random_seed(seed)`` is called right
            before building each model, so random weights are the same on every run.
        options: None, or a dict mapping a model name to a dict of extra keyword arguments for
            its constructor, e.g. ``{"MobileNetV2": {"alpha": 0.35, "input_shape": (96, 96, 3)}}``;
            an ``input_shape`` given there replaces the table's input size.

    Returns:
        list of dicts, the reference's row first, then one per other name in the order given;
        each row has the keys:
            name: str, the model's name in the table;
            params: int, ``model.count_params()``;
            input_size: (height, width) tuple of ints, the size the built model takes;
            preprocessing: str, the preprocessing function's full name,
                "keras.applications.<module>.preprocess_input";
            ms_per_image: float > 0, milliseconds per photo of one ``model.predict`` over the
                N photos, timed after one untimed ``predict`` (the first call builds the graph);
            top5_agreement: float in [0, 1], the mean over the photos of the number of this
                model's top-5 classes also in the reference's top 5, divided by 5 (1.0 for the
                reference itself);
            summary: dict, the parameter counts read back from ``model.summary()``'s text with
                parse_summary.

    Raises:
        ValueError: if a name or the reference is not in the table, or image_paths is empty.
        FileNotFoundError: if a photo is missing.
    """
    ###########################################################################
    # TODO: build each model, predict the photos, time it, fill in the row.    #
    ###########################################################################
    if len(image_paths) == 0:
        raise ValueError("image_paths is empty: give at least one photo")
    options = options or {}
    order = [reference] + [name for name in names if name != reference]
    entries = {name: table_entry(name) for name in order}  # unknown names fail before any build
    rows, top5 = [], {}
    for name in order:
        entry = entries[name]
        module = importlib.import_module(f"keras.applications.{entry['module']}")
        kwargs = {"input_shape": (*entry["input_size"], 3), **options.get(name, {})}
        if seed is not None:
            keras.utils.set_random_seed(seed)
        model = getattr(module, entry["constructor"])(weights=weights, include_top=True, **kwargs)
        height, width = (int(n) for n in model.input_shape[1:3])
        crops = [keras.utils.img_to_array(resize_and_crop_image(path, width, height)) for path in image_paths]
        batch = module.preprocess_input(np.stack(crops))
        model.predict(batch, verbose=0)  # untimed: the first call traces the graph
        start = time.perf_counter()
        probs = np.asarray(model.predict(batch, verbose=0))
        ms = (time.perf_counter() - start) * 1000 / len(image_paths)
        top5[name] = np.argsort(-probs, axis=1)[:, :5]
        shared = (top5[name][:, :, None] == top5[reference][:, None, :]).any(axis=2).sum(axis=1)
        lines = []
        model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
        rows.append({"name": name, "params": int(model.count_params()), "input_size": (height, width),
                     "preprocessing": f"keras.applications.{entry['module']}.preprocess_input",
                     "ms_per_image": float(ms), "top5_agreement": float(np.mean(shared / 5)),
                     "summary": parse_summary("\n".join(lines))})
    return rows
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
