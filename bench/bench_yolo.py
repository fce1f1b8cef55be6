"""Benchmark rows for the yolo reference solution.

- decode + score filter + per-class NMS over the three 416x416 scales (13, 26, 52) with 80 classes,
  in numpy, beside keras-yolo3's yolo_eval written in TensorFlow ops (one tf.function);
  target: under 20 ms (the note splits decode and NMS)
- the full YOLOv3 forward pass at 416x416 on this CPU (random weights), beside the arithmetic
  limit: the cfg's multiply-adds (counted from the cfg) over the machine's float32 matmul
  throughput (measured with numpy); reported as frames per second
- building the YOLOv3 Keras model from its cfg, and loading a 248,007,048-byte darknet weights
  file (written by reference/yolo/darknet_weights.py into a temporary folder): seconds
"""

import importlib.util
import os
import pathlib
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
REF = ROOT / "reference" / "yolo"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _multiply_adds(sections, height, width):
    """Multiply-adds of every conv layer of a parsed cfg at the given input size."""
    shapes, total = [], 0                      # (h, w, c) of each layer's output
    prev = (height, width, sections[0][1].get("channels", 3))
    for i, (kind, opts) in enumerate(sections[1:]):
        h, w, c = shapes[-1] if shapes else prev
        if kind == "convolutional":
            s, k, f = opts.get("stride", 1), opts["size"], opts["filters"]
            h, w = -(-h // s), -(-w // s)
            total += h * w * k * k * c * f
            c = f
        elif kind == "route":
            named = opts["layers"] if isinstance(opts["layers"], list) else [opts["layers"]]
            got = [shapes[j if j >= 0 else i + j] for j in named]
            h, w, c = got[0][0], got[0][1], sum(g[2] for g in got)
        elif kind == "upsample":
            h, w = h * opts["stride"], w * opts["stride"]
        elif kind == "maxpool":
            h, w = -(-h // opts["stride"]), -(-w // opts["stride"])
        shapes.append((h, w, c))
    return total


def _matmul_flops(n=2048, repeats=5):
    """Float32 FLOP/s of a numpy n x n matmul (2 n^3 flops), best of several."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b
    return 2 * n ** 3 / _best(lambda: a @ b, repeats)


def _keras_yolo3_eval(anchors, num_classes, input_shape, image_shape, score=0.3, iou=0.45, max_boxes=20):
    """keras-yolo3's yolo_eval (yolo_head, yolo_correct_boxes, per-class NMS) as a tf.function."""
    import tensorflow as tf

    masks = [[6, 7, 8], [3, 4, 5], [0, 1, 2]]
    inp = np.array(input_shape, np.float32)
    img = np.array(image_shape, np.float32)
    new = np.round(img * np.min(inp / img))
    offset, scale = (inp - new) / 2 / inp, inp / new

    @tf.function
    def run(*outputs):
        boxes, box_scores = [], []
        for feats, mask in zip(outputs, masks):
            gh, gw = feats.shape[1], feats.shape[2]
            feats = tf.reshape(feats, [gh, gw, 3, 5 + num_classes])
            gx, gy = np.meshgrid(np.arange(gw), np.arange(gh))
            grid = np.stack([gx, gy], -1)[:, :, None, :].astype(np.float32)
            xy = (tf.sigmoid(feats[..., :2]) + grid) / np.array([gw, gh], np.float32)
            wh = tf.exp(feats[..., 2:4]) * anchors[mask] / inp[::-1]
            yx, hw = (xy[..., ::-1] - offset) * scale, wh[..., ::-1] * scale
            b = tf.concat([yx - hw / 2, yx + hw / 2], -1) * np.tile(img, 2)
            boxes.append(tf.reshape(b, [-1, 4]))
            box_scores.append(tf.reshape(tf.sigmoid(feats[..., 4:5]) * tf.sigmoid(feats[..., 5:]), [-1, num_classes]))
        boxes, box_scores = tf.concat(boxes, 0), tf.concat(box_scores, 0)
        keep = box_scores >= score
        out_boxes, out_scores, out_classes = [], [], []
        for c in range(num_classes):
            cb = tf.boolean_mask(boxes, keep[:, c])
            cs = tf.boolean_mask(box_scores[:, c], keep[:, c])
            idx = tf.image.non_max_suppression(cb, cs, max_boxes, iou_threshold=iou)
            out_boxes.append(tf.gather(cb, idx))
            out_scores.append(tf.gather(cs, idx))
            out_classes.append(tf.fill(tf.shape(idx), c))
        return tf.concat(out_boxes, 0), tf.concat(out_scores, 0), tf.concat(out_classes, 0)

    return run


def bench() -> list[dict]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    yolo = _load(ROOT / "solutions" / "yolo" / "yolo.py", "yolo_solution")
    gen = _load(REF / "generate.py", "yolo_generate")
    import darknet_weights as dw  # generate.py put reference/yolo on sys.path

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-yolo-") as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "yolov3.cfg").write_text(gen.render_cfg("yolov3"))
        cfg = str(tmp / "yolov3.cfg")
        sections = yolo.parse_cfg(cfg)
        anchors = np.array(gen.load_architecture()["yolov3"]["anchors"], np.float32)

        # 1. decode + NMS: logits like a trained network's (objectness mostly very negative)
        rng = np.random.default_rng(0)
        outputs = []
        for g in (13, 26, 52):
            o = rng.normal(-4, 2, (1, g, g, 255)).astype(np.float32)
            o[..., 0::85] = rng.normal(0, 1, (1, g, g, 3))
            o[..., 1::85] = rng.normal(0, 1, (1, g, g, 3))
            o[..., 2::85] = rng.normal(0, 0.5, (1, g, g, 3))
            o[..., 3::85] = rng.normal(0, 0.5, (1, g, g, 3))
            o[..., 4::85] = rng.normal(-6, 3, (1, g, g, 3))
            outputs.append(o)
        image_shape = (300, 451)

        def ours_eval():
            boxes, scores = yolo.decode_outputs(outputs, anchors, 80, (416, 416), image_shape)
            return yolo.filter_boxes(boxes, scores, 0.3, 0.45, 20)

        got = ours_eval()
        ours_t = _best(ours_eval, 20)           # before TensorFlow's thread pools start
        decoded = yolo.decode_outputs(outputs, anchors, 80, (416, 416), image_shape)
        decode_t = _best(lambda: yolo.decode_outputs(outputs, anchors, 80, (416, 416), image_shape), 20)
        nms_t = _best(lambda: yolo.filter_boxes(*decoded, 0.3, 0.45, 20), 20)
        peer_eval = _keras_yolo3_eval(anchors, 80, (416, 416), image_shape)
        want = peer_eval(*outputs)
        assert len(got[1]) == int(want[1].shape[0]), (len(got[1]), want[1].shape)
        peer_t = _best(lambda: peer_eval(*outputs), 20)
        rows.append({"what": "decode + NMS, 3 scales at 416x416, 80 classes",
                     "ours": ours_t, "peer_name": "keras-yolo3 yolo_eval (TF ops, tf.function)", "peer": peer_t,
                     "target": "under 20 ms", "met": bool(ours_t < 0.020),
                     "note": f"a busy scene: {int(np.sum(yolo.decode_outputs(outputs, anchors, 80, (416, 416), image_shape)[1] >= 0.3))} "
                             f"(box, class) pairs pass 0.3, {len(got[1])} kept; numpy: decode {decode_t * 1e3:.1f} ms "
                             f"(in-place class scores), NMS {nms_t * 1e3:.1f} ms (greedy, all small classes at once)"})

        # 3a. build the model from the cfg
        build_t = _best(lambda: yolo.build_model(cfg), 2)
        model = yolo.build_model(cfg)

        # 3b. load a full-size weights file written by our writer
        weights = tmp / "yolov3.weights"
        dw.write_random_weights(weights, dw.conv_specs_from_model(model), seed=0, output_bias=-8.0)
        size = weights.stat().st_size
        assert size == 248_007_048, size
        load_t = _best(lambda: yolo.load_weights(model, str(weights)), 3)

        # 2. forward pass beside the arithmetic limit
        x = yolo.letterbox(str(ROOT / "reference" / "images" / "cat.png"))[None].astype(np.float32) / 255.0
        model.predict_on_batch(x)                   # warm up: tracing
        forward_t = _best(lambda: model.predict_on_batch(x), 3)
        macs = _multiply_adds(sections, 416, 416)
        flops = _matmul_flops()
        limit_t = 2 * macs / flops
        rows.append({"what": "YOLOv3 forward pass, 416x416, CPU (random weights)",
                     "ours": forward_t, "peer_name": "arithmetic limit (cfg multiply-adds / numpy matmul rate)",
                     "peer": limit_t, "target": "reported (frames per second)", "met": None,
                     "note": f"{1 / forward_t:.2f} fps vs limit {1 / limit_t:.2f} fps: {macs / 1e9:.2f} G multiply-adds, "
                             f"float32 matmul {flops / 1e9:.1f} GFLOP/s; Keras/TF conv2d at "
                             f"{limit_t / forward_t:.0%} of it"})
        rows.append({"what": "build YOLOv3 Keras model from yolov3.cfg",
                     "ours": build_t, "peer_name": None, "peer": None, "target": "reported", "met": None,
                     "note": f"{model.count_params():,} parameters in {len(model.layers)} Keras layers"})
        rows.append({"what": "load a 248,007,048-byte darknet weights file",
                     "ours": load_t, "peer_name": None, "peer": None, "target": "reported", "met": None,
                     "note": f"{size:,} bytes read, 75 conv layers (+72 batch norms) set; "
                             f"{size / load_t / 1e6:.0f} MB/s"})
        del model
    return rows


if __name__ == "__main__":
    for row in bench():
        print(row)
