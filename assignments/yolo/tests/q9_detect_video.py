"""Question 9: detection on an image, then over the frames of a video.

plant.cfg with plant.weights is a detector that needs no training: its weights make it report a
"cat" wherever a 128x64 frame holds a 16x16 pure red square on the letterboxed 8x8 grid.
"""
import re

import numpy as np
from PIL import Image
from otter.test_files import test_case

from _checks import PLANT_ANCHORS, expect_raises
from _video import avi_facts, written_head

OK_FORMAT = False

name = "q9_detect_video"
points = 14

# the frames of assets/plant_video.avi and the boxes plant.cfg must find, (left, top) (right, bottom),
# clipped to the 128x64 frame
VIDEO_BOXES = [((8, 0), (40, 24)), ((40, 8), (72, 40)), ((72, 24), (104, 56)), ((104, 40), (128, 64)), None]


def _frame(row, col, red=255):
    """A black 128x64 frame with a red 16x16 square that lands on cell (row, col) of the 8x8 grid."""
    frame = np.zeros((64, 128, 3), np.uint8)
    frame[16 * row - 32:16 * row - 16, 16 * col:16 * col + 16] = (red, 0, 0)
    return frame


def _plant(build_model, load_weights, read_classes):
    model = build_model("assets/plant.cfg")
    load_weights(model, "assets/plant.weights")
    return model, read_classes("assets/coco_classes.txt")


def _kind(value):
    """A value's type name (an object kept in the submission's process is named after its own class)."""
    return type(value).__name__


def _lines(got, what):
    """A list of str, as detection_lines gives (an object of the submission's that only behaves
    like one answers its own length and items)."""
    assert isinstance(got, list) and all(isinstance(line, str) for line in got), (
        f"{what}: expected a list of str lines, got {_kind(got)}"
        + (f" holding {sorted({_kind(x) for x in got})}" if isinstance(got, list) else ""))
    return got


def _detected(got, what):
    """detect_image's (annotated, lines), each checked for its type before it is read."""
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{what}: expected a tuple (annotated, lines), got {_kind(got)}"
    return got[0], _lines(got[1], what)


def _frames(got, what):
    """A list of frames (each checked as an array by the caller)."""
    assert isinstance(got, list), f"{what}: expected a list of (H, W, 3) uint8 arrays, got {_kind(got)}"
    return got


def _per_frame(got, what):
    """detect_video's list with a list of str lines per frame."""
    assert isinstance(got, list), f"{what}: expected a list with one list of lines per frame, got {_kind(got)}"
    return [_lines(lines, f"{what}, frame {i}") for i, lines in enumerate(got)]


def _written_avi(detect_video, cv2, name):
    """(frames per second, codec, frame count, (height, width)) of the .avi a detect_video call
    wrote, from the file's own header, read back by the grader; where it cannot be (the runner's
    monitor could not see its folder), by yolo.py's own cv2 as before."""
    try:
        head = written_head(detect_video, name)
    except FileNotFoundError:
        raise AssertionError(f"detect_video should write {name}, but there is no such file") from None
    if head is None:
        capture = cv2.VideoCapture(name)
        codec = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode("latin-1")
        size = (int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)), int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)))
        return capture.get(cv2.CAP_PROP_FPS), codec, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), size
    try:
        facts = avi_facts(head[1])
    except ValueError as e:
        raise AssertionError(f"{name} is not an AVI file as cv2.VideoWriter writes one: {e}") from None
    return facts["fps"], facts["codec"], facts["frames"], (facts["height"], facts["width"])


def _parse(line):
    m = re.fullmatch(r"(.+) (\d\.\d\d) \((-?\d+), (-?\d+)\) \((-?\d+), (-?\d+)\)", line)
    assert m, f"a detection line looks like 'label score (left, top) (right, bottom)', got {line!r}"
    return m.group(1), float(m.group(2)), (int(m.group(3)), int(m.group(4))), (int(m.group(5)), int(m.group(6)))


@test_case(points=4)
def test_detect_image(build_model, load_weights, read_classes, detect_image):
    model, names = _plant(build_model, load_weights, read_classes)
    annotated, lines = _detected(detect_image(model, _frame(3, 5), PLANT_ANCHORS, names), "detect_image(frame)")
    want = ["Found 1 boxes for img", "cat 1.00 (72, 8) (104, 40)"]
    assert list(lines) == want, (
        f"a red square on cell (3, 5): the 16x16 anchor around that cell's centre is 32x32 on the 128x64 "
        f"image: expected {want}, got {lines}")
    annotated = np.asarray(annotated)
    assert annotated.shape == (64, 128, 3) and annotated.dtype == np.uint8, (
        f"the annotated image has the original's size: expected (64, 128, 3) uint8, got {annotated.shape} {annotated.dtype}")
    # the given class_colours(80)[15], worked out here rather than taken from the submission: hue 15 / 80 at
    # full saturation and value is (0.875, 1, 0), times 255 and rounded
    cat = [223, 255, 0]
    for y, x in [(40, 90), (30, 72)]:
        assert annotated[y, x].tolist() == cat, f"row {y}, column {x} is on the box's outline: expected the cat colour {cat}, got {annotated[y, x].tolist()}"
    assert annotated[60, 10].tolist() == [0, 0, 0], f"row 60, column 10 is far from the box: expected black, got {annotated[60, 10].tolist()}"


