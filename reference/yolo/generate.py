"""Make the yolo assignment's assets: darknet configs, class and anchor lists, test cfgs,
synthetic weights and a test video.

``generate(public, hidden, seed)`` is called by the build and by grading; everything it writes
into ``public/`` reaches students and the runner as ``assets/<name>``. Nothing goes to ``hidden/``:
every file the student's code must read has to be public (the runner never sees hidden files),
and the hidden test cases compute their expected values from these files themselves.

- yolov3.cfg, yolov3-tiny.cfg   rendered from architecture.yml through cfg.j2
- coco_classes.txt              the 80 COCO names, one per line
- yolo_anchors.txt, tiny_yolo_anchors.txt   "w,h, w,h, ..." on one line
- parse_demo.cfg                comments, blank lines, spaces, repeated sections, typed values
- broken_header.cfg, broken_option.cfg, orphan_option.cfg   malformed configs (errors by line)
- small.cfg                     a 16-layer net with every layer type, two yolo scales, 2 classes
- small.weights                 random weights for small.cfg (darknet 0.2: 20-byte header)
- small_v1.weights              the same values with a darknet 0.1 header (16 bytes)
- small_short.weights, small_long.weights   one float missing / one float too many
- edge_tiny_variance.weights    small.weights with the first batch norm's variances 1e-5 on every other channel
- plant.cfg, plant.weights      a detector whose weights plant a "cat" on any red square
- plant_video.avi               5 frames, 128x64, a red square moving across (MJPG)
- edge_empty_video.avi          an MJPG .avi of no frames (128x64, 5 fps)
- edge_slow_video.avi           plant_video.avi's first two frames at 2 fps (the output keeps it)
- edge_*                        the tests' small edge cases (smallest valid inputs, each malformed
                                line, wide inputs, odd weights files, anchor and class lists): the
                                runner reads only assets, so a test cannot write its own inputs
"""

import math
from pathlib import Path

import jinja2
import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
if str(HERE) not in __import__("sys").path:
    __import__("sys").path.insert(0, str(HERE))
import darknet_weights  # noqa: E402  (sits beside this file)

# ----------------------------------------------------------------------------- configs


def load_architecture():
    return yaml.safe_load((HERE / "architecture.yml").read_text(encoding="utf-8"))


