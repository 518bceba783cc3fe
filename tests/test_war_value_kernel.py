"""The compiled discounted losses on drifting issues give the numpy reference's bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import war_value_kernel
from sim.core.war_value import discounted_losses


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
        floats = [np.empty(count) for _ in range(6)]
        flags = [np.empty(count, dtype=bool) for _ in range(2)]
        cells = np.empty(count, dtype=np.int64)
        prepare(*views, moving, *floats, *flags, cells)
        assert np.array_equal(cells, np.flatnonzero(moving))
        outputs.append([*floats, *flags, cells])
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
