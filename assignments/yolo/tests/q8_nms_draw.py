"""Question 8: score threshold, per-class non-max suppression, the printed lines, drawing."""
import numpy as np
from otter.test_files import test_case
from _watch import untouched

OK_FORMAT = False

name = "q8_nms_draw"
points = 18

# (top, left, bottom, right) and scores for 2 classes
HAND_BOXES = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [1, 1, 11, 11], [40, 40, 50, 50]], np.float32)
HAND_SCORES = np.array([[0.9, 0.0], [0.8, 0.0], [0.7, 0.0], [0.0, 0.85], [0.2, 0.25]], np.float32)
# the colours of the given class_colours(3), worked out here rather than taken from the submission (whose
# copy of the helper could have been changed): hues 0, 1/3 and 2/3 at full saturation and value
CLASS_RGB = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]


def _lines(got, what):
    """detection_lines' answer, checked to be the promised list of str before it is read."""
    assert isinstance(got, list) and all(isinstance(line, str) for line in got), (
        f"{what}: expected a list of str, got {type(got).__name__}"
        + (f" holding a {type(next(g for g in got if not isinstance(g, str))).__name__}" if isinstance(got, list) else ""))
    return got


def _check_detections(got, want_boxes, want_scores, want_classes, what):
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        f"{what}: expected a tuple (boxes, scores, classes), got {type(got).__name__}"
        + (f" of {len(got)} items" if isinstance(got, (tuple, list)) else ""))
    boxes, scores, classes = (np.asarray(g) for g in got)
    k = len(want_scores)
    kinds = (boxes.dtype, scores.dtype, classes.dtype)
    assert kinds == (np.float32, np.float32, np.int32), (
        f"{what}: expected boxes float32, scores float32 and classes int32, got {', '.join(map(str, kinds))}")
    assert boxes.shape == (k, 4) and scores.shape == (k,) and classes.shape == (k,), (
        f"{what}: expected {k} detections (boxes ({k}, 4), scores ({k},), classes ({k},)), "
        f"got {boxes.shape}, {scores.shape}, {classes.shape}")
    assert classes.tolist() == list(want_classes), f"{what}: expected classes {list(want_classes)}, got {classes.tolist()}"
    assert np.allclose(scores, want_scores, atol=1e-6), f"{what}: expected scores {np.round(want_scores, 4).tolist()}, got {np.round(scores, 4).tolist()}"
    assert np.allclose(boxes, want_boxes, atol=1e-4), f"{what}: expected boxes {np.asarray(want_boxes).tolist()}, got {boxes.tolist()}"