def render_cfg(model):
    """The darknet cfg text of ``model`` ("yolov3" or "yolov3_tiny")."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE)), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    title = {"yolov3": "YOLOv3", "yolov3_tiny": "YOLOv3-tiny"}[model]
    return env.get_template("cfg.j2").render(arch=load_architecture(), model=model, title=title)


def anchors_line(anchors):
    return ", ".join(f"{w},{h}" for w, h in anchors) + "\n"


def _typed(value):
    """A cfg value as int, float, str, or a list of those (comma-separated)."""
    if "," in value:
        return [_typed(v) for v in value.split(",") if v.strip()]
    value = value.strip()
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def read_cfg(text):
    """A plain reference parser (for generate and the project's tests): [(type, options)]."""
    sections = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            sections.append((line[1:-1].strip(), {}))
        else:
            key, value = line.split("=", 1)
            sections[-1][1][key.strip()] = _typed(value)
    return sections


def conv_specs(sections):
    """(filters, in_channels, size, batch_normalize) of every conv layer, tracking channels."""
    channels = [sections[0][1].get("channels", 3)]     # output channels per layer; [0] = input
    specs = []
    for kind, opts in sections[1:]:
        here = len(channels) - 1                       # this layer's darknet index
        if kind == "convolutional":
            specs.append((opts["filters"], channels[-1], opts["size"], bool(opts.get("batch_normalize", 0))))
            channels.append(opts["filters"])
        elif kind == "route":
            layers = opts["layers"] if isinstance(opts["layers"], list) else [opts["layers"]]
            channels.append(sum(channels[1:][i if i >= 0 else here + i] for i in layers))
        else:                                          # shortcut, maxpool, upsample, yolo keep depth
            channels.append(channels[-1])
    return specs


# ------------------------------------------------------------------------- small cfgs

PARSE_DEMO_CFG = """\
# A demo config: comments, blank lines, spaces around '=', repeated sections.
[net]
width = 64
height=64
channels=3
hue=.1
steps=400,450
policy=steps

; darknet also skips lines starting with a semicolon
[convolutional]
batch_normalize=1
filters=16
size=3
stride=1
pad=1
activation=leaky


[convolutional]
filters=32
size=3
stride=2
pad=1
activation=leaky

[shortcut]
from=-2
activation=linear

[route]
layers = -1, 0

[route]
layers=-3

[yolo]
mask = 0,1,2
anchors = 10,13,  16,30,  33,23
classes=80
num=3
jitter=.3
"""

BROKEN_HEADER_CFG = "[net]\nwidth=32\n[convolutional\nfilters=8\n"          # line 3
BROKEN_OPTION_CFG = "[net]\nwidth=32\n\n# a comment\n[convolutional]\nfilters 8\n"   # line 6
ORPHAN_OPTION_CFG = "# options before any section\nwidth=32\n[net]\nheight=32\n"    # line 2


# the tests' edge cases, by asset name (each file's role is in the test that reads it)
EDGE_CASES = {
    "edge_one_option.cfg": "[net]\nwidth=1\n",
    "edge_spaces.cfg": ("  ; a comment after spaces\n\t[net]  \n  # indented comment\na\t=\t1.5\n"
                        "b= x ,y\n[yolo]\nmask=6\n[x]\n[yolo]\n"),
    "edge_empty_header.cfg": "[net]\n\n[]\n",                      # line 3
    "edge_empty_key.cfg": "[net]\nwidth=1\n=3\n",                  # line 3
    "edge_empty_value.cfg": "[net]\n# c\n; c\nwidth=  \n",          # line 4
    "edge_bare_word.cfg": "[net]\nwidth=1\nheight\n",              # line 3
    "edge_late_orphan.cfg": "\n\n\nwidth=1\n[net]\n",              # line 4
    "edge_unclosed_first.cfg": "[net\n",                          # line 1
    "edge_wide.cfg": "\n".join([
        "[net]", "width=20", "height=12", "channels=1",
        "[convolutional]", "filters=2", "size=3", "stride=2", "pad=1", "activation=leaky",
        "[convolutional]", "size=3", "activation=linear",
        "[maxpool]", "stride=2",
        "[upsample]",
        "[convolutional]", "batch_normalize=1", "filters=3", "pad=1", "activation=linear",
        "[yolo]",
        "[route]", "layers=-5",
        "[convolutional]", "size=3", "stride=2", "activation=linear",
        "[yolo]", ""]),
    # each ends in a [yolo], so that skipping what it cannot build would still make a model
    "edge_mish.cfg": "[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=1\nactivation=mish\n[yolo]\n",
    "edge_softmax.cfg": ("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=1\n"
                         "activation=leaky\n[softmax]\ngroups=1\n[yolo]\n"),
    # a conv with no activation option: darknet's default, logistic, which build_model does not build
    "edge_logistic.cfg": "[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=1\n[yolo]\n",
    # no width or height (416 x 416 by build_model's docstring), a shortcut and a route naming layer 0 absolutely;
    # layer 1 is an even size at stride 1 with pad=1: "same" keeps 208 x 208 (the shortcut needs it)
    "edge_absolute.cfg": "\n".join([
        "[net]", "channels=1",
        "[convolutional]", "filters=2", "size=3", "stride=2", "pad=1", "activation=leaky",
        "[convolutional]", "filters=2", "size=2", "pad=1", "activation=linear",
        "[shortcut]", "from=0", "activation=linear",
        "[route]", "layers=0",
        "[convolutional]", "filters=3", "stride=2", "activation=linear",
        "[yolo]", ""]),
    # odd input sides under a stride-2 conv with pad=1: the docstring's 33 x 35 -> 17 x 18
    # (padding the top and left only, as keras-yolo3 does, gives 16 x 17); no channels (3); a
    # 4x4/2 conv with pad=1 (p = 2: 9 x 10); a [maxpool] with no stride (1, "same": 9 x 10)
    "edge_odd.cfg": "\n".join([
        "[net]", "width=35", "height=33",
        "[convolutional]", "filters=1", "size=3", "stride=2", "pad=1", "activation=linear",
        "[convolutional]", "filters=2", "size=4", "stride=2", "pad=1", "activation=linear",
        "[maxpool]", "size=2",
        "[yolo]", ""]),
    "edge_no_convs.cfg": "[net]\nwidth=8\nheight=8\n[maxpool]\nsize=2\nstride=2\n[yolo]\n",
    "edge_header_only.weights": np.array([0, 1, 0, 0], "<i4").tobytes(),   # version 0.1, no floats
    "edge_two_anchors.txt": " 8,9,  10.5,11\n",
    "edge_one_anchor.txt": "1,2",
    "edge_classes.txt": "  cat \n\n\tdog\n   \nemu",
    "edge_odd_anchors.txt": "1,2,3",
    "edge_empty_anchors.txt": "",
    "edge_blank_anchors.txt": "\n",
}


def _conv(filters, size, stride=1, bn=True, activation="leaky"):
    head = "batch_normalize=1\n" if bn else ""
    return (f"[convolutional]\n{head}filters={filters}\nsize={size}\nstride={stride}\npad=1\n"
            f"activation={activation}\n")


def _yolo(mask, anchors, classes):
    return (f"[yolo]\nmask = {','.join(map(str, mask))}\nanchors = {anchors_line(anchors).strip()}\n"
            f"classes={classes}\nnum={len(anchors)}\n")


SMALL_ANCHORS = [(4, 6), (8, 8), (12, 10), (10, 16), (20, 18), (28, 30)]
SMALL_CFG = "\n".join([
    "# small.cfg: every layer type on a 32x32 input; two detection scales, 2 classes\n"
    "[net]\nwidth=32\nheight=32\nchannels=3\n",
    _conv(8, 3),                               # 0   32x32x8
    _conv(16, 3, stride=2),                    # 1   16x16x16
    _conv(8, 1),                               # 2
    _conv(16, 3),                              # 3
    "[shortcut]\nfrom=-3\nactivation=linear\n",  # 4   = 1 + 3
    "[maxpool]\nsize=2\nstride=2\n",           # 5   8x8x16
    _conv(32, 3),                              # 6
    _conv(21, 1, bn=False, activation="linear"),  # 7   8x8x21
    _yolo([3, 4, 5], SMALL_ANCHORS, 2),        # 8
    "[route]\nlayers = -4\n",                  # 9   = 5 (8x8x16)
    _conv(8, 1),                               # 10
    "[upsample]\nstride=2\n",                  # 11  16x16x8
    "[route]\nlayers = -1, 4\n",               # 12  16x16x24
    _conv(16, 3),                              # 13
    _conv(21, 1, bn=False, activation="linear"),  # 14  16x16x21
    _yolo([1, 2, 3], SMALL_ANCHORS, 2),        # 15
])

# plant.cfg: four 2x2 max pools take a 64x64 input to 4x4 (head 1) and 8x8 (head 2, via a route).
# Each head is one linear 1x1 conv on the RGB maxima of its cells, so its weights decide alone
# what the detector sees; plant_layers() makes it see a "cat" wherever a cell holds pure red.
PLANT_ANCHORS = [(8, 8), (16, 16), (24, 24), (32, 32), (48, 48), (64, 64)]
PLANT_CLASSES = 80
PLANT_CLASS = 15            # "cat"
PLANT_CFG = "\n".join([
    "# plant.cfg: a detector that needs no training; see reference/yolo/generate.py\n"
    "[net]\nwidth=64\nheight=64\nchannels=3\n",
    "[maxpool]\nsize=2\nstride=2\n",           # 0   32x32
    "[maxpool]\nsize=2\nstride=2\n",           # 1   16x16
    "[maxpool]\nsize=2\nstride=2\n",           # 2   8x8x3
    "[maxpool]\nsize=2\nstride=2\n",           # 3   4x4x3
    _conv(255, 1, bn=False, activation="linear"),  # 4   head 1: never fires
    _yolo([3, 4, 5], PLANT_ANCHORS, PLANT_CLASSES),  # 5
    "[route]\nlayers = -4\n",                  # 6   = 2 (8x8x3)
    _conv(255, 1, bn=False, activation="linear"),  # 7   head 2: fires on red, anchor 1 (16x16)
    _yolo([1, 2, 3], PLANT_ANCHORS, PLANT_CLASSES),  # 8
])


def plant_layers():
    """Head 1 says "nothing here" everywhere. Head 2, anchor slot 0 (anchor 1, 16x16 pixels):
    objectness logit 40 R - 20 G - 20 B - 30 (+10 on pure red, -30 on grey, white or black),
    box offsets 0 (the cell's centre, the anchor's size), class logits +10 for cat, -10 otherwise."""
    per_anchor = 5 + PLANT_CLASSES
    quiet = np.zeros(3 * per_anchor, np.float32)
    quiet[4::per_anchor] = -30.0
    head1 = {"biases": quiet.copy(), "weights": np.zeros((255, 3, 1, 1), np.float32)}
    biases = quiet.copy()
    biases[5:per_anchor] = -10.0
    biases[5 + PLANT_CLASS] = 10.0
    weights = np.zeros((255, 3, 1, 1), np.float32)
    weights[4, :, 0, 0] = (40.0, -20.0, -20.0)
    head2 = {"biases": biases, "weights": weights}
    return [head1, head2]


def plant_frame(row, col, width=128, height=64):
    """A black RGB frame with a 16x16 red square that letterboxes onto 8x8 cell (row, col) of
    plant.cfg's second head (input 64: scale 1/2, 16 grey rows above); row < 0 means no square."""
    frame = np.zeros((height, width, 3), np.uint8)
    if row >= 0:
        y, x = 16 * row - 32, 16 * col
        frame[y:y + 16, x:x + 16] = (255, 0, 0)
    return frame


PLANT_VIDEO_CELLS = [(2, 1), (3, 3), (4, 5), (5, 7), (-1, -1)]


def plant_box(row, col):
    """Where plant.cfg finds the square of plant_frame(row, col), in image pixels, before
    clipping: (top, left, bottom, right)."""
    cy, cx = 2 * (8 * row + 4 - 16), 2 * (8 * col + 4)
    return (cy - 16, cx - 16, cy + 16, cx + 16)


def write_video(path, frames, fps=5, size=None):
    """Write RGB frames as an MJPG .avi (OpenCV's own AVI muxer, so it is byte-stable); `size`
    (height, width) for a video of no frames."""
    import cv2
    height, width = size or frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))   # OpenCV wants BGR
    writer.release()


