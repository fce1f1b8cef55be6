"""Question 7: decode the output scales into boxes and class scores."""
import numpy as np
from otter.test_files import test_case

from _checks import ANCHORS, PLANT_ANCHORS, expect_raises
from _checks import sig as _sig

OK_FORMAT = False

name = "q7_decode"
points = 14


def _check_shapes(got, m, c):
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"decode_outputs: expected a tuple (boxes, scores), got {type(got).__name__}"
        + (f" of {len(got)} items" if isinstance(got, (tuple, list)) else ""))
    boxes, scores = np.asarray(got[0]), np.asarray(got[1])
    assert boxes.shape == (m, 4) and scores.shape == (m, c), (
        f"expected boxes ({m}, 4) and scores ({m}, {c}), got {boxes.shape} and {scores.shape}")
    return boxes, scores


@test_case(points=4)
def test_planted_cell(decode_outputs):
    # Three scales on a 32x32 input: 1x1, 2x2, 4x4 grids; 2 classes, so 3 * (5 + 2) = 21 values per cell.
    outputs = [np.zeros((1, g, g, 21), np.float32) for g in (1, 2, 4)]
    for o in outputs:
        o[..., 4::7] = -20.0                                   # objectness ~0 everywhere...
    outputs[1][0, 1, 0, 7:14] = [0, 0, 0, 0, 20, 0, 2]         # ...but row 1, col 0, anchor slot 1 of scale 1
    boxes, scores = _check_shapes(decode_outputs(outputs, ANCHORS, 2, (32, 32), (32, 32)), 3 + 12 + 48, 2)
    # scale 1 uses anchors [3, 4, 5]; slot 1 is anchor 4, 10 wide and 6 high, centred on the cell:
    # x = (0.5 + 0) / 2 * 32 = 8, y = (0.5 + 1) / 2 * 32 = 24. Row index: 3 + (1 * 2 + 0) * 3 + 1 = 10.
    want = [21, 3, 27, 13]
    assert np.allclose(boxes[10], want, atol=1e-3), (
        f"the planted box (row 10 of the result: scale 1 after scale 0's 3 rows, cell (1, 0), anchor slot 1) "
        f"should be (top, left, bottom, right) = {want}, got {boxes[10].tolist()}")
    assert np.allclose(scores[10], [0.5, _sig(2)], atol=1e-4), (
        f"its scores are sigmoid(20) * sigmoid([0, 2]) = [0.5, 0.881], got {scores[10].tolist()}")
    others = np.delete(scores, 10, axis=0)
    assert others.max() < 1e-6, f"every other row has objectness sigmoid(-20): scores ~0 expected, got max {others.max():.3g}"
    # untouched cells: zero offsets put each box at its cell's centre with its anchor's size
    assert np.allclose(boxes[0], [8.5, 9, 23.5, 23], atol=1e-3), (
        f"row 0 (1x1 grid, anchor 6: 14x15) should be [8.5, 9, 23.5, 23], got {boxes[0].tolist()}")
    assert np.allclose(boxes[62], [24.5, 25, 31.5, 31], atol=1e-3), (
        f"row 62 (4x4 grid, cell (3, 3), anchor 2: 6x7) should be [24.5, 25, 31.5, 31], got {boxes[62].tolist()}")


@test_case(points=3)
def test_letterbox_correction(decode_outputs):
    # Two scales (tiny masks [3, 4, 5] and [1, 2, 3]) on a 64x64 input; the image is 128 wide and 64 high,
    # so it was letterboxed to 64x32 with 16 grey rows above: y_image = (y_net - 16) * 2, x_image = 2 x_net.
    outputs = [np.zeros((g, g, 255), np.float32) for g in (4, 8)]  # no batch axis: also accepted
    for o in outputs:
        o[..., 4::85] = -20.0
    cell = outputs[1][3, 5, 0:85]                                # row 3, col 5 of the 8x8 grid, slot 0 = anchor 1
    cell[2:4] = np.log(2.0)                                      # twice the 16x16 anchor: 32x32 input pixels
    cell[4], cell[5 + 15] = 10.0, 10.0
    boxes, scores = _check_shapes(decode_outputs(outputs, PLANT_ANCHORS, 80, (64, 64), (64, 128)), 48 + 192, 80)
    want = [-8, 56, 56, 120]           # centre (x, y) = (44, 28) on the input -> (88, 24) on the image
    assert np.allclose(boxes[135], want, atol=1e-3), (
        f"row 135 (4x4x3 = 48 rows of scale 0, then (3 * 8 + 5) * 3 + 0): expected {want} after undoing the "
        f"letterbox, got {boxes[135].tolist()}")
    assert abs(scores[135, 15] - _sig(10) ** 2) < 1e-4, f"expected score sigmoid(10)^2 for class 15, got {scores[135, 15]}"


