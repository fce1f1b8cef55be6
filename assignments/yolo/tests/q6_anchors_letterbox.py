"""Question 6: anchors, class names, letterbox."""
import numpy as np
from PIL import Image
from otter.test_files import test_case

from _checks import expect_raises

OK_FORMAT = False

name = "q6_anchors_letterbox"
points = 8

YOLO_ANCHORS = [[10, 13], [16, 30], [33, 23], [30, 61], [62, 45], [59, 119], [116, 90], [156, 198], [373, 326]]
TINY_ANCHORS = [[10, 14], [23, 27], [37, 58], [81, 82], [135, 169], [344, 319]]


def _names(got, what):
    """read_classes' answer, checked to be the promised list of str before its len or items are read."""
    assert isinstance(got, list), f"{what}: expected a list of str, got {type(got).__name__}"
    odd = next((g for g in got if not isinstance(g, str)), None)
    assert odd is None, f"{what}: expected a list of str, got an item of type {type(odd).__name__}"
    return got


def _check_letterbox(got, want, what):
    got = np.asarray(got)
    assert got.shape == want.shape and got.dtype == np.uint8, (
        f"{what}: expected a {want.shape} uint8 array, got {got.shape} {got.dtype}")
    err = np.max(np.abs(got.astype(int) - want.astype(int)))
    assert err <= 1, (
        f"{what}: differs from PIL's bicubic resize pasted centred on grey 128 by up to {err} grey levels")


@test_case(points=2)
def test_anchors(read_anchors):
    got = read_anchors("assets/yolo_anchors.txt")
    assert np.shape(got) == (9, 2), f"yolo_anchors.txt holds 9 (w, h) pairs: expected shape (9, 2), got {np.shape(got)}"
    assert np.asarray(got).dtype == np.float32, f"expected a float32 array, got {np.asarray(got).dtype}"
    assert np.array_equal(got, YOLO_ANCHORS), f"expected {YOLO_ANCHORS}, got {np.asarray(got).tolist()}"


@test_case(points=1)
def test_classes(read_classes):
    got = _names(read_classes("assets/coco_classes.txt"), "read_classes('assets/coco_classes.txt')")
    assert len(got) == 80, f"COCO has 80 classes, got {len(got)}"
    picks = {0: "person", 15: "cat", 16: "dog", 79: "toothbrush"}
    assert {i: got[i] for i in picks} == picks, f"expected {picks}, got {({i: got[i] for i in picks})}"


@test_case(points=2)
def test_letterbox_cat(letterbox):
    # cat.png is 451 wide and 300 high: scale 416 / 451, so 416 x int(300 * 416 / 451) = 416 x 276,
    # pasted (416 - 276) // 2 = 70 rows down; 70 grey rows above and the remaining 70 below.
    cat = Image.open("assets/cat.png").convert("RGB")
    want = np.full((416, 416, 3), 128, np.uint8)
    want[70:70 + 276] = np.asarray(cat.resize((416, 276), Image.BICUBIC))
    got = letterbox("assets/cat.png")
    _check_letterbox(got, want, "letterbox('assets/cat.png')")
    # the bands are the canvas itself, no resampling there: exactly grey
    bands = np.concatenate([np.asarray(got)[:70], np.asarray(got)[70 + 276:]]).reshape(-1, 3)
    off = bands[np.any(bands != 128, axis=1)]
    assert len(off) == 0, (
        f"letterbox('assets/cat.png'): the 70 rows above and below the picture should be exactly grey "
        f"(128, 128, 128), got {len(off)} pixels otherwise, e.g. {off[0].tolist()}")


