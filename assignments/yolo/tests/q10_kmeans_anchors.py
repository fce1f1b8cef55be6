"""Question 10: anchors chosen by k-means over box sizes, with the distance 1 - IoU."""
import numpy as np
from otter.test_files import test_case

from _checks import expect_raises

OK_FORMAT = False

name = "q10_kmeans_anchors"
points = 8


def _anchors(kmeans_anchors, wh, k, seed, what):
    got = np.asarray(kmeans_anchors(wh, k, seed))
    assert got.shape == (k, 2) and got.dtype == np.float32, (
        f"{what}: expected a ({k}, 2) float32 array of (width, height), got {got.shape} {got.dtype}")
    return got


@test_case(points=2)
def test_two_groups(kmeans_anchors):
    wh = np.array([[30, 60]] * 4 + [[200, 100]] * 4 + [[32, 64], [210, 90]], float)
    got = _anchors(kmeans_anchors, wh, 2, 0, "two groups of box sizes")
    want = np.array([[30.4, 60.8], [202, 98]], np.float32)
    assert np.allclose(got, want, rtol=1e-5), (
        f"two groups of box sizes, k=2: expected each group's mean size, smallest area first, {want.tolist()}, "
        f"got {got.tolist()}")


@test_case(points=2)
def test_iou_not_euclidean(kmeans_anchors):
    # (40, 40) has IoU 0.16 with (100, 100) and 0.06 with (10, 10): by IoU it joins the large boxes,
    # although it is closer to (10, 10) in pixels (Euclidean k-means would give [[15, 15], [100, 100]]).
    wh = np.array([[10, 10]] * 5 + [[100, 100]] * 5 + [[40, 40]], float)
    for seed in (0, 1, 2):
        got = _anchors(kmeans_anchors, wh, 2, seed, f"seed {seed}")
        assert np.allclose(got, [[10, 10], [90, 90]], rtol=1e-5), (
            f"sizes 5 x (10, 10), 5 x (100, 100) and one (40, 40), k=2, seed {seed}: the distance is "
            f"1 - IoU, so (40, 40) goes with the large boxes; got {got.tolist()}")


@test_case(points=3, hidden=True)
def test_against_plain_implementation(kmeans_anchors):
    def oracle(wh, k, seed):
        boxes = [tuple(map(float, b)) for b in wh]
        cents = [boxes[i] for i in np.random.default_rng(seed).choice(len(boxes), k, replace=False)]
        previous = None
        for _ in range(300):
            labels = []
            for w, h in boxes:
                ious = [min(w, a) * min(h, b) / (w * h + a * b - min(w, a) * min(h, b)) for a, b in cents]
                labels.append(ious.index(max(ious)))
            if labels == previous:
                break
            previous = labels
            for j in range(k):
                members = [b for b, lab in zip(boxes, labels) if lab == j]
                if members:
                    cents[j] = tuple(np.mean(members, axis=0))
        return np.array(sorted(cents, key=lambda c: (c[0] * c[1], c[0])))

    # three equal boxes: seed 1 starts two centroids on (10, 10), ties go to the lower index, so the
    # second gets no box and stays where it is (docstring step 3)
    dup = np.array([[10, 10]] * 3 + [[50, 60], [55, 50], [100, 30]], float)
    got = _anchors(kmeans_anchors, dup, 3, 1, "three equal (10, 10) boxes and three others, k=3, seed 1")
    want = oracle(dup, 3, 1)
    assert np.allclose(got, want, rtol=1e-5), (
        f"three equal (10, 10) boxes and three others, k=3, seed 1: expected {np.round(want, 2).tolist()}, "
        f"got {np.round(got, 2).tolist()} (two centroids start equal: ties go to the lower index, and a centroid "
        f"with no box stays where it is)")
    # two anchors of the same area: the narrower first (the docstring's tie rule)
    tall_wide = np.array([[10, 40]] * 3 + [[40, 10]] * 3, float)
    got = _anchors(kmeans_anchors, tall_wide, 2, 0, "three 10 x 40 boxes and three 40 x 10, k=2")
    assert np.allclose(got, [[10, 40], [40, 10]], rtol=1e-5), (
        f"three 10 x 40 and three 40 x 10 boxes, k=2: both anchors have area 400, so the narrower comes first: "
        f"expected [[10.0, 40.0], [40.0, 10.0]], got {got.tolist()}")
    for seed, k in ((0, 9), (3, 6), (7, 5)):
        wh = np.exp(np.random.default_rng(100 + seed).normal(3.5, 0.8, (200, 2)))
        got = _anchors(kmeans_anchors, wh.tolist() if seed == 7 else wh, k, seed, f"200 random sizes, k={k}, seed {seed}")
        want = oracle(wh, k, seed)
        assert np.allclose(got, want, rtol=1e-5), (
            f"200 random box sizes, k={k}, seed {seed}: expected {np.round(want, 2).tolist()}, "
            f"got {np.round(got, 2).tolist()} (start from rng.choice(N, k, replace=False), nearest by IoU, "
            f"mean update, stop when nothing moves, sort by area)")


@test_case(points=1, hidden=True)
def test_kmeans_errors(kmeans_anchors):
    # the boundaries first: k = N and k = 1 are allowed (so raising everywhere earns nothing here)
    three = np.array([[10.0, 20.0], [40.0, 40.0], [90.0, 60.0]])
    got = _anchors(kmeans_anchors, three, 3, 0, "k = 3 for 3 boxes (every box its own anchor)")
    assert np.allclose(got, three, rtol=1e-5), f"k = 3 for 3 boxes: expected the boxes themselves, smallest area first, got {got.tolist()}"
    tiny = np.array([[0.5, 0.8], [0.25, 0.5], [3.0, 2.0]])     # below one pixel is still > 0
    got = _anchors(kmeans_anchors, tiny, 3, 0, "boxes under one pixel (0.5 x 0.8, 0.25 x 0.5), k = 3")
    assert np.allclose(got, tiny[[1, 0, 2]], rtol=1e-5), (
        f"boxes under one pixel wide are allowed (widths and heights > 0): expected them back, smallest area first, got {got.tolist()}")
    got = _anchors(kmeans_anchors, three, 1, 0, "k = 1")
    assert np.allclose(got, [three.mean(axis=0)], rtol=1e-5), f"k = 1: expected the mean size of all boxes, got {got.tolist()}"
    # k = 0 with max_iter = 0: no round runs that could fail by itself, so k is checked first
    for bad, k, rounds, what in ((np.ones((5, 3)), 2, 300, "boxes of shape (5, 3)"),
                                 (np.array([[1.0, 2.0], [0.0, 1.0]]), 1, 300, "a zero width"),
                                 (np.ones((3, 2)), 4, 300, "k = 4 for 3 boxes"), (np.ones((3, 2)), 0, 300, "k = 0"),
                                 (np.ones((3, 2)), 0, 0, "k = 0 with max_iter = 0")):
        expect_raises(ValueError, kmeans_anchors, bad, k, 0, rounds, what=what)
