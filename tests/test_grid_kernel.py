"""The compiled grid passes of the ratification line search give the numpy reference's bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import grid_kernel
from sim.core.kernel_jit import vector_jit
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


def test_a_grid_picks_as_numpy_argmax_does_first_nan_else_first_maximum() -> None:
    # 1 actor (the proposer, always needed) whose utility along the line is t (c0 = c2 = 0,
    # c1 = 1), 1 ratifier whose utility is its threshold (z = 0: P = 1 / (1 + exp(0)) = 1/2),
    # 4 points, 3 worlds: the points are the utilities, EV = U / 2 must reach 0.1.
    utility = np.array([[0.4, 0.2, 0.0], [0.6, np.nan, 0.0], [0.6, 0.9, 0.0], [0.1, 0.9, 0.0]])
    c0 = np.array([[0.0] * 3, [0.5] * 3])
    c1 = np.array([[1.0] * 3, [0.0] * 3])
    c2 = np.zeros((2, 3))
    lines = (c0, c1, c2, np.full((1, 3), 0.5), np.array([0.05]), 1)
    signers = (
        np.zeros((1, 3)),
        np.full((1, 3), 0.1),
        np.ones((1, 3), dtype=bool),
        np.zeros(3, dtype=np.int64),
    )
    grid_kernel.compiled_search()  # links the elementary exp the grid calls
    sweep = vector_jit(grid_kernel.sweep)
    best = (np.zeros(3), np.zeros(3, dtype=bool), np.full(3, -np.inf))
    scratch = (np.empty(3), np.empty(3), np.empty(3, dtype=bool), np.zeros(3, dtype=np.int64),
               np.empty(3), np.zeros(3, dtype=bool))  # fmt: skip
    sweep(utility.copy(), 4, lines, signers, best, False, scratch)
    ev = utility / 2
    value = np.where(ev < 0.1, -np.inf, ev)  # a NaN is not short: it stays
    assert np.argmax(value, axis=0).tolist() == [1, 1, 0]
    # World 1's NaN blocks any update, as top > best is False for NaN.
    assert best[0].tolist() == [0.6, 0.0, 0.0]
    assert best[2][0] == 0.3 and best[2][1] == -np.inf and best[2][2] == -np.inf
    assert best[1].tolist() == [True, True, False]
