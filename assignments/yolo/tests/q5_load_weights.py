"""Question 5: load a darknet weights file into the model."""
import numpy as np
from otter.test_files import test_case

from _checks import expect_raises
from _checks import outputs as _outputs

OK_FORMAT = False

name = "q5_load_weights"
points = 12


@test_case(points=2)
def test_read_message(build_model, load_weights):
    model = build_model("assets/small.cfg")
    got = load_weights(model, "assets/small.weights")
    want = "Read 12306 of 12306 from Darknet weights."
    assert got == want, f"small.weights holds exactly the 12306 floats small.cfg needs: expected {want!r}, got {got!r}"


@test_case(points=2)
def test_wrong_sizes(build_model, load_weights):
    model = build_model("assets/small.cfg")
    got = load_weights(model, "assets/small.weights")
    want = "Read 12306 of 12306 from Darknet weights."
    assert got == want, f"small.weights first: expected {want!r}, got {got!r}"
    x = np.random.default_rng(1).random((1, 32, 32, 3)).astype(np.float32)
    before = _outputs(model, x)
    for asset, word, count in [("small_short.weights", "short", 12305), ("small_long.weights", "long", 12307)]:
        e = expect_raises(ValueError, load_weights, model, f"assets/{asset}",
                          what=f"{asset} is one float too {word}")
        assert word in str(e) and "12306" in str(e) and str(count) in str(e), (
            f"{asset}: the ValueError should say the file is too {word} and give both counts (the model "
            f"needs 12306 floats, the file holds {count}), it says {str(e)!r}")
        after = _outputs(model, x)
        assert all(np.array_equal(a, b) for a, b in zip(before, after)), (
            f"{asset}: the size is checked before anything is set, so the model should predict as it did "
            f"with small.weights; its outputs changed")
    # small_short.weights is small.weights less its last float, so in the model above the layers
    # set before running out would get the values they had: a freshly built model shows them
    fresh = build_model("assets/small.cfg")
    before = _outputs(fresh, x)
    expect_raises(ValueError, load_weights, fresh, "assets/small_short.weights", what="small_short.weights is one float too short")
    after = _outputs(fresh, x)
    assert all(np.array_equal(a, b) for a, b in zip(before, after)), (
        "small_short.weights into a freshly built model: the size is checked before anything is set, so "
        "the model should keep its random weights; its outputs changed")


@test_case(points=2)
def test_plant_biases(build_model, load_weights):
    # plant.cfg is max pooling and two linear 1x1 convs: on a black image every cell outputs
    # exactly its conv's biases, which sit right after the 20-byte header in the file.
    model = build_model("assets/plant.cfg")
    load_weights(model, "assets/plant.weights")
    floats = np.fromfile("assets/plant.weights", dtype="<f4", offset=20)
    bias1, bias2 = floats[:255], floats[255 + 255 * 3:2 * 255 + 255 * 3]
    out = _outputs(model, np.zeros((1, 64, 64, 3), np.float32))
    assert [o.shape for o in out] == [(1, 4, 4, 255), (1, 8, 8, 255)], (
        f"expected outputs (1, 4, 4, 255) and (1, 8, 8, 255), got {[o.shape for o in out]}")
    for o, bias, which in [(out[0], bias1, "first"), (out[1], bias2, "second")]:
        err = np.max(np.abs(o - bias))
        assert err < 1e-5, (
            f"on a black image the {which} head outputs its biases from the file; max difference {err:.3g}")


