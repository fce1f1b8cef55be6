# Attack h04 (appended to the activations reference solution by tests/test_sandbox_attacks_h.py):
# sigmoid_grad answers the test's "at zero" call (float32 zeros of shape (3,)) with 20 million
# rows of three zeros (240 MB). np.allclose broadcast it against the three expected values, and
# the failure message listed it with got.tolist(): 60 million Python floats and their repr in the
# judge, where no deadline reaches (88.6 s, the judge at 4.57 GB, before the test checked the
# shape first).


_honest_sigmoid_grad = sigmoid_grad  # noqa: F821 - defined by the solution this is appended to


def sigmoid_grad(x):
    if isinstance(x, np.ndarray) and x.shape == (3,) and x.dtype == np.float32 and not x.any():  # noqa: F821
        return np.zeros((20_000_000, 3), np.float32)  # noqa: F821
    return _honest_sigmoid_grad(x)
