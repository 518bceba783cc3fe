"""The compiled spatial utilities give the numpy reference's bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import utility_kernel
from sim.core.utility import utilities


def _case(seed: int, n: int, actors: int, issues: int) -> tuple[np.ndarray, ...]:
    """Random packages, positions, saliences and a mix of linear and quadratic actors."""
    rng = np.random.default_rng(seed)
    salience = rng.random((n, actors, issues))
    salience /= salience.sum(axis=2, keepdims=True)
    linear = rng.random((n, actors)) < 0.3
    return rng.random((n, issues)), rng.random((n, actors, issues)), salience, linear


@pytest.mark.parametrize("issues", [1, 2, 5, 7])
def test_compiled_utilities_match_the_numpy_reference_bit_for_bit(
    issues: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, position, salience, linear = _case(issues, 500, 4, issues)
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    reference = utilities(x, position, salience, linear)
    quadratic = utilities(x, position, salience, np.zeros_like(linear))
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    compiled = utility_kernel.compiled_utilities(x, position, salience, linear)
    assert compiled is not None and np.array_equal(compiled, reference)
    assert np.array_equal(utilities(x, position, salience, np.zeros_like(linear)), quadratic)
    # Broadcast views (one actor's slice, shared positions) give the same bits too.
    shared = np.broadcast_to(position[:1], position.shape)
    column = np.broadcast_to(linear[:1, 1:2], (500, 1))
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    expected = utilities(x, shared[:, 1:2], salience[:, 1:2], column)
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    assert np.array_equal(utilities(x, shared[:, 1:2], salience[:, 1:2], column), expected)


def test_the_plain_function_is_the_compiled_one() -> None:
    x, position, salience, linear = _case(11, 50, 3, 4)
    plain, compiled = np.empty((50, 3)), np.empty((50, 3))
    utility_kernel.utility_rows(x, position, salience, linear, plain)
    utility_kernel.compiled_kernel()(x, position, salience, linear, compiled)
    assert np.array_equal(plain, compiled)
    by_formula = 1.0 - (
        salience * np.abs(x[:, None] - position) ** np.where(linear, 1, 2)[:, :, None]
    ).sum(2)
    assert np.allclose(plain, by_formula, rtol=0.0, atol=1e-15)


def test_the_reference_runs_where_the_kernel_does_not_apply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x, position, salience, linear = _case(5, 20, 2, 8)  # 8 issues: numpy sums pairwise
    assert utility_kernel.compiled_utilities(x, position, salience, linear) is None
    x, position, salience, linear = _case(5, 20, 2, 3)
    assert (
        utility_kernel.compiled_utilities(x.astype(np.float32), position, salience, linear) is None
    )
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    assert utility_kernel.compiled_utilities(x, position, salience, linear) is None


@pytest.mark.parametrize("issues", [1, 3, 5, 7])
def test_the_solvers_exact_utilities_are_the_references_bits(
    issues: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dual's feasibility check values packages with the compiled loop, bit for bit as its
    numpy formula (linear, quadratic and mixed actors)."""
    from sim.core.dual import DualProblem

    x, position, salience, _ = _case(10 + issues, 400, 4, issues)
    for linear in (np.zeros(4, bool), np.array([False, True, False, True]), np.ones(4, bool)):
        problem = DualProblem(position, salience, linear, np.full((400, 3), 0.5))
        monkeypatch.setenv("PARLEY_ENGINE", "numpy")
        reference = problem.exact_utilities(x)
        monkeypatch.setenv("PARLEY_ENGINE", "kernel")
        assert np.array_equal(problem.exact_utilities(x), reference)