@test_case(points=3)
def test_hand_built_nms(filter_boxes):
    # Box 1 overlaps box 0 with IoU 81/119 = 0.68 in the same class: suppressed at 0.45, kept at 0.7.
    # Box 3 is the same rectangle in class 1: other classes never suppress each other. Box 4 scores < 0.3.
    got = filter_boxes(HAND_BOXES, HAND_SCORES, 0.3, 0.45, 20)
    _check_detections(got, HAND_BOXES[[0, 3, 2]], [0.9, 0.85, 0.7], [0, 1, 0], "iou_threshold 0.45")
    got = filter_boxes(HAND_BOXES, HAND_SCORES, 0.3, 0.7, 20)
    _check_detections(got, HAND_BOXES[[0, 3, 1, 2]], [0.9, 0.85, 0.8, 0.7], [0, 1, 0, 0], "iou_threshold 0.7")
    # float64 in (a "float array"): still float32 boxes and scores out, as the docstring returns
    got = filter_boxes(HAND_BOXES.astype(np.float64), HAND_SCORES.astype(np.float64), 0.3, 0.45, 20)
    _check_detections(got, HAND_BOXES[[0, 3, 2]], [0.9, 0.85, 0.7], [0, 1, 0], "float64 boxes and scores, iou_threshold 0.45")
    # On the thresholds, exactly (0.5 and 50 / 100 are exact in float32): a score equal to
    # score_threshold is kept (>=), and an IoU equal to iou_threshold does not suppress (only greater).
    apart = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    got = filter_boxes(apart, np.array([[0.75], [0.5]], np.float32), 0.5, 0.45, 20)
    _check_detections(got, apart, [0.75, 0.5], [0, 0], "two apart boxes scoring 0.75 and exactly the score_threshold 0.5")
    halves = np.array([[0, 0, 10, 10], [0, 0, 10, 5]], np.float32)  # IoU = 50 / 100 = 0.5
    got = filter_boxes(halves, np.array([[0.75], [0.6]], np.float32), 0.3, 0.5, 20)
    _check_detections(got, halves, [0.75, 0.6], [0, 0], "two boxes whose IoU is exactly the iou_threshold 0.5")
    # Equal scores in two classes (0.75 is exact in float32): the lower class first.
    tied = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50]], np.float32)
    got = filter_boxes(tied, np.array([[0.0, 0.75], [0.75, 0.0], [0.0, 0.5]], np.float32), 0.3, 0.45, 20)
    _check_detections(got, tied[[1, 0, 2]], [0.75, 0.75, 0.5], [0, 1, 1],
                      "class 1 and class 0 each with a box scoring 0.75 (ties: lower class first)")


@test_case(points=3)
def test_lines(detection_lines):
    boxes = np.array([[12.5, -3.2, 50.49, 80.5], [90.2, 150.0, 130.0, 250.7]], np.float32)
    got = _lines(detection_lines(boxes, np.array([0.876, 0.5049]), np.array([1, 2]), ["cat", "dog", "traffic light"],
                                 (100, 200)), "detection_lines(two boxes, ..., (100, 200))")
    want = ["Found 2 boxes for img",
            "dog 0.88 (0, 13) (81, 50)",                # floor(v + 0.5); left clipped at 0
            "traffic light 0.50 (150, 90) (200, 100)"]  # bottom and right clipped to the 100x200 image
    assert list(got) == want, f"expected {want}, got {got}"
    got = _lines(detection_lines(boxes, np.array([0.876, 0.5049]), np.array([1, 2]), ["cat", "dog", "traffic light"],
                                 (100, 200, 3)), "detection_lines(two boxes, ..., (100, 200, 3))")
    assert list(got) == want, f"image_shape (100, 200, 3), an image's own shape, is the same 100x200 image: expected {want}, got {got}"


@test_case(points=2)
def test_draw(draw_detections):
    image = np.full((60, 80, 3), 100, np.uint8)
    got = np.asarray(untouched("draw_detections(image, one box, ...)", draw_detections, image,
                               np.array([[20.0, 10.0, 50.0, 70.0]]), np.array([0.9]), np.array([1]), ["a", "b", "c"],
                               copy=True))
    assert got.shape == (60, 80, 3) and got.dtype == np.uint8, f"expected a (60, 80, 3) uint8 array, got {got.shape} {got.dtype}"
    colour = list(CLASS_RGB[1])
    for y, x, where in [(50, 40, "bottom edge"), (35, 10, "left edge"), (35, 70, "right edge")]:
        assert got[y, x].tolist() == colour, f"the box's {where} at row {y}, column {x} should be class 1's colour {colour}, got {got[y, x].tolist()}"
    for y, x, where in [(35, 40, "inside the box"), (56, 76, "below and right of it")]:
        assert got[y, x].tolist() == [100, 100, 100], f"{where} (row {y}, column {x}) should be unchanged, got {got[y, x].tolist()}"


def _ink_columns(pixels, changed):
    """How many columns, first to last, hold dark (text) pixels among the changed ones."""
    cols = np.flatnonzero((changed & (pixels.max(axis=-1) < 128)).any(axis=0))
    return int(cols[-1] - cols[0] + 1) if len(cols) else 0


