"""The compiled evaluation of F(alpha) and group bookkeeping against the numpy reference, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.core import offer_compiled, proposer_groups
from sim.core.beliefs import Belief
from sim.core.proposer_groups import ProposerGroups
from sim.core.uncertain_offer import UncertainResponder, _Problem, risky_offers
from sim.distributions.inversion import Distribution

WAR_COST = Belief("war_cost", Distribution("normal", 0.0, 1.0, (0.1, 0.04)))
RESERVATION = Belief("reservation", Distribution("normal", -1.0, 1.0, (0.3, 0.2)))
MIRRORED = Belief("war_cost", Distribution("normal", 0.0, 1.0, (-0.2, 0.1)))
"""Its range lies entirely above the mean: the quantile inverts the mirrored interval."""


def problem(seed: int, n: int = 300):  # type: ignore[no-untyped-def]
    """Random four-actor, three-issue worlds: proposers 0 or 1, a private war cost (actor 2;
    the cost clock in most worlds) and a private reservation (actor 3), each uncertain in
    most worlds, some beliefs refuted (a consistent set of no prior mass) or points."""
    rng = np.random.default_rng(seed)
    position = rng.uniform(size=(n, 4, 3))
    salience = rng.dirichlet(np.ones(3), size=(n, 4))
    salience[: n // 10, 0, 1] = 0.0  # a proposer that ignores an issue: regularised
    threshold = rng.uniform(0.3, 0.8, size=(n, 4))
    proposer = rng.integers(0, 2, size=n)
    lo = rng.uniform(0.0, 0.15, size=n)
    hi = lo + rng.uniform(0.0, 0.2, size=n)
    hi[: n // 20] = lo[: n // 20]  # points
    lo[n // 20 : n // 10] = 0.6  # far in the tail: refuted
    hi[n // 20 : n // 10] = 0.7
    rate = rng.uniform(0.0, 30.0, size=n)
    rate[rng.uniform(size=n) < 0.2] = np.nan  # on the deadline clock
    rate[:5] = 0.0
    s = rng.uniform(0.0, 1.0, size=n)
    s[rng.uniform(size=n) < 0.1] = 0.0
    war = UncertainResponder(
        2,
        MIRRORED if seed % 2 else WAR_COST,
        lo,
        hi,
        rng.uniform(0.2, 0.8, size=n),
        rng.uniform(0.0, 0.4, size=n),
        s,
        rate,
        rng.uniform(0.3, 3.0, size=n),
    )
    r_lo = rng.uniform(-0.5, 0.3, size=n)
    reservation = UncertainResponder(
        3,
        RESERVATION,
        r_lo,
        r_lo + rng.uniform(0.0, 0.5, size=n),
        np.zeros(n),
        rng.uniform(0.0, 0.3, size=n),
        rng.uniform(0.0, 1.0, size=n),
    )
    uncertain = np.zeros((n, 4), dtype=bool)
    uncertain[:, 2:] = rng.uniform(size=(n, 2)) < 0.85
    linear, veto = np.zeros(4, dtype=bool), np.ones(4, dtype=bool)
    failed = threshold[np.arange(n), proposer] - rng.uniform(0.0, 0.2, size=n)
    return (
        (position, salience, linear, veto, proposer, threshold, failed),
        [war, reservation],
        uncertain,
    )


def reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Select the numpy reference of both the evaluation and the group bookkeeping."""
    monkeypatch.setattr(offer_compiled.CompiledEvaluation, "of", classmethod(lambda c, p: None))
    monkeypatch.setattr(proposer_groups._Compiled, "covers", staticmethod(lambda p: False))


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (NaN where NaN)."""
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_offers_are_the_references(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """risky_offers end to end (floor, certain acceptance, the first-order root, Brent's
    search for two responders): every field the same bits."""
    (position, salience, linear, veto, proposer, threshold, failed), responders, uncertain = (
        problem(seed)
    )
    args = (position, salience, linear, veto, proposer, threshold, failed, responders, uncertain)
    calls = []
    original = offer_compiled.CompiledEvaluation.evaluate

    def counted(self, alpha, rows, signal):  # type: ignore[no-untyped-def]
        calls.append(rows.size)
        return original(self, alpha, rows, signal)

    monkeypatch.setattr(offer_compiled.CompiledEvaluation, "evaluate", counted)
    fast = risky_offers(*args)
    assert len(calls) > 10  # the compiled loops ran
    reference(monkeypatch)
    slow = risky_offers(*args)
    for field in dataclasses.fields(fast):
        assert same(getattr(fast, field.name), getattr(slow, field.name)), field.name
    assert 0 < fast.feasible.sum() < fast.feasible.size  # offers made and not made


def test_each_evaluation_is_the_references(monkeypatch: pytest.MonkeyPatch) -> None:
    """Evaluations at random alphas on random rows, the signal everywhere, nowhere or in some
    rows only (NaN elsewhere), one after the other (warm starts): every field the same bits."""
    (position, salience, linear, veto, proposer, threshold, failed), responders, uncertain = (
        problem(5)
    )
    n = position.shape[0]

    def built() -> _Problem:
        groups = ProposerGroups(position, salience, linear, veto, proposer)
        given = (position, salience, linear, proposer, threshold, failed, responders, uncertain)
        return _Problem(*given, groups)

    fast = built()
    assert fast.compiled is not None
    reference(monkeypatch)
    slow = built()
    assert slow.compiled is None
    rng = np.random.default_rng(11)
    for step in range(9):
        rows = np.sort(rng.choice(n, size=rng.integers(1, n), replace=False))
        alpha = rng.uniform(0.0, 1.0, size=rows.size)
        alpha[: rows.size // 8] = 1.0
        signal = [True, False, rng.uniform(size=rows.size) < 0.5][step % 3]
        got, want = fast.evaluate(alpha, rows, signal), slow.evaluate(alpha, rows, signal)
        for field in dataclasses.fields(got):
            assert same(getattr(got, field.name), getattr(want, field.name)), (step, field.name)
        if step % 3 == 2:
            assert np.isnan(got.signal[~signal]).all()
            assert not np.isnan(got.signal[signal]).all()


def test_the_compiled_group_solves_are_the_references(monkeypatch: pytest.MonkeyPatch) -> None:
    """ProposerGroups.solve again and again on overlapping rows (warm starts, rows the
    certificate rules out, a first solve where every row is ruled out): the same bits."""
    (position, salience, linear, veto, proposer, threshold, _), _, _ = problem(7)
    n = position.shape[0]
    fast = ProposerGroups(position, salience, linear, veto, proposer)
    assert all(group.compiled is not None for group in fast.groups)
    reference(monkeypatch)
    slow = ProposerGroups(position, salience, linear, veto, proposer)
    assert all(group.compiled is None for group in slow.groups)
    rng = np.random.default_rng(3)
    impossible = np.full((n, 4), 0.99)
    for step in range(12):
        rows = np.sort(rng.choice(n, size=rng.integers(1, n), replace=False))
        demanded = impossible[rows] if step == 0 else rng.uniform(0.2, 0.95, size=(rows.size, 4))
        for got, want in zip(fast.solve(demanded, rows), slow.solve(demanded, rows), strict=True):
            assert same(got, want), step


def test_the_numpy_engine_runs_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """PARLEY_ENGINE=numpy selects the numpy reference for the evaluation and the groups."""
    (position, salience, linear, veto, proposer, _, _), _, _ = problem(0, 20)
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    groups = ProposerGroups(position, salience, linear, veto, proposer)
    assert all(group.compiled is None for group in groups.groups)


def test_scipy_is_linked_only_as_the_loops_call_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """scipy's ndtri and ndtr of a double are found with the signature the loops call; a scipy
    exporting them otherwise makes the round run the reference."""
    from sim.core import scipy_link

    assert scipy_link.scipy_linkable()
    scipy_link.scipy_linkable.cache_clear()
    monkeypatch.setattr(scipy_link, "SIGNATURE", "double complex (double complex)")
    try:
        assert not scipy_link.scipy_linkable()
    finally:
        scipy_link.scipy_linkable.cache_clear()