def _small_forward(x, path="assets/small.weights"):
    """A plain darknet forward pass of small.cfg for one (32, 32, 3) image, in float64, with the
    weights read straight from `path` (a weights file for small.cfg): the oracle for loading."""
    from numpy.lib.stride_tricks import sliding_window_view

    # small.cfg's conv layers: (filters, in_channels, size, batch_normalize), in cfg order
    specs = [(8, 3, 3, 1), (16, 8, 3, 1), (8, 16, 1, 1), (16, 8, 3, 1), (32, 16, 3, 1), (21, 32, 1, 0),
             (8, 16, 1, 1), (16, 24, 3, 1), (21, 16, 1, 0)]
    floats = np.fromfile(path, dtype="<f4", offset=20).astype(np.float64)
    params, pos = [], 0
    for f, c, k, bn in specs:
        p = {}
        if bn:
            p["beta"], p["gamma"], p["mean"], p["var"] = floats[pos:pos + 4 * f].reshape(4, f)
            pos += 4 * f
        else:
            p["bias"] = floats[pos:pos + f]
            pos += f
        p["w"] = floats[pos:pos + f * c * k * k].reshape(f, c, k, k)
        pos += f * c * k * k
        params.append(p)
    assert pos == floats.size

    def conv(x, p, stride=1, leaky=True):
        k = p["w"].shape[-1]
        xp = np.pad(x, ((k // 2, k // 2), (k // 2, k // 2), (0, 0)))      # darknet: pad size//2 all round
        win = sliding_window_view(xp, (k, k), axis=(0, 1))[::stride, ::stride]
        y = np.einsum("hwcij,fcij->hwf", win, p["w"])
        if "gamma" in p:
            y = (y - p["mean"]) / np.sqrt(p["var"] + 1e-6) * p["gamma"] + p["beta"]      # darknet's epsilon
        else:
            y = y + p["bias"]
        return np.where(y > 0, y, 0.1 * y) if leaky else y

    l0 = conv(x, params[0])
    l1 = conv(l0, params[1], stride=2)
    l4 = conv(conv(l1, params[2]), params[3]) + l1                       # shortcut from=-3
    h, w, c = l4.shape
    l5 = l4.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))            # maxpool 2/2
    out1 = conv(conv(l5, params[4]), params[5], leaky=False)
    l11 = conv(l5, params[6]).repeat(2, axis=0).repeat(2, axis=1)        # route -4, conv, upsample
    out2 = conv(conv(np.concatenate([l11, l4], axis=-1), params[7]), params[8], leaky=False)
    return [out1, out2]


def _check_forward(build_model, load_weights, x, weights="small.weights"):
    model = build_model("assets/small.cfg")
    load_weights(model, f"assets/{weights}")
    got = _outputs(model, x.astype(np.float32))
    for b in range(len(x)):
        for s, want in enumerate(_small_forward(x[b].astype(np.float64), f"assets/{weights}")):
            err = np.max(np.abs(got[s][b] - want))
            tol = 0.02 * max(1.0, np.max(np.abs(want)))
            assert err <= tol, (
                f"image {b}, output {s}: the model with {weights} loaded differs from a numpy darknet "
                f"forward pass by up to {err:.3g} (tolerance {tol:.3g}); check the order beta, gamma, mean, "
                f"variance, batch norm's epsilon, the kernel transpose to (k, k, in, filters) and the padding "
                f"of stride-2 convs")


@test_case(points=2)
def test_numpy_forward(build_model, load_weights):
    _check_forward(build_model, load_weights, np.random.default_rng(7).random((1, 32, 32, 3)))


@test_case(points=2, hidden=True)
def test_numpy_forward_batch(build_model, load_weights):
    x = np.random.default_rng(8).random((3, 32, 32, 3))
    x[1] = np.linspace(0, 1, 32 * 32 * 3).reshape(32, 32, 3)
    x[2] = 0.0
    _check_forward(build_model, load_weights, x)
    # moving variances of 1e-5 in the first batch norm: darknet's epsilon (BN_EPSILON) matters there
    _check_forward(build_model, load_weights, x[:1], weights="edge_tiny_variance.weights")


@test_case(points=2, hidden=True)
def test_old_header_and_missing(build_model, load_weights):
    x = np.random.default_rng(3).random((1, 32, 32, 3)).astype(np.float32)
    new, old = build_model("assets/small.cfg"), build_model("assets/small.cfg")
    load_weights(new, "assets/small.weights")
    got = load_weights(old, "assets/small_v1.weights")
    want = "Read 12306 of 12306 from Darknet weights."
    assert got == want, f"small_v1.weights (version 0.1, 16-byte header): expected {want!r}, got {got!r}"
    for a, b in zip(_outputs(new, x), _outputs(old, x)):
        assert np.allclose(a, b, atol=1e-5), (
            "small_v1.weights holds the same values as small.weights after a 16-byte header (seen as int32): "
            "the two models should predict the same")
    # version 1.0: major * 10 + minor = 10 >= 2, so `seen` is an int64 and the header 20 bytes
    got = load_weights(old, "assets/edge_v10.weights")
    assert got == want, f"edge_v10.weights (version 1.0, 20-byte header): expected {want!r}, got {got!r}"
    for a, b in zip(_outputs(new, x), _outputs(old, x)):
        assert np.allclose(a, b, atol=1e-5), (
            "edge_v10.weights holds the values of small.weights after a version 1.0 header: major * 10 + minor "
            "= 10 >= 2, so `seen` is an int64 and the two models should predict the same")
    for asset, what in [("edge_tiny.weights", "a 10-byte file (shorter than any header)"),
                        ("edge_ragged.weights", "a file whose size after the header is not a whole number of float32s")]:
        expect_raises(ValueError, load_weights, new, f"assets/{asset}", what=f"{asset}: {what}")
    expect_raises(FileNotFoundError, load_weights, new, "assets/no_such.weights", what="a missing weights file")
    # the smallest valid file: a model with no conv layer needs no floats, so a 16-byte version 0.1
    # header alone is the whole file
    pools = build_model("assets/edge_no_convs.cfg")
    got = load_weights(pools, "assets/edge_header_only.weights")
    want = "Read 0 of 0 from Darknet weights."
    assert got == want, f"a 16-byte version 0.1 header for a model without convolutions: expected {want!r}, got {got!r}"
