"""The compiled grid passes of the ratification line search give the numpy reference's bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import grid_kernel
from sim.core.line_search import Segment, lowest_t
from sim.core.ratification import Ratifiers


def _case(seed: int, n: int, shared: bool) -> tuple[Segment, Ratifiers]:
    """Random segments of n worlds (4 actors, 3 issues, quadratic utilities), 3 ratifiers."""
    rng = np.random.default_rng(seed)
    actors, issues, bodies = 4, 3, 3
    x0, x1 = rng.random((n, issues)), rng.random((n, issues))
    salience = rng.random((n, actors, issues))
    salience /= salience.sum(axis=2, keepdims=True)
    body_salience = rng.random((bodies, issues))
    body_salience /= body_salience.sum(axis=1, keepdims=True)
    threshold = rng.uniform(0.3, 0.9, bodies if shared else (n, bodies))
    segment = Segment(
        x0=x0,
        x1=x1,
        low=lowest_t(x0, x1),
        position=rng.random((n, actors, issues)),
        salience=salience,
        linear=np.zeros((n, actors), dtype=bool),
        veto=np.array([True, True, False, False]),
        proposer=rng.integers(0, actors, n),
        threshold=rng.uniform(0.2, 0.8, (n, actors)),
        fallback=rng.uniform(0.0, 0.7, (n, actors)),
    )
    ratifiers = Ratifiers(
        names=("a", "b", "c"),
        actor=np.array([0, 1, 1]),
        position=rng.random((bodies, issues)),
        salience=body_salience,
        linear=np.zeros(bodies, dtype=bool),
        threshold=threshold,
        spread=np.array([0.05, 0.1, 0.02]),
        resume=False,
    )
    return segment, ratifiers


@pytest.mark.parametrize("shared", [True, False])
def test_the_compiled_search_matches_the_numpy_reference_bit_for_bit(
    shared: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    segment, ratifiers = _case(7, 600, shared)
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    compiled = segment.best(ratifiers)
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    reference = segment.best(ratifiers)
    assert 0 < reference[1].sum() < reference[1].size  # some worlds signed, some not
    for ours, theirs in zip(compiled, reference, strict=True):
        assert np.array_equal(ours, theirs)


def test_the_numpy_engine_and_sharp_ratifiers_run_the_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    coefficients = (np.ones((7, 1, 5)), np.ones((7, 1, 5)), np.ones((7, 1, 5)))
    rest = (np.ones((4, 1, 5)), np.ones((4, 1, 5)), None, np.zeros(5, dtype=np.int64))
    theta = np.ones((3, 1, 1))
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    assert grid_kernel.CompiledGrid.of(coefficients, 4, theta, np.ones((3, 1, 1)), *rest)
    sharp = np.array([1.0, 0.0, 1.0])[:, None, None]
    assert grid_kernel.CompiledGrid.of(coefficients, 4, theta, sharp, *rest) is None
    assert grid_kernel.CompiledGrid.of(None, 4, theta, np.ones((3, 1, 1)), *rest) is None
    mediator = (*rest[:3], np.full(5, -1, dtype=np.int64))  # a proposer that is no actor
    assert (
        grid_kernel.CompiledGrid.of(coefficients, 4, theta, np.ones((3, 1, 1)), *mediator) is None
    )
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    assert grid_kernel.CompiledGrid.of(coefficients, 4, theta, np.ones((3, 1, 1)), *rest) is None


def test_settle_picks_as_numpy_argmax_does_first_nan_else_first_maximum() -> None:
    # 1 ratifier, 1 actor (the proposer, always needed), 4 points, 3 worlds: z = exp(0) = 1 makes P = 1/2.
    utility = np.array([[[0.4, 0.2, 0.0], [0.6, np.nan, 0.0], [0.6, 0.9, 0.0], [0.1, 0.9, 0.0]]])
    z = np.ones((1, 4, 3))  # exp of the exponents: P = 1 / (1 + 1)
    fallback, floor = np.zeros((1, 3)), np.full((1, 3), 0.1)  # EV = U / 2 must reach 0.1
    # The line U = c0 + t (c1 + t c2) with c0 = c2 = 0, c1 = 1 is U = t: the points are the utilities.
    t = utility[0].copy()
    c0, c1, c2 = np.zeros((1, 3)), np.ones((1, 3)), np.zeros((1, 3))
    best_t, found, best_value = np.zeros(3), np.zeros(3, dtype=bool), np.full(3, -np.inf)
    for settle in (grid_kernel.settle, grid_kernel.compiled_passes()[1]):
        best_t[:], found[:], best_value[:] = 0.0, False, -np.inf
        settle(z, c0, c1, c2, fallback, floor, np.ones((1, 3), dtype=bool),
               np.zeros(3, dtype=np.int64), t, best_t, found, best_value, False)  # fmt: skip
        ev = utility[0] / 2
        value = np.where(ev < 0.1, -np.inf, ev)  # a NaN is not short: it stays
        pick = np.argmax(value, axis=0)
        assert pick.tolist() == [1, 1, 0]
        # World 1's NaN blocks any update, as top > best is False for NaN.
        assert best_t.tolist() == [0.6, 0.0, 0.0]
        assert best_value[0] == 0.3 and best_value[1] == -np.inf and best_value[2] == -np.inf
        assert found.tolist() == [True, True, False]


def test_the_refining_points_are_numpys_clip_bit_for_bit() -> None:
    """refine_exponents' points and step are np.clip(best + step fine, low, 1) and step 2 / 8,
    NaNs and points beyond either end included, plain and compiled alike."""
    rng = np.random.default_rng(11)
    n, ratifiers, actors = 300, 2, 3
    best_t = rng.uniform(-1.5, 1.5, n)
    best_t[::17] = np.nan
    low = -rng.random(n)
    low[5] = np.nan
    step = rng.random(n)
    fine = np.delete(np.linspace(-1.0, 1.0, 9), 4)
    c0, c1, c2 = (rng.random((actors + ratifiers, n)) for _ in range(3))
    theta, spread = rng.random((ratifiers, n)), np.array([0.05, 0.1])
    expected_t = np.clip(best_t + step * fine[:, None], low, 1.0)
    expected_z = np.empty((ratifiers, fine.size, n))
    grid_kernel.exponents(expected_t, c0, c1, c2, theta, spread, actors, expected_z)
    kernels = (grid_kernel.refine_exponents, grid_kernel.compiled_passes()[2])
    for refine in kernels:
        t, z, shrunk = np.empty((fine.size, n)), np.empty((ratifiers, fine.size, n)), step.copy()
        refine(best_t, low, shrunk, fine, t, (c0, c1, c2, theta, spread, actors), z)
        assert np.array_equal(t, expected_t, equal_nan=True)
        assert np.array_equal(z, expected_z, equal_nan=True)
        assert np.array_equal(shrunk, step * 2.0 / 8)
