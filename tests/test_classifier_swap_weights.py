"""classifier_swap's tests tell a model built with the docstring's seed from any other by samples
of its weights (tests/_checks.py: weight_sample, weights_match), recorded when the course is
built, on the instructor's machine, and compared on the grader's: within a tolerance, so that a
last bit rounded otherwise by another CPU's initializers does not fail an honest submission,
while another seed, or no seed, is far outside it. Oracle: Keras's own MobileNetV2 built twice."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import ROOT

sys.path[0:0] = [str(ROOT / "assignments" / "classifier_swap" / "tests"), str(ROOT / "assignments" / "_shared")]
import _checks  # noqa: E402

sys.path.remove(str(ROOT / "assignments" / "classifier_swap" / "tests"))
sys.modules.pop("_checks")  # another file's `import _checks` must find its own assignment's


@pytest.fixture(scope="module")
def seeded():
    return [w.copy() for w in _checks.reference_model("MobileNetV2", 0).get_weights()]


def test_the_samples_tell_the_seed_apart_and_forgive_a_last_bit(seeded):
    layout = [(w.shape, _checks.weight_sample(w)) for w in seeded]
    assert all(_checks.weights_match(w, sample) for w, (_, sample) in zip(seeded, layout))
    # every value a few ulps off, as another CPU's rounding would leave it
    nudged = [np.nextafter(np.nextafter(w, np.float32(np.inf)), np.float32(np.inf)) for w in seeded]
    assert all(_checks.weights_match(w, sample) for w, (_, sample) in zip(nudged, layout))
    other = _checks.reference_model("MobileNetV2", 1).get_weights()
    differ = [i for i, (w, (_, sample)) in enumerate(zip(other, layout)) if not _checks.weights_match(w, sample)]
    kernels = [i for i, w in enumerate(seeded) if w.ndim == 4]
    assert set(kernels) <= set(differ), "every convolution kernel of seed 1 must differ from seed 0's samples"
    # the same model built again after the seed: the same samples (what a student's build gives)
    again = _checks.reference_model("MobileNetV2", 0)
    assert all(_checks.weights_match(w, sample) for w, (_, sample) in zip(again.get_weights(), layout))