# ---------------------------------------------------------------------------- generate


def generate(public, hidden, seed):
    public = Path(public)
    public.mkdir(parents=True, exist_ok=True)
    arch = load_architecture()
    (public / "yolov3.cfg").write_text(render_cfg("yolov3"), encoding="utf-8")
    (public / "yolov3-tiny.cfg").write_text(render_cfg("yolov3_tiny"), encoding="utf-8")
    (public / "coco_classes.txt").write_text("\n".join(arch["coco_classes"]), encoding="utf-8")
    (public / "yolo_anchors.txt").write_text(anchors_line(arch["yolov3"]["anchors"]), encoding="utf-8")
    (public / "tiny_yolo_anchors.txt").write_text(anchors_line(arch["yolov3_tiny"]["anchors"]), encoding="utf-8")

    for name, text in [("parse_demo.cfg", PARSE_DEMO_CFG), ("broken_header.cfg", BROKEN_HEADER_CFG),
                       ("broken_option.cfg", BROKEN_OPTION_CFG), ("orphan_option.cfg", ORPHAN_OPTION_CFG),
                       ("small.cfg", SMALL_CFG), ("plant.cfg", PLANT_CFG)]:
        (public / name).write_text(text, encoding="utf-8")

    rng = np.random.default_rng(seed)
    layers = darknet_weights.random_layers(conv_specs(read_cfg(SMALL_CFG)), rng)
    darknet_weights.write_weights(public / "small.weights", layers, seen=32013312)
    darknet_weights.write_weights(public / "small_v1.weights", layers, version=(0, 1, 0), seen=1000)
    darknet_weights.write_weights(public / "small_long.weights", layers, extra_floats=1)
    # the first batch norm's moving variances near zero on alternate channels: there darknet's
    # epsilon (1e-6) and Keras's default (1e-3) give outputs ten times apart
    tiny = [dict(layer) for layer in layers]
    variance = tiny[0]["rolling_variance"].copy()
    variance[::2] = np.float32(1e-5)
    tiny[0]["rolling_variance"] = variance
    darknet_weights.write_weights(public / "edge_tiny_variance.weights", tiny, seen=32013312)
    data = (public / "small.weights").read_bytes()
    (public / "small_short.weights").write_bytes(data[:-4])
    (public / "edge_v10.weights").write_bytes(np.array([1, 0, 0], "<i4").tobytes() + data[12:])  # 20-byte header
    (public / "edge_tiny.weights").write_bytes(data[:10])             # shorter than any header
    (public / "edge_ragged.weights").write_bytes(data + b"\0\0")     # not a whole number of floats
    for name, content in EDGE_CASES.items():
        if isinstance(content, bytes):
            (public / name).write_bytes(content)
        else:
            (public / name).write_text(content, encoding="utf-8")
    darknet_weights.write_weights(public / "plant.weights", plant_layers())
    write_video(public / "plant_video.avi", [plant_frame(r, c) for r, c in PLANT_VIDEO_CELLS])
    write_video(public / "edge_empty_video.avi", [], size=(64, 128))     # a video of no frames
    write_video(public / "edge_slow_video.avi", [plant_frame(r, c) for r, c in PLANT_VIDEO_CELLS[:2]], fps=2)


if __name__ == "__main__":
    import sys
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "yolo_assets")
    generate(out, out / "hidden", seed=2027)
    print("wrote", sorted(p.name for p in out.iterdir()))