@test_case(points=4, hidden=True)
def test_nms_against_tensorflow(filter_boxes):
    import tensorflow as tf

    rng = np.random.default_rng(21)
    tops_lefts = rng.uniform(0, 100, (400, 2))
    boxes = np.hstack([tops_lefts, tops_lefts + rng.uniform(5, 30, (400, 2))]).astype(np.float32)
    scores = rng.uniform(0, 1, (400, 3)).astype(np.float32)
    # and boxes of about a pixel, many apart by less than one: an intersection floored at one
    # pixel, or two negative overlaps multiplied into a positive one, suppresses boxes apart
    corners = rng.uniform(0, 12, (60, 2))
    tiny = np.hstack([corners, corners + rng.uniform(0.5, 2, (60, 2))]).astype(np.float32)
    for boxes, scores, what in [(boxes, scores, "400 random boxes"),
                                (tiny, rng.uniform(0, 1, (60, 3)).astype(np.float32), "60 random boxes of about a pixel")]:
        for score_threshold, iou_threshold, max_boxes in [(0.3, 0.45, 20), (0.6, 0.2, 100), (0.1, 0.7, 5)]:
            kept = []
            for c in range(3):
                idx = np.flatnonzero(scores[:, c] >= score_threshold)
                sel = tf.image.non_max_suppression(boxes[idx], scores[idx, c], max_boxes, iou_threshold).numpy()
                kept += [(scores[idx[s], c], c, idx[s]) for s in sel]
            kept.sort(key=lambda t: -t[0])
            got = filter_boxes(boxes, scores, score_threshold, iou_threshold, max_boxes)
            _check_detections(got, boxes[[i for _, _, i in kept]], [s for s, _, _ in kept], [c for _, c, _ in kept],
                              f"{what}, 3 classes, thresholds {score_threshold}/{iou_threshold}, "
                              f"max {max_boxes} per class (oracle: tf.image.non_max_suppression)")


@test_case(points=2, hidden=True)
def test_nothing_found_and_errors(filter_boxes, detection_lines, draw_detections):
    got = filter_boxes(HAND_BOXES, HAND_SCORES * 0.1, 0.3, 0.45, 20)
    _check_detections(got, np.zeros((0, 4)), [], [], "every score below the threshold")
    lines = _lines(detection_lines(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int), ["a"], (10, 10)),
                   "detection_lines of no detections")
    assert list(lines) == ["Found 0 boxes for img"], f"no detections: expected ['Found 0 boxes for img'], got {lines}"
    image = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    same = np.asarray(draw_detections(image, np.zeros((0, 4)), np.zeros(0), np.zeros(0, int), ["a"]))
    assert np.array_equal(same, image), "drawing no detections should return the image unchanged"
    try:
        filter_boxes(np.zeros((5, 3)), np.zeros((5, 2)))
    except ValueError:
        pass
    else:
        raise AssertionError("boxes of shape (5, 3): expected ValueError")


def _unchanged(got, image, rows, cols, what):
    region = (slice(*rows), slice(*cols))
    changed = int(np.sum(np.any(got[region] != image[region], axis=-1)))
    assert changed == 0, f"{what}: {changed} pixels changed (rows {rows[0]}..{rows[1] - 1}, columns {cols[0]}..{cols[1] - 1})"


def _draw(draw_detections, image, boxes, classes, what):
    try:
        got = draw_detections(image, np.array(boxes, np.float32), np.full(len(boxes), 0.9), np.array(classes), ["a", "b", "c"])
    except Exception as e:  # noqa: BLE001 - reported with the box that caused it
        raise AssertionError(f"{what}: draw_detections raised {type(e).__name__}: {e}; every box must be "
                             "drawable (clip it, skip it when nothing is left, cap the outline)") from None
    got = np.asarray(got)
    assert got.shape == image.shape and got.dtype == np.uint8, f"{what}: expected a {image.shape} uint8 array, got {got.shape} {got.dtype}"
    return got


