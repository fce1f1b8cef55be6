"""Question 11: save a model and load it back with keras.models.load_model(..., compile=False).

The model is the given helper demo_model() (the kind of layers build_model makes), so this
question does not depend on questions 4 and 5. Files are written in the working folder.
"""
import numpy as np
from otter.test_files import test_case

from _checks import expect_raises

OK_FORMAT = False

name = "q11_save_load"
points = 6


def _round_trip(demo_model, save_and_reload, path):
    model = demo_model(3)
    model.compile(optimizer="sgd", loss="mse")      # compiled here; loaded back with compile=False
    back = save_and_reload(model, path)
    assert back is not model, (
        f"save_and_reload(model, {path!r}) returned the model it was given: expected a new model, the one "
        "loaded back from the file with keras.models.load_model(path, compile=False)")
    assert back.compiled is False, (
        f"save_and_reload(model, {path!r}) returned a compiled model: expected the model loaded back "
        "from the file with keras.models.load_model(path, compile=False)")
    assert back.output_shape == model.output_shape and back.count_params() == model.count_params(), (
        f"the model loaded back from {path!r}: expected output shape {model.output_shape} and "
        f"{model.count_params()} parameters, got {back.output_shape} and {back.count_params()}")
    x = np.random.default_rng(1).random((2, 16, 16, 3)).astype(np.float32)
    got, want = np.asarray(back.predict(x, verbose=0)), np.asarray(model.predict(x, verbose=0))
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-5), (
        f"the model loaded back from {path!r} predicts differently (shape {got.shape} for {want.shape}"
        f"{f', by up to {np.max(np.abs(got - want)):.3g}' if got.shape == want.shape else ''})")


@test_case(points=3)
def test_keras_file(demo_model, save_and_reload):
    _round_trip(demo_model, save_and_reload, "q11_demo.keras")


@test_case(points=2, hidden=True)
def test_h5_file(demo_model, save_and_reload):
    _round_trip(demo_model, save_and_reload, "q11_demo.h5")


@test_case(points=1, hidden=True)
def test_bad_suffix(demo_model, save_and_reload):
    # a pathlib.Path is allowed too (so raising everywhere earns nothing here)
    from pathlib import Path

    model = demo_model()
    back = save_and_reload(model, Path("q11_as_path.keras"))
    assert back is not model, (
        "path given as pathlib.Path('q11_as_path.keras'): save_and_reload returned the model it was given, "
        "expected the model loaded back from the file")
    assert hasattr(back, "predict") and getattr(back, "compiled", None) is False, (
        f"path given as pathlib.Path('q11_as_path.keras'): expected the model loaded back with compile=False, "
        f"got {type(back).__name__}")
    # .hdf5 is one Keras itself would save to: the check must be save_and_reload's own
    for path in ("q11_demo.pb", "q11_demo.hdf5"):
        expect_raises(ValueError, save_and_reload, demo_model(), path,
                      what=f"a path ending in {path[8:]} (only .keras and .h5 are allowed)")
