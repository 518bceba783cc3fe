"""The compiled approval probabilities give the numpy reference's bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim import elementary
from sim.core import logistic_kernel
from sim.core.ratification import logistic


@pytest.mark.parametrize("shared", [True, False])
def test_compiled_approvals_match_the_numpy_logistic_bit_for_bit(shared: bool) -> None:
    """Random utilities against shared or per-world thresholds; smooth, sharp and NaN spreads;
    margins far enough out that exp overflows; plain and compiled loops alike."""
    rng = np.random.default_rng(5)
    n, ratifiers = 700, 4
    utility = rng.uniform(-1.0, 1.0, (n, ratifiers))
    utility[::9, 1] = np.nan
    threshold = rng.uniform(0.0, 0.9, ratifiers if shared else (n, ratifiers))
    spread = np.array([0.02, 0.0, 1e-4, 0.3])
    expected = logistic(utility - threshold, spread)
    compiled = logistic_kernel.compiled_approvals(utility, threshold, spread)
    assert compiled is not None
    assert np.array_equal(compiled, expected, equal_nan=True)
    z = np.empty((n, ratifiers))
    theta = np.broadcast_to(threshold, (n, ratifiers))
    logistic_kernel.exponents(utility, theta, spread, z)
    elementary.exp(z, out=z)
    logistic_kernel.approvals(utility, theta, spread, z)
    assert np.array_equal(z, expected, equal_nan=True)
    odd = np.array([0.02, np.nan, 0.1, 0.3])  # a NaN spread: NaN approvals, as numpy's
    assert np.array_equal(
        logistic_kernel.compiled_approvals(utility, threshold, odd),
        logistic(utility - threshold, odd),
        equal_nan=True,
    )


def test_the_numpy_engine_runs_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    assert logistic_kernel.compiled_approvals(np.zeros((3, 2)), np.zeros(2), np.ones(2)) is None
