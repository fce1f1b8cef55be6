"""Question 4: parameter counts, and why images need convolution rather than dense layers."""
from otter.test_files import test_case
from _checks import expect_value_errors, oracle

OK_FORMAT = False

name = "q4_parameters"
points = 3


@test_case(points=1)
def test_count_params(count_params):
    # (k * k * C_in + 1) * F: a k x k x C_in kernel and one bias per filter
    for args, expected in [((3, 3, 64), 1792), ((5, 1, 6), 156), ((1, 64, 32), 2080), ((3, 64, 128), 73856),
                           ((1, 1, 1), 2), ((2, 1, 1), 5)]:
        got = count_params(*args)
        assert got == expected, f"count_params{args}: expected {expected}, got {got}"
    expect_value_errors(count_params, [(f"count_params{args} (a size below 1)", args)
                                       for args in [(0, 3, 4), (3, 0, 4), (3, 3, 0)]])


@test_case(points=1)
def test_dense_vs_conv(dense_vs_conv):
    got = dense_vs_conv((224, 224, 3), 64, 3, 64)
    # dense: 224 * 224 * 3 = 150528 inputs, each wired to 64 units, + 64 biases
    expected = {"dense": 150528 * 64 + 64, "conv": 1792}
    assert isinstance(got, dict) and set(got) == {"dense", "conv"}, f"expected a dict with keys 'dense' and 'conv', got {got!r}"
    assert got == expected, f"dense_vs_conv((224, 224, 3), 64, 3, 64): expected {expected}, got {got}"
    kinds = {k: type(v).__name__ for k, v in got.items()}
    assert kinds == {"dense": "int", "conv": "int"}, (
        f"dense_vs_conv((224, 224, 3), 64, 3, 64): the docstring asks for a dict with int values (Python ints, "
        f"which never overflow), got the types {kinds}")
    got = dense_vs_conv((1, 1, 1), 1, 1, 1)  # the smallest layers: one input, one unit, one 1x1 filter
    assert got == {"dense": 2, "conv": 2}, f"dense_vs_conv((1, 1, 1), 1, 1, 1): expected {{'dense': 2, 'conv': 2}}, got {got}"
    expect_value_errors(dense_vs_conv, [(f"dense_vs_conv{args}", args) for args in
                                        [((224, 224), 64, 3, 64), ((0, 4, 3), 64, 3, 64), ((4, 4, 3), 0, 3, 64),
                                         ((4, 4, 3), 8, 0, 64), ((4, 4, 3), 8, 3, 0)]])


def _keras_counts(h, w, c, units, k, f):
    """count_params() of a Keras Conv2D(f, k) on (h, w, c) and of a Dense(units) on it flattened."""
    import keras
    conv = keras.layers.Conv2D(f, k)
    conv.build((None, h, w, c))
    dense = keras.layers.Dense(units)
    dense.build((None, h * w * c))
    return conv.count_params(), dense.count_params()


@test_case(points=1, hidden=True)
def test_vs_keras(count_params, dense_vs_conv):
    for h, w, c, units, k, f in [(32, 32, 3, 10, 5, 6), (28, 28, 1, 128, 3, 32), (64, 48, 16, 8, 1, 7)]:
        conv_params, dense_params = oracle(_keras_counts, h, w, c, units, k, f)
        got = count_params(k, c, f)
        assert got == conv_params, f"count_params({k}, {c}, {f}): Keras Conv2D has {conv_params}, got {got}"
        got = dense_vs_conv((h, w, c), units, k, f)
        expected = {"dense": dense_params, "conv": conv_params}
        assert got == expected, f"dense_vs_conv({(h, w, c)}, {units}, {k}, {f}): Keras gives {expected}, got {got}"
    expect_value_errors(count_params, [(f"count_params{args}", args) for args in [(0, 3, 4), (3, 0, 4), (3, 3, 0)]])