@test_case(points=2)
def test_read_frames(read_frames):
    import cv2

    capture, want = cv2.VideoCapture("assets/plant_video.avi"), []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        want.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    got = _frames(read_frames("assets/plant_video.avi"), "read_frames('assets/plant_video.avi')")
    assert len(got) == len(want) == 5, f"plant_video.avi has 5 frames, got {len(got)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert np.shape(g) == w.shape and np.array_equal(g, w), (
            f"frame {i}: expected OpenCV's frame converted from BGR to RGB, shape {w.shape}; got shape {np.shape(g)}"
            + ("" if np.shape(g) != w.shape else f", red channel mean {np.mean(np.asarray(g)[..., 0]):.1f} "
               f"instead of {w[..., 0].mean():.1f}"))


@test_case(points=4)
def test_detect_video(build_model, load_weights, read_classes, detect_video, read_frames, cv2):
    model, names = _plant(build_model, load_weights, read_classes)
    per_frame = _per_frame(detect_video(model, "assets/plant_video.avi", "annotated.avi", PLANT_ANCHORS, names),
                           "detect_video(plant_video.avi -> annotated.avi)")
    assert len(per_frame) == 5, f"plant_video.avi has 5 frames: expected 5 lists of lines, got {len(per_frame)}"
    for i, (lines, box) in enumerate(zip(per_frame, VIDEO_BOXES)):
        if box is None:
            assert list(lines) == ["Found 0 boxes for img"], f"frame {i} is empty: expected ['Found 0 boxes for img'], got {lines}"
            continue
        assert len(lines) == 2 and lines[0] == "Found 1 boxes for img", f"frame {i}: expected one detection, got {lines}"
        label, score, top_left, bottom_right = _parse(lines[1])
        assert (label, top_left, bottom_right) == ("cat", *box) and score >= 0.9, (
            f"frame {i} (the video is JPEG-compressed, so the score may dip a little): expected 'cat' with score "
            f">= 0.9 at {box[0]} {box[1]}, got {lines[1]!r}")
    frames = _frames(read_frames("annotated.avi"), "read_frames('annotated.avi')")
    assert len(frames) == 5 and all(np.shape(f) == (64, 128, 3) for f in frames), (
        f"annotated.avi should hold 5 frames of 64x128, got {len(frames)} of {[np.shape(f) for f in frames][:2]}")
    # The file's own header, read back by the grader (yolo.py's cv2 is the submission's to bind)
    fps, codec, count, size = _written_avi(detect_video, cv2, "annotated.avi")
    assert abs(fps - 5) < 0.01, f"annotated.avi should keep plant_video.avi's frame rate, 5 frames a second, got {fps}"
    assert codec == "MJPG", f"annotated.avi should be written with the codec 'MJPG' (a .avi output), got {codec!r}"
    assert (count, size) == (5, (64, 128)), (
        f"annotated.avi's own header should count 5 frames of 64x128 (height x width), got {count} of {size[0]}x{size[1]}")
    edge = np.asarray(frames[1])[39:42, 50:62].reshape(-1, 3).astype(int)
    r, g, b = edge[np.argmax(edge.sum(axis=-1))]
    assert r + g + b > 150 and r > b + 50, (
        "frame 1 of annotated.avi: the box's bottom edge (row 40, columns 40 to 72) should be drawn in the "
        f"(bright yellow: much more red than blue) cat colour on black, got RGB ({r}, {g}, {b}) at its brightest")