@test_case(points=2)
def test_draw_thin_box(draw_detections):
    # 400x600: the outline is (600 + 400) // 300 = 3 pixels, but the box is rows 200..201 only
    image = np.full((400, 600, 3), 100, np.uint8)
    got = _draw(draw_detections, image, [[200.2, 100.0, 201.4, 300.0]], [2], "a box 1 pixel high after rounding")
    colour = list(CLASS_RGB[2])
    for y in (200, 201):
        wrong = [(110 + i, p) for i, p in enumerate(got[y, 110:300].tolist()) if p != colour]
        assert not wrong, (f"row {y}, columns 110..299 lie on the thin box: expected class 2's colour {colour}; "
                           f"{len(wrong)} of those 190 pixels are not, the first at column {wrong[0][0]}: {wrong[0][1]}")
    _unchanged(got, image, (202, 400), (0, 600), "below the thin box (its outline may not grow past it)")
    _unchanged(got, image, (195, 205), (302, 600), "right of the thin box")


@test_case(points=2, hidden=True)
def test_draw_outside_and_inverted_boxes(draw_detections):
    image = np.random.default_rng(2).integers(0, 256, (400, 600, 3), dtype=np.uint8)
    empty = [[50, 300, 20, 100],       # inverted
             [-50, -80, -10, -5],      # above and left of the picture
             [450, 100, 500, 200],     # below it
             [-40, 100, -1, 300],      # in the grey band above a letterboxed picture
             [10, 10, 10.2, 50],       # no height after rounding
             [10, 50, 40, 50.3]]       # no width after rounding
    got = _draw(draw_detections, image, empty, [0, 1, 2, 0, 1, 2], "boxes with no area on the picture")
    assert np.array_equal(got, image), "boxes with no area on the picture (inverted, outside, empty) draw nothing"
    # half outside (top right): clipped to rows 0..50, columns 550..600; the label goes inside
    got = _draw(draw_detections, image, empty + [[-30, 550, 50, 700]], [0, 1, 2, 0, 1, 2, 1], "a box half outside")
    colour = list(CLASS_RGB[1])
    for y, x, where in [(50, 580, "bottom edge"), (40, 550, "left edge"), (40, 599, "edge of the picture (inner outline)"),
                        (0, 590, "top edge, clipped to row 0")]:
        assert got[y, x].tolist() == colour, f"half-outside box: its {where} at row {y}, column {x} should be {colour}, got {got[y, x].tolist()}"
    row = got[40, 596:600].tolist()
    want = [image[40, 596].tolist(), image[40, 597].tolist(), colour, colour]
    assert row == want, (
        f"half-outside box, its right side clipped to the picture's width 600: row 40, columns 596..599, expected "
        f"{want} (the 3-pixel outline's first rectangle falls just off the picture), got {row}")
    _unchanged(got, image, (53, 400), (0, 600), "below the half-outside box")
    _unchanged(got, image, (0, 400), (0, 547), "left of the half-outside box")
    # no room above it: its label goes just inside its top, so inside the outline, below row 3, something changed
    inside = int(np.sum(np.any(got[3:13, 553:598] != image[3:13, 553:598], axis=-1)))
    assert inside >= 50, (
        f"half-outside box, clipped to row 0, has no room above for its label, which should go just inside its top: "
        f"expected the label in rows 3..12, columns 553..597 (inside the outline), but only {inside} pixels there changed")
    # two boxes with room all round on the 600x400 image: a 3-pixel outline growing inwards, and
    # each label above its box in black on the class's colour (class 2 blue, class 0 red)
    got = _draw(draw_detections, image, [[100, 100, 200, 400], [250, 100, 350, 400]], [2, 0],
                "boxes at rows 100..200 and 250..350, columns 100..400")
    blue, red = list(CLASS_RGB[2]), list(CLASS_RGB[0])
    column = got[98:106, 250].tolist()
    want = [image[y, 250].tolist() for y in (98, 99)] + [blue] * 3 + [image[y, 250].tolist() for y in range(103, 106)]
    assert column == want, (
        f"column 250, rows 98..105, across the top edge at row 100: expected rows 100..102 in {blue} "
        f"((600 + 400) // 300 = 3 pixels, growing inwards) and the rest unchanged, got {column}")
    column = got[196:204, 250].tolist()
    want = [image[y, 250].tolist() for y in (196, 197)] + [blue] * 3 + [image[y, 250].tolist() for y in range(201, 204)]
    assert column == want, (
        f"column 250, rows 196..203, across the bottom edge at row 200: expected the 3-pixel outline to grow inwards "
        f"(upwards) from row 200 and the rest unchanged, got {column}")
    for x0, x1, edge, inwards in ((97, 105, 100, "rightwards"), (396, 404, 400, "leftwards")):
        row = got[150, x0:x1].tolist()
        want = [blue if (edge <= x < edge + 3 if edge == 100 else edge - 3 < x <= edge) else image[150, x].tolist()
                for x in range(x0, x1)]
        assert row == want, (
            f"row 150, columns {x0}..{x1 - 1}, across the edge at column {edge}: expected the 3-pixel outline to grow "
            f"inwards ({inwards}) from column {edge} and the rest unchanged, got {row}")
    _unchanged(got, image, (80, 100), (300, 600), "above the box, right of its label (the outline grows inwards)")
    # The label's text, not its rectangle (whose margins the docstring leaves open): the columns
    # its black ink spans, against the same text drawn by PIL in ImageFont.load_default().
    from PIL import Image, ImageDraw, ImageFont
    reference = Image.new("RGB", (120, 30), tuple(blue))
    ImageDraw.Draw(reference).text((10, 5), "c 0.90", fill=(0, 0, 0), font=ImageFont.load_default())
    reference = np.asarray(reference)
    want = _ink_columns(reference, np.ones(reference.shape[:2], bool))
    span = _ink_columns(got[80:100], np.any(got[80:100] != image[80:100], axis=-1))
    assert abs(span - want) <= 1, (
        f"the label above the class 2 box with score 0.9 is 'c 0.90' (two decimals), whose black text spans "
        f"{want} columns in ImageFont.load_default(): the dark text above the box spans {span}")
    for colour, rows in ((blue, (0, 100)), (red, (210, 250))):
        label = got[slice(*rows)][np.any(got[slice(*rows)] != image[slice(*rows)], axis=-1)]
        lacks = [c for c in range(3) if colour[c] == 0]       # black text on it keeps these at 0
        assert len(label) and np.all(label[:, lacks] == 0) and label.max(axis=1).min() < 128, (
            f"the label above the box of colour {colour}: black text on a rectangle of that colour, so every "
            f"pixel of it a shade between the colour and black; got {len(label)} changed pixels above the box, "
            f"{int(np.sum(np.any(label[:, lacks] != 0, axis=1))) if len(label) else 0} with some of another colour")
    # a box 4 pixels high (rows 200..204) with a 3-pixel outline: the cap min(4, 200) // 2 + 1 = 3 still lets
    # all 3 rectangles in, the last one the single row 202, so every row of the box is coloured
    got = _draw(draw_detections, image, [[200, 100, 204, 300]], [2], "a box 4 pixels high")
    for y in range(200, 205):
        n = sum(p != blue for p in got[y, 110:291].tolist())
        assert n == 0, (
            f"a box at rows 200..204 on the 600x400 image (a 3-pixel outline, capped at min(width, height) // 2 + 1 "
            f"rectangles): row {y}, columns 110..290, expected all in {blue}, got {n} pixels of another colour")
    # a box one pixel wide after rounding never raises and is drawn (the cap is min(width, height) // 2 + 1)
    got = _draw(draw_detections, image, [[100.0, 400.2, 300.0, 401.4]], [1], "a box 1 pixel wide after rounding")
    green = list(CLASS_RGB[1])
    assert got[200, 400].tolist() == green and got[200, 401].tolist() == green, (
        f"columns 400 and 401 at row 200 lie on the narrow box: expected {green}, got {got[200, 400:402].tolist()}")
    _unchanged(got, image, (110, 300), (403, 600), "right of the narrow box (its outline may not grow past it)")
    # 300x299: (300 + 299) // 300 = 1, a one-pixel outline
    small = image[:299, :300]
    got = _draw(draw_detections, small, [[100, 100, 200, 250]], [2], "a box on a 300x299 image")
    column = got[99:103, 175].tolist()
    want = [small[99, 175].tolist(), blue, small[101, 175].tolist(), small[102, 175].tolist()]
    assert column == want, (
        f"a 300x299 image: the outline is (300 + 299) // 300 = 1 pixel: column 175, rows 99..102, expected {want}, got {column}")
    # a box past the top left corner on the 300x299 image: clipped to row 0 and column 0, where its
    # one-pixel outline is drawn (the label goes inside, from row 1)
    got = _draw(draw_detections, small, [[-5, -8, 60, 120]], [0], "a box past the top left corner of a 300x299 image")
    for where, pixels, at in (("top edge", got[0, 40:121], "row 0, columns 40..120"),
                              ("left edge", got[20:61, 0], "column 0, rows 20..60")):
        n = sum(p != red for p in pixels.tolist())
        assert n == 0, (
            f"a box at (-5, -8, 60, 120) on a 300x299 image, clipped to the picture: its {where} lies on {at}: "
            f"expected all in {red}, got {n} pixels of another colour")
    # each coordinate rounded as floor(v + 0.5): (100.5, 100.5, 150.5, 200.5) is drawn at (101, 101, 151, 201)
    got = _draw(draw_detections, small, [[100.5, 100.5, 150.5, 200.5]], [0], "a box at (100.5, 100.5, 150.5, 200.5)")
    words = {False: "unchanged", True: "in the outline colour"}
    for what, pixels in (("rows 100, 101 at column 150", got[100:102, 150]), ("rows 150, 151 at column 150", got[150:152, 150]),
                         ("columns 100, 101 at row 125", got[125, 100:102]), ("columns 200, 201 at row 125", got[125, 200:202])):
        drawn = [p == red for p in pixels.tolist()]
        assert drawn == [False, True], (
            f"a box at (100.5, 100.5, 150.5, 200.5) on a 300x299 image (one-pixel outline), each coordinate rounded as "
            f"floor(v + 0.5): {what} expected {words[False]}, {words[True]}; got {words[drawn[0]]}, {words[drawn[1]]}")
    # a box past the bottom of the 600x400 image: bottom clipped to the height 400, the 3-pixel outline's first
    # rectangle just off the picture
    got = _draw(draw_detections, image, [[350, 100, 450, 200]], [0], "a box past the bottom of the picture")
    column = got[396:400, 150].tolist()
    want = [image[396, 150].tolist(), image[397, 150].tolist(), red, red]
    assert column == want, (
        f"a box at rows 350..450 on the 600x400 image, its bottom clipped to the height 400: column 150, rows 396..399, "
        f"expected {want}, got {column}")
    # 300x300: (300 + 300) // 300 = 2, a two-pixel outline
    square = image[:300, :300]
    got = _draw(draw_detections, square, [[100, 100, 200, 250]], [2], "a box on a 300x300 image")
    column = got[99:104, 175].tolist()
    want = [square[99, 175].tolist(), blue, blue, square[102, 175].tolist(), square[103, 175].tolist()]
    assert column == want, (
        f"a 300x300 image: the outline is (300 + 300) // 300 = 2 pixels: column 175, rows 99..103, expected {want}, "
        f"got {column}")
