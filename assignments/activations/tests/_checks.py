"""Helpers the activations tests share. Shipped to students beside activations.py."""
import numpy as np


def compare(got, expected, atol, what):
    """got against the oracle's expected: same shape, same dtype, no NaN, within atol."""
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    assert got.dtype == expected.dtype, f"{what}: expected dtype {expected.dtype}, got {got.dtype}"
    assert not np.isnan(got).any(), f"{what}: the result contains NaN"
    err = float(np.max(np.abs(got.astype(np.float64) - expected))) if got.size else 0.0
    assert err <= atol, f"{what}: largest difference from the oracle is {err:.3g} (tolerance {atol:g})"