@test_case(points=5, hidden=True)
def test_random_against_oracle(decode_outputs):
    def oracle(outputs, anchors, c, input_shape, image_shape):
        masks = [[6, 7, 8], [3, 4, 5], [0, 1, 2]] if len(outputs) == 3 else [[3, 4, 5], [1, 2, 3]]
        inp, img = np.array(input_shape, float), np.array(image_shape, float)
        new = np.round(img * np.min(inp / img))
        offset, scale = (inp - new) / 2 / inp, inp / new
        all_b, all_s = [], []
        for o, mask in zip(outputs, masks):
            o = np.asarray(o, float).reshape(o.shape[1], o.shape[2], 3, 5 + c)
            gh, gw = o.shape[:2]
            cols, rows = np.meshgrid(np.arange(gw), np.arange(gh))
            x = (_sig(o[..., 0]) + cols[..., None]) / gw
            y = (_sig(o[..., 1]) + rows[..., None]) / gh
            w = np.exp(o[..., 2]) * anchors[mask, 0] / inp[1]
            h = np.exp(o[..., 3]) * anchors[mask, 1] / inp[0]
            y, x = (y - offset[0]) * scale[0], (x - offset[1]) * scale[1]
            h, w = h * scale[0], w * scale[1]
            b = np.stack([(y - h / 2) * img[0], (x - w / 2) * img[1], (y + h / 2) * img[0], (x + w / 2) * img[1]], -1)
            all_b.append(b.reshape(-1, 4))
            all_s.append((_sig(o[..., 4:5]) * _sig(o[..., 5:])).reshape(-1, c))
        return np.concatenate(all_b), np.concatenate(all_s)

    rng = np.random.default_rng(5)
    yolo_anchors = np.array([[10, 13], [16, 30], [33, 23], [30, 61], [62, 45], [59, 119], [116, 90],
                             [156, 198], [373, 326]], np.float32)
    for grids, anchors, c, input_shape, image_shape in [
            ((13, 26, 52), yolo_anchors, 80, (416, 416), (300, 451)),
            ((5, 10), PLANT_ANCHORS, 3, (160, 160), (480, 200)),
            (((3, 5), (6, 10), (12, 20)), ANCHORS * 3, 1, (96, 160), (200, 90))]:   # wide input, 1 class
        outputs = [rng.normal(0, 1.5, (1, *np.broadcast_to(g, 2), 3 * (5 + c))).astype(np.float32)
                   for g in grids]
        want_b, want_s = oracle(outputs, anchors, c, input_shape, image_shape)
        got_b, got_s = _check_shapes(decode_outputs(outputs, anchors, c, input_shape, image_shape), len(want_b), c)
        err_b = np.max(np.abs(got_b - want_b) / (1 + np.abs(want_b)))
        err_s = np.max(np.abs(got_s - want_s))
        assert err_b < 1e-3 and err_s < 1e-4, (
            f"{len(grids)} random scales {grids}, image {image_shape}: boxes differ from keras-yolo3's decoding by "
            f"up to {err_b:.3g} (relative), scores by {err_s:.3g}")


