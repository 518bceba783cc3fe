"""The compiled closed form of what the involved actors can attain gives the numpy bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import attainable_kernel
from sim.core.dual import DualProblem


def _problem(seed: int, n: int, involved: int, issues: int) -> DualProblem:
    """Quadratic problems; the proposer's own threshold imposed in about half the worlds, some
    issues nobody cares about (zero saliences)."""
    rng = np.random.default_rng(seed)
    salience = rng.random((n, involved, issues))
    salience[::5, :, 0] = 0.0
    salience /= np.maximum(salience.sum(axis=2, keepdims=True), 1e-300)
    own = np.where(rng.random(n) < 0.5, rng.random(n), np.inf)
    return DualProblem(
        rng.random((n, involved, issues)),
        salience,
        np.zeros(involved, dtype=bool),
        rng.uniform(0.2, 0.9, (n, involved - 1)),
        own=own,
    )


@pytest.mark.parametrize(("involved", "issues"), [(2, 1), (3, 5), (7, 7)])
def test_compiled_attainable_matches_the_numpy_reference_bit_for_bit(
    involved: int, issues: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = _problem(involved * 10 + issues, 300, involved, issues)
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    reference = problem.attainable()
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    compiled = attainable_kernel.compiled_attainable(
        problem.position, problem.salience, problem.own
    )
    assert compiled is not None and np.array_equal(compiled, reference)
    assert np.array_equal(problem.attainable(), reference)
    # It is the maximum: no package of a few random ones gives the actors more in total.
    rng = np.random.default_rng(0)
    weights = np.ones((300, involved))
    weights[:, 0] = np.isfinite(problem.own)
    for x in rng.random((20, 300, issues)):
        utility = 1.0 - (problem.salience * (x[:, None, :] - problem.position) ** 2).sum(axis=2)
        assert np.all((weights * utility).sum(axis=1) <= compiled + 1e-12)


def test_the_plain_function_is_the_compiled_one_and_the_reference_runs_beyond_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _problem(5, 40, 3, 4)
    plain, compiled = np.empty(40), np.empty(40)
    attainable_kernel.attainable_rows(problem.position, problem.salience, problem.own, plain)
    attainable_kernel.compiled_kernel()(problem.position, problem.salience, problem.own, compiled)
    assert np.array_equal(plain, compiled)
    wide = _problem(6, 10, 8, 3)  # 8 actors: numpy sums them pairwise
    assert attainable_kernel.compiled_attainable(wide.position, wide.salience, wide.own) is None
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    args = (problem.position, problem.salience, problem.own)
    assert attainable_kernel.compiled_attainable(*args) is None