@test_case(points=2, hidden=True)
def test_pil_input_and_empty(build_model, load_weights, read_classes, detect_image):
    model, names = _plant(build_model, load_weights, read_classes)
    _, lines = _detected(detect_image(model, Image.fromarray(_frame(4, 2)), PLANT_ANCHORS, names), "detect_image(PIL image)")
    want = ["Found 1 boxes for img", "cat 1.00 (24, 24) (56, 56)"]
    assert list(lines) == want, f"a PIL image with the square on cell (4, 2): expected {want}, got {lines}"
    # the cfg's masks reach decoding: with the fine scale on anchors 0, 1, 2 the square's slot 0 is anchor 0 (8x8)
    _, lines = _detected(detect_image(model, _frame(3, 5), PLANT_ANCHORS, names, masks=[[3, 4, 5], [0, 1, 2]]),
                         "detect_image(frame, masks=...)")
    want = ["Found 1 boxes for img", "cat 1.00 (80, 16) (96, 32)"]
    assert list(lines) == want, f"masks=[[3, 4, 5], [0, 1, 2]], the square on cell (3, 5): expected {want}, got {lines}"
    black = np.zeros((64, 128, 3), np.uint8)
    annotated, lines = _detected(detect_image(model, black, PLANT_ANCHORS, names), "detect_image(black frame)")
    assert list(lines) == ["Found 0 boxes for img"], f"a black frame: expected ['Found 0 boxes for img'], got {lines}"
    assert np.array_equal(np.asarray(annotated), black), "a black frame with nothing found should come back unchanged"
    # A dimmer red square does not saturate the detector, so the score shows the pixel scale: the
    # letterbox's bicubic resize lifts the 188 square to 192 in its cell, and the objectness logit
    # is 40 * 192 / 255 - 30 = 0.118, so the score is sigmoid(0.118) * sigmoid(10) = 0.53.
    _, lines = _detected(detect_image(model, _frame(3, 5, red=188), PLANT_ANCHORS, names), "detect_image(dim frame)")
    want = ["Found 1 boxes for img", "cat 0.53 (72, 8) (104, 40)"]
    assert list(lines) == want, (
        f"a dim red (188) square on cell (3, 5), pixels scaled to [0, 1]: expected {want}, got {lines}")
    # at 180 the score is 0.24: below the default threshold 0.3, above a threshold of 0.2
    for threshold, want in [(None, ["Found 0 boxes for img"]),
                            (0.2, ["Found 1 boxes for img", "cat 0.24 (72, 8) (104, 40)"])]:
        kwargs = {} if threshold is None else {"score_threshold": threshold}
        _, lines = _detected(detect_image(model, _frame(3, 5, red=180), PLANT_ANCHORS, names, **kwargs),
                             "detect_image(dimmer frame)")
        assert list(lines) == want, (
            f"a dim red (180) square, score_threshold {threshold or 'default (0.3)'}: expected {want}, got {lines}")


@test_case(points=2, hidden=True)
def test_mp4_and_errors(build_model, load_weights, read_classes, detect_video, read_frames, cv2):
    model, names = _plant(build_model, load_weights, read_classes)
    per_frame = _per_frame(detect_video(model, "assets/plant_video.avi", "annotated.mp4", PLANT_ANCHORS, names,
                                        masks=[[3, 4, 5], [0, 1, 2]]), "detect_video(plant_video.avi -> annotated.mp4)")
    assert [len(lines) for lines in per_frame] == [2, 2, 2, 2, 1], (
        f"plant_video.avi to annotated.mp4: expected one detection in each of the first four frames and none "
        f"in the fifth, got {[len(lines) - 1 for lines in per_frame]}")
    label, _, top_left, bottom_right = _parse(per_frame[0][1])
    assert (label, top_left, bottom_right) == ("cat", (16, 0), (32, 16)), (
        f"frame 0 with masks=[[3, 4, 5], [0, 1, 2]] (anchor 0, 8x8, for the square): expected 'cat' at (16, 0) (32, 16), "
        f"got {per_frame[0][1]!r}")
    frames = _frames(read_frames("annotated.mp4"), "read_frames('annotated.mp4')")
    assert len(frames) == 5 and all(np.shape(f) == (64, 128, 3) for f in frames), (
        f"annotated.mp4 should hold 5 frames of 64x128, got {len(frames)} of {[np.shape(f) for f in frames][:2]}")
    # score_threshold 1.0: the plant detector's class logit is 10, so no score reaches 1 (sigmoid(10) < 1)
    strict = _per_frame(detect_video(model, "assets/plant_video.avi", "strict.avi", PLANT_ANCHORS, names, score_threshold=1.0),
                        "detect_video(..., score_threshold=1.0)")
    assert [list(lines) for lines in strict] == [["Found 0 boxes for img"]] * 5, (
        f"score_threshold=1.0 (passed on to every frame): expected no detection in any of the 5 frames, "
        f"got {[len(lines) - 1 for lines in strict]} detections")
    slow = _per_frame(detect_video(model, "assets/edge_slow_video.avi", "slow.avi", PLANT_ANCHORS, names),
                      "detect_video(edge_slow_video.avi -> slow.avi)")
    fps = _written_avi(detect_video, cv2, "slow.avi")[0]
    assert len(slow) == 2 and abs(fps - 2) < 0.01, (
        f"edge_slow_video.avi (2 frames, 2 frames a second) to slow.avi: expected 2 lists of lines and the "
        f"input's frame rate kept, got {len(slow)} lists and {fps} frames a second")
    got = _per_frame(detect_video(model, "assets/edge_empty_video.avi", "empty_out.avi", PLANT_ANCHORS, names),
                     "detect_video(edge_empty_video.avi)")
    assert list(got) == [], f"a video of no frames: expected an empty list (no frames, no lines), got {got!r}"
    expect_raises(FileNotFoundError, detect_video, model, "assets/no_such.avi", "out.avi", PLANT_ANCHORS, names,
                  what="detect_video of a missing video")
    expect_raises(ValueError, detect_video, model, "assets/plant_video.avi", "out.gif", PLANT_ANCHORS, names,
                  what="writing to out.gif (only .avi and .mp4)")
    expect_raises(FileNotFoundError, read_frames, "assets/no_such.avi", what="read_frames of a missing video")
