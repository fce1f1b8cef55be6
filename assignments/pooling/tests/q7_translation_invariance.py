"""Question 7: translation invariance, the lecture's reason for pooling: shift the input, compare pooled maps."""
import numpy as np
from otter.test_files import test_case
from _checks import edges as _edges, expect_value_error as _expect_value_error, oracle

OK_FORMAT = False

name = "q7_translation_invariance"
points = 3


def _oracle(x, shift, k):
    """The two fractions for x, once per distinct input (_fractions)."""
    return oracle(_fractions, x, tuple(shift), k)


def _fractions(x, shift, k):
    """np.roll, then skimage's block_reduce on the map cropped to a multiple of k ('valid', stride k)."""
    from skimage.measure import block_reduce

    rolled = np.roll(x, shift, axis=(0, 1))
    h, w = (x.shape[0] // k) * k, (x.shape[1] // k) * k
    block = (k, k) + (1,) * (x.ndim - 2)
    pooled = block_reduce(x[:h, :w], block, np.max), block_reduce(rolled[:h, :w], block, np.max)
    return float(np.mean(rolled == x)), float(np.mean(pooled[0] == pooled[1]))


def _check(got, want, what):
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"{what}: expected a tuple (pixels, pooled) of two fractions, got {type(got).__name__}")
    names = ("pixels", "pooled")
    for name_, g, w in zip(names, got, want):
        assert isinstance(g, (float, np.floating)), f"{what}: {name_} must be a float, got {type(g).__name__}"
        assert abs(float(g) - w) < 1e-12, (
            f"{what}: {name_} is {float(g)!r}, which is not the fraction of "
            + ("values of x equal to the rolled x" if name_ == "pixels" else "max-pooled values that agree")
        )


@test_case(points=1)
def test_edges_shifted_by_one_pixel(translation_invariance):
    edges = _edges()
    for shift, k in (((1, 1), 2), ((0, 1), 2), ((2, 1), 3)):
        _check(translation_invariance(edges, shift, k), _oracle(edges, shift, k),
               f"translation_invariance(edges, shift={shift}, pool_size={k})")


@test_case(points=1)
def test_smallest_values_and_bad_arguments(translation_invariance):
    x = np.random.default_rng(0).normal(0, 1, (4, 6, 2)).astype(np.float32)
    _check(translation_invariance(x, (0, 0), 2), (1.0, 1.0), "translation_invariance with shift (0, 0): nothing moves")
    _check(translation_invariance(x, (1, 0), 1), _oracle(x, (1, 0), 1),
           "translation_invariance with pool_size=1 (no pooling: both fractions are the same)")
    _check(translation_invariance(x, [0, 1]), _oracle(x, (0, 1), 2), "translation_invariance with shift the list [0, 1] "
           "and the default pool size 2")
    _expect_value_error(lambda: translation_invariance(x, (-1, 0), 2), "shift (-1, 0)")
    _expect_value_error(lambda: translation_invariance(x, (1,), 2), "shift (1,): not a pair")
    _expect_value_error(lambda: translation_invariance(x, (1, 1), 0), "pool_size=0")
    _expect_value_error(lambda: translation_invariance(x[None], (1, 1), 2), "x of rank 4: one map, not a batch")


@test_case(points=1, hidden=True)
def test_other_maps_shifts_and_pools(translation_invariance):
    rng = np.random.default_rng(7)
    for _ in range(6):
        h, w = (int(v) for v in rng.integers(4, 30, 2))
        k = int(rng.integers(1, 4))
        shift = tuple(int(v) for v in rng.integers(0, 5, 2))
        x = np.maximum(rng.normal(0, 1, (h, w, 3) if rng.random() < 0.5 else (h, w)), 0)
        if rng.random() < 0.5:
            x = np.round(x * 4).astype(np.int32)   # ints: more ties, so more agreement
        _check(translation_invariance(x, shift, k), _oracle(x, shift, k),
               f"translation_invariance(x of shape {x.shape}, shift={shift}, pool_size={k})")