@test_case(points=2, hidden=True)
def test_wide_grids_dtypes_and_errors(decode_outputs):
    # Two scales of a 32-high, 64-wide input: 1x2 and 2x4 grids; 1 class, so 3 * (5 + 1) = 18 values per cell.
    # float64 outputs in: the result is still float32.
    outputs = [np.zeros((1, g, 2 * g, 18)) for g in (1, 2)]
    for o in outputs:
        o[..., 4::6] = -30.0
    outputs[1][0, 1, 3, 12:18] = [0, 0, 0, 0, 0, 1]            # row 1, col 3, slot 2 of scale 1 = anchor 3 (8x9)
    boxes, scores = _check_shapes(decode_outputs(outputs, ANCHORS, 1, (32, 64), (32, 64)), 6 + 24, 1)
    assert boxes.dtype == np.float32 and scores.dtype == np.float32, (
        f"float64 outputs in: expected float32 boxes and scores, got {boxes.dtype} and {scores.dtype}")
    # x = (0.5 + 3) / 4 * 64 = 56, y = (0.5 + 1) / 2 * 32 = 24; row 6 + (1 * 4 + 3) * 3 + 2 = 29
    want = [19.5, 52, 28.5, 60]
    assert np.allclose(boxes[29], want, atol=1e-3), (
        f"row 29 (scale 1 of a 2-high, 4-wide grid, cell (1, 3), anchor slot 2) should be {want}, "
        f"got {boxes[29].tolist()}")
    assert abs(scores[29, 0] - 0.5 * _sig(1)) < 1e-4, (
        f"its score is sigmoid(0) * sigmoid(1) = {0.5 * _sig(1):.4f}, got {scores[29, 0]}")
    # the cfg's masks instead of the fixed ones: scale 1 now uses anchors 3, 4, 5, so slot 2 is anchor 5 (12x13)
    boxes, scores = _check_shapes(decode_outputs(outputs, ANCHORS, 1, (32, 64), (32, 64), masks=[[0, 1, 2], [3, 4, 5]]),
                                  6 + 24, 1)
    want = [17.5, 50, 30.5, 62]
    assert np.allclose(boxes[29], want, atol=1e-3), (
        f"masks=[[0, 1, 2], [3, 4, 5]]: row 29 (scale 1, cell (1, 3), slot 2) uses anchor 5 (12x13), so it should be "
        f"{want}, got {boxes[29].tolist()}")
    # the smallest: one scale, a 1x1 grid, a mask of one anchor (7: 16x17), 1 class, so 6 values per cell
    boxes, scores = _check_shapes(decode_outputs([np.zeros((1, 1, 1, 6))], ANCHORS, 1, (32, 32), (32, 32),
                                                  masks=[[7]]), 1, 1)
    want = [7.5, 8, 24.5, 24]
    assert np.allclose(boxes[0], want, atol=1e-3) and abs(scores[0, 0] - 0.25) < 1e-4, (
        f"one 1x1 output with masks=[[7]]: expected the box {want} (anchor 7, 16x17, centred) with score "
        f"sigmoid(0) * sigmoid(0) = 0.25, got {boxes[0].tolist()} and {scores[0].tolist()}")
    # anchors are numbered 0 .. 8: a negative index names none of them (as yolo_heads' masks)
    for masks, what in [([[0, 1, 2]], "one mask for two outputs"), ([[0, 1, 2], [3, 4, 9]], "mask index 9 of 9 anchors"),
                        ([[0, 1, 2], [-1, 4, 5]], "mask index -1 of 9 anchors, numbered 0 to 8")]:
        expect_raises(ValueError, decode_outputs, outputs, ANCHORS, 1, (32, 64), (32, 64), masks=masks,
                      what=f"masks={masks} ({what})")
    expect_raises(ValueError, decode_outputs, [np.zeros((1, 4, 4, 21), np.float32)], ANCHORS, 2, (32, 32),
                  (32, 32), what="one output scale without masks (the fixed masks exist for 2 or 3)")
    expect_raises(ValueError, decode_outputs, [np.zeros((1, 1, 1, 21), np.float32)] * 4, ANCHORS, 2, (32, 32),
                  (32, 32), what="four output scales (masks exist for 2 or 3)")
    wrong = [np.zeros((1, g, g, 20), np.float32) for g in (1, 2, 4)]
    expect_raises(ValueError, decode_outputs, wrong, ANCHORS, 2, (32, 32), (32, 32),
                  what="outputs with 20 values per cell for 2 classes (3 * 7 = 21 expected)")