@test_case(points=2, hidden=True)
def test_letterbox_inputs(letterbox):
    def _oracle_letterbox(image, shape):
        """keras-yolo3's letterbox_image, with PIL."""
        image = image.convert("RGB")
        (h, w), (iw, ih) = shape, image.size
        scale = min(w / iw, h / ih)
        nw, nh = int(iw * scale), int(ih * scale)
        canvas = Image.new("RGB", (w, h), (128, 128, 128))
        canvas.paste(image.resize((nw, nh), Image.BICUBIC), ((w - nw) // 2, (h - nh) // 2))
        return np.asarray(canvas)

    rng = np.random.default_rng(11)
    tall = rng.integers(0, 256, (91, 37, 3), dtype=np.uint8)
    _check_letterbox(letterbox(tall, (64, 96)), _oracle_letterbox(Image.fromarray(tall), (64, 96)),
                     "a 91x37 array into (64, 96)")
    camera = Image.open("assets/camera.png")          # greyscale 'L': the result is still RGB
    _check_letterbox(letterbox(camera, (416, 416)), _oracle_letterbox(camera, (416, 416)),
                     "a greyscale PIL image into (416, 416)")
    small = rng.integers(0, 256, (3, 3, 3), dtype=np.uint8)      # the smallest result: one pixel
    _check_letterbox(letterbox(small, (1, 1)), _oracle_letterbox(Image.fromarray(small), (1, 1)),
                     "a 3x3 array into (1, 1)")
    for shape in [(0, 10), (10, -4), (10,), (8, 8, 3)]:
        expect_raises(ValueError, letterbox, tall, shape, what=f"shape {shape} (not two positive ints)")
    expect_raises(FileNotFoundError, letterbox, "assets/no_such.png", (8, 8), what="a path that does not exist")


@test_case(points=1, hidden=True)
def test_tiny_anchors_and_missing(read_anchors, read_classes):
    got = read_anchors("assets/tiny_yolo_anchors.txt")
    # each shape on its own first: a failing assertion's message lists the answer (attack h04)
    assert np.shape(got) == (6, 2), f"tiny_yolo_anchors.txt holds 6 (w, h) pairs: expected shape (6, 2), got {np.shape(got)}"
    assert np.array_equal(got, TINY_ANCHORS), f"tiny_yolo_anchors.txt: expected {TINY_ANCHORS}, got {np.asarray(got).tolist()}"
    got = read_anchors("assets/edge_two_anchors.txt")
    want = [[8.0, 9.0], [10.5, 11.0]]
    assert np.shape(got) == (2, 2), f"edge_two_anchors.txt holds 2 (w, h) pairs: expected shape (2, 2), got {np.shape(got)}"
    assert np.asarray(got).dtype == np.float32 and np.array_equal(got, want), (
        f"edge_two_anchors.txt (' 8,9,  10.5,11'): expected float32 {want}, got {np.asarray(got).dtype} {np.asarray(got).tolist()}")
    got = read_anchors("assets/edge_one_anchor.txt")
    assert np.shape(got) == (1, 2), f"edge_one_anchor.txt ('1,2') is a single anchor: expected shape (1, 2), got {np.shape(got)}"
    assert np.array_equal(got, [[1, 2]]), (
        f"edge_one_anchor.txt ('1,2') is a single anchor: expected [[1.0, 2.0]], got {np.asarray(got).tolist()}")
    got = _names(read_classes("assets/edge_classes.txt"), "read_classes('assets/edge_classes.txt')")
    assert got == ["cat", "dog", "emu"], (
        f"edge_classes.txt ('  cat ', '', '\\tdog', '   ', 'emu' (no newline at the end): expected ['cat', 'dog', 'emu'], got {got}")
    for asset, what in [("edge_odd_anchors.txt", "three numbers (an odd count)"),
                        ("edge_empty_anchors.txt", "an empty file"), ("edge_blank_anchors.txt", "a blank line")]:
        expect_raises(ValueError, read_anchors, f"assets/{asset}", what=f"{asset} holds {what}")
    for fn, what in [(read_anchors, "read_anchors"), (read_classes, "read_classes")]:
        expect_raises(FileNotFoundError, fn, "assets/no_such.txt", what=f"{what} of a missing file")
