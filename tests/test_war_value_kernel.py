"""The compiled discounted losses on drifting issues give the numpy reference's bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import war_value_kernel
from sim.core.war_value import discounted_losses, war_values


def _case(seed: int, n: int = 400) -> tuple[np.ndarray, ...]:
    """Status quo and drift (n, 1, 5), ideal points (n, 3, 5), discounts (n, 3, 1): drifts of
    both signs, none, tiny (the bound beyond the horizon) and large; some patient actors; some
    paths starting at their bound."""
    rng = np.random.default_rng(seed)
    start = rng.random((n, 1, 5))
    start[::7, 0, 0] = 1.0
    drift = rng.choice([0.0, 0.01, -0.02, 1e-12, -0.3, 2.0], (n, 1, 5))
    discount = rng.choice([0.9, 0.99, 0.999999, 1.0], (n, 3, 1))
    return start, drift, rng.random((n, 3, 5)), discount


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_losses_match_the_numpy_reference_bit_for_bit(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, drift, ideal, discount = _case(seed)
    linear = np.zeros((1, 3, 1), dtype=bool)
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    reference = discounted_losses(start, drift, ideal, linear, discount)
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    compiled = discounted_losses(start, drift, ideal, linear, discount)
    assert np.isfinite(reference).all()
    assert np.array_equal(compiled, reference)
    # The written cells are the drifting ones, each as the formula's direct sum gives it.
    s = np.arange(20_000.0)
    checked = 0
    for i, a, k in zip(*np.nonzero(np.broadcast_to(drift != 0.0, ideal.shape)[:30]), strict=True):
        delta, step = discount[i, a, 0], drift[i, 0, k]
        if delta <= 0.99 and abs(step) > 1e-9:  # 20,000 steps suffice
            path = np.clip(start[i, 0, k] + s * step, 0.0, 1.0)
            direct = (1.0 - delta) * np.sum(delta**s * (path - ideal[i, a, k]) ** 2)
            assert compiled[i, a, k] == pytest.approx(direct, rel=1e-9, abs=1e-12)
            checked += 1
    assert checked > 10


def test_the_plain_kernels_are_the_compiled_ones() -> None:
    start, drift, ideal, discount = _case(3, 60)
    moving = np.broadcast_to(drift != 0.0, ideal.shape).copy()
    views = [np.broadcast_to(x, ideal.shape) for x in (start, drift, ideal, discount)]
    count = int(moving.sum())
    outputs = []
    for prepare in (war_value_kernel.prepare, war_value_kernel.compiled_kernels()[0]):
        terms = war_value_kernel._empty_terms(count)
        prepare(*views, moving, terms)
        assert np.array_equal(terms[-1], np.flatnonzero(moving))
        outputs.append(list(terms))
    for plain, compiled in zip(*outputs, strict=True):
        assert np.array_equal(plain, compiled)


def test_the_reference_runs_where_the_kernel_does_not_apply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start, drift, ideal, discount = _case(4, 10)
    moving = np.broadcast_to(drift != 0.0, ideal.shape)
    result = np.zeros(ideal.shape)
    flat = (start[:, 0, 0], drift[:, 0, 0], ideal[:, 0, 0], discount[:, 0, 0])
    assert not war_value_kernel.quadratic_moving_losses(result[:, 0, 0], *flat, moving[:, 0, 0])
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    assert not war_value_kernel.quadratic_moving_losses(
        result, start, drift, ideal, discount, moving
    )
    assert not result.any()


def _values_case(seed: int, n: int = 300, issues: int = 5) -> tuple[np.ndarray, ...]:
    """war_values' arguments: status quo and drift (n, K) as in :func:`_case`, ideal points and
    saliences (n, 3, K), discounts (some patient) and war costs (n, 3)."""
    rng = np.random.default_rng(seed)
    status_quo = rng.random((n, issues))
    status_quo[::7, 0] = 1.0
    drift = rng.choice([0.0, 0.01, -0.02, 1e-12, -0.3, 2.0], (n, issues))
    drift[:, -1] = 0.0  # an issue that never drifts
    salience = rng.random((n, 3, issues))
    salience /= salience.sum(axis=2, keepdims=True)
    discount = rng.choice([0.9, 0.99, 0.999999, 1.0], (n, 3))
    return status_quo, drift, rng.random((n, 3, issues)), salience, discount, rng.random((n, 3))


@pytest.mark.parametrize(("seed", "issues"), [(5, 5), (6, 1), (7, 7)])
def test_compiled_war_values_match_the_numpy_reference_bit_for_bit(
    seed: int, issues: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    status_quo, drift, position, salience, discount, cost = _values_case(seed, issues=issues)
    linear = np.zeros((status_quo.shape[0], 3), dtype=bool)
    arrays = (status_quo, drift, position, salience, discount, cost)
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    assert war_value_kernel.compiled_war_values(arrays, linear) is None
    reference = war_values(status_quo, drift, position, salience, linear, discount, cost)
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    compiled = war_value_kernel.compiled_war_values(arrays, linear)
    assert compiled is not None and np.isfinite(reference).all()
    assert np.array_equal(compiled, reference)
    # Worlds without drift: today's loss, 1 - sum_k s_k (q_k - p_k)^2 - c.
    still = war_value_kernel.compiled_war_values(
        (status_quo, np.zeros_like(drift), *arrays[2:]), linear
    )
    today = 1.0 - ((status_quo[:, None, :] - position) ** 2 * salience).sum(axis=2) - cost
    assert still is not None and np.allclose(still, today, rtol=0.0, atol=1e-12)


def test_the_plain_war_value_loops_are_the_compiled_ones() -> None:
    status_quo, drift, position, salience, discount, cost = _values_case(8, 40)
    n, actors, _ = position.shape
    results = []
    for spread, fold in (
        (war_value_kernel.spread, war_value_kernel.fold),
        war_value_kernel.compiled_war_kernels(),
    ):
        loss = np.empty(position.shape)
        terms = war_value_kernel._empty_terms(int(np.count_nonzero(drift)) * actors)
        spread(status_quo, drift, position, discount, loss, terms)
        # The squared distance on every cell, the bits of numpy's x ** 2.0 (x * x).
        assert np.array_equal(loss, np.abs(status_quo[:, None, :] - position) ** 2.0)
        result = np.empty((n, actors))
        fold(war_value_kernel._series(terms), loss.reshape(-1), salience, cost, result)
        results.append([*terms, loss, result])
    for plain, compiled in zip(*results, strict=True):
        assert np.array_equal(plain, compiled, equal_nan=True)


def test_war_values_keep_the_reference_for_linear_losses_and_many_issues() -> None:
    status_quo, drift, position, salience, discount, cost = _values_case(9, 20)
    linear = np.zeros((20, 3), dtype=bool)
    linear[:, 1] = True
    arrays = (status_quo, drift, position, salience, discount, cost)
    assert war_value_kernel.compiled_war_values(arrays, linear) is None
    assert (
        war_value_kernel.compiled_war_values(_values_case(9, 20, issues=8), linear & False) is None
    )
