"""Question 6: how much two classifiers agree (oracle: numpy argmax and argsort, photo by photo)."""
import numpy as np
from otter.test_files import test_case

from _checks import expect_error

OK_FORMAT = False

name = "q6_compare_models"
points = 3


RULES = {"top1_agreement": "the fraction of photos on which both models' best class is the same",
         "top5_overlap": "the mean over photos of the number of top-5 classes the models share, divided by 5"}


def _probs(rng, n, classes=1000):
    logits = rng.normal(0.0, 2.0, (n, classes))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


def _oracle(a, b):
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    top1 = np.mean([np.argmax(x) == np.argmax(y) for x, y in zip(a, b)])
    overlap = np.mean([len(set(np.argsort(-x)[:5]) & set(np.argsort(-y)[:5])) / 5 for x, y in zip(a, b)])
    return {"top1_agreement": float(top1), "top5_overlap": float(overlap)}


def _check(compare_models, a, b, what):
    call = f"compare_models({what})"
    got = compare_models(a, b)
    want = _oracle(a, b)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    for key, value in want.items():
        assert key in got, f"{call}: the dict should have the key {key!r}; it has {sorted(got)}"
        assert abs(float(got[key]) - value) <= 1e-9, f"{call}: {key} should be {RULES[key]}; got {got[key]}"


def _swap_top(p, k, rng):
    """A copy of one photo's probabilities where exactly k of its top-5 classes leave the top 5."""
    q = p.copy()
    order = np.argsort(-q)
    out = rng.choice(5, size=k, replace=False)
    q[order[out]] = q[order[-1]] * 0.5  # push them to the bottom
    return q


def _swap_5th_6th(p):
    """A copy of one photo's probabilities where its 5th and 6th best classes trade places."""
    q = p.copy()
    order = np.argsort(-q)
    q[order[4]], q[order[5]] = p[order[5]], p[order[4]]
    return q


@test_case(points=1)
def test_identical_and_random(compare_models):
    rng = np.random.default_rng(0)
    a = _probs(rng, 8)
    _check(compare_models, a, a.copy(), "a model against itself, 8 photos")
    _check(compare_models, a, _probs(rng, 8), "two unrelated random models, 8 photos")


@test_case(points=1)
def test_five_classes_and_errors(compare_models):
    # Exactly 5 classes is the smallest valid input (the top 5 is every class); errors count only beside it.
    rng = np.random.default_rng(1)
    a, b = _probs(rng, 4, classes=5), _probs(rng, 4, classes=5)
    _check(compare_models, a, b, "4 photos, exactly 5 classes")
    for a, b, why in [
        (_probs(rng, 3), _probs(rng, 4), "3 photos against 4"),
        (_probs(rng, 3), _probs(rng, 3, classes=100), "1000 classes against 100"),
        (_probs(rng, 2, classes=4), _probs(rng, 2, classes=4), "4 classes have no top 5"),
    ]:
        expect_error(f"compare_models with shapes {a.shape} and {b.shape}", lambda: compare_models(a, b),
                     ValueError, why)


@test_case(points=1, hidden=True)
def test_known_overlaps(compare_models):
    # Photo i keeps 5 - k_i of model A's top-5 classes; the top-1 survives when it is not moved.
    rng = np.random.default_rng(2)
    a = _probs(rng, 6)
    b = np.stack([_swap_top(p, k, rng) for p, k in zip(a, [0, 1, 2, 3, 4, 5])])
    _check(compare_models, a, b, "6 photos sharing 5, 4, 3, 2, 1 and 0 of their top-5 classes")
    _check(compare_models, a[2], b[2], "one photo given as (1000,) arrays")
    # Model B's 6th class is one of A's top 5 (and A's 6th one of B's): only five classes are each model's top 5.
    _check(compare_models, a[:4], np.stack([_swap_5th_6th(p) for p in a[:4]]),
           "4 photos where model B ranks model A's 5th and 6th classes the other way round")
