"""The searches over alpha run side by side: the same answers, bit for bit, in fewer calls."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.alpha_search import (
    BRENT_SCALES,
    BRENT_TOLERANCE,
    COMMON_ALPHA_TOLERANCE,
    Trial,
    brent_steps,
    root_steps,
    side_by_side,
)

PEAKS = np.array([0.2, 0.35, 0.5, 0.61, 0.8, 0.93])
"""F(alpha) = alpha (1 - alpha**2 / (3 peak**2)) in world w peaks at alpha = PEAKS[w]."""

SIGNALLED: set[int] = set()
"""The worlds whose evaluations asked for the signal."""


def evaluate(
    alpha: np.ndarray, rows: np.ndarray, signal: bool | np.ndarray, calls: list[int]
) -> Trial:
    """A concave F with its first-order signal (the derivative) where asked, counting the
    calls and the rows that asked."""
    calls.append(rows.size)
    SIGNALLED.update(rows[np.broadcast_to(signal, rows.shape)].tolist())
    peak = PEAKS[rows]
    value = alpha * (1.0 - alpha**2 / (3.0 * peak**2))
    slope = np.where(signal, 1.0 - (alpha / peak) ** 2, np.nan)
    ones = np.ones(rows.size)
    return Trial(alpha, value, ones, ones > 0, alpha[:, None].copy(), slope)


def trial_at(alpha: np.ndarray, rows: np.ndarray) -> Trial:
    """The trial at the given alphas (signal known)."""
    return evaluate(alpha, rows, True, [])


def assert_same_search(
    compiled: tuple[list[np.ndarray], Trial],
    reference: tuple[list[np.ndarray], Trial],
    names: tuple[str, ...],
    steps: int,
) -> None:
    """The compiled search asked the reference's alphas (more than ``steps`` calls), bit for
    bit, and found the same trial (the given fields, NaN-aware)."""
    assert len(compiled[0]) == len(reference[0]) > steps
    for mine, theirs in zip(compiled[0], reference[0], strict=True):
        assert np.array_equal(mine, theirs)
    for name in names:
        assert np.array_equal(
            getattr(compiled[1], name), getattr(reference[1], name), equal_nan=True
        )


def test_side_by_side_is_each_search_alone_in_fewer_calls() -> None:
    """Root and Brent's search over disjoint worlds: the same trials as alone, bit for bit, and
    as many evaluation calls as the longer of the two, not their sum."""
    root_rows, golden_rows = np.array([0, 2, 4]), np.array([1, 3, 5])
    low = trial_at(np.full(3, 1e-7), root_rows)
    high = trial_at(np.ones(3), root_rows)

    def searches():  # type: ignore[no-untyped-def]
        return [root_steps(root_rows, low, high), brent_steps(golden_rows, np.zeros(3))]

    alone, alone_calls = [], []
    for search in searches():
        calls: list[int] = []
        alone.append(side_by_side(lambda a, r, s, c=calls: evaluate(a, r, s, c), [search])[0])
        alone_calls.append(len(calls))
    together_calls: list[int] = []
    SIGNALLED.clear()
    together = side_by_side(lambda a, r, s: evaluate(a, r, s, together_calls), searches())
    assert set(root_rows.tolist()) == SIGNALLED  # Brent's worlds never ask
    (found, converged), best = together
    assert converged.all()
    for mine, theirs in ((found, alone[0][0]), (best, alone[1])):
        for name in ("alpha", "value", "package"):
            assert np.array_equal(getattr(mine, name), getattr(theirs, name))
    np.testing.assert_allclose(found.alpha, PEAKS[root_rows], atol=1e-9)
    np.testing.assert_allclose(best.alpha, PEAKS[golden_rows], atol=1e-6)
    assert len(together_calls) == max(alone_calls) < sum(alone_calls)
    assert min(alone_calls) > 3  # both searches take several steps


def test_the_compiled_root_steps_are_the_references(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The root's bracket steps compiled (sim.core.search_kernel) and in numpy: the same
    alphas asked, the same answers, bit for bit, on a signal with flat, infinite and unknown
    (NaN) stretches and worlds that never converge."""
    rng = np.random.default_rng(2)
    n = 200
    peaks = rng.uniform(0.05, 0.95, size=n)
    kind = rng.integers(0, 5, size=n)

    def signal_at(alpha: np.ndarray, rows: np.ndarray) -> np.ndarray:
        s = np.tanh(5.0 * (peaks[rows] - alpha))
        s = np.where(kind[rows] == 4, np.exp(30.0 * (peaks[rows] - alpha)) - 1.0, s)  # skewed
        s = np.where(kind[rows] == 1, np.round(s, 1), s)  # flat stretches and exact zeros
        s = np.where((kind[rows] == 2) & (alpha > peaks[rows]), -np.inf, s)
        return np.where((kind[rows] == 3) & (alpha > 0.9), np.nan, s)

    def run() -> tuple[list[np.ndarray], Trial, np.ndarray]:
        asked: list[np.ndarray] = []

        def trial(alpha: np.ndarray, rows: np.ndarray, signal: bool) -> Trial:
            asked.append(alpha.copy())
            ones = np.ones(rows.size)
            return Trial(
                alpha, -alpha, ones, ones > 0, alpha[:, None].copy(), signal_at(alpha, rows)
            )

        rows = np.arange(n)
        low, high = trial(np.full(n, 1e-7), rows, True), trial(np.ones(n), rows, True)
        ((found, converged),) = side_by_side(trial, [root_steps(rows, low, high)])
        return asked, found, converged

    compiled = run()
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    reference = run()
    assert_same_search(compiled[:2], reference[:2], ("alpha", "value", "signal", "package"), 5)
    assert np.array_equal(compiled[2], reference[2])
    assert 0 < compiled[2].sum() < n  # some converge, some do not


def test_the_compiled_brent_steps_are_the_references(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Brent's steps and best-so-far compiled (sim.core.search_kernel) and in numpy:
    the same alphas asked, the same best trial, bit for bit, on an F with flat stretches (ties),
    infeasible (-inf) and unknown (NaN) values and two peaks."""
    rng = np.random.default_rng(3)
    n = 200
    peaks = rng.uniform(0.05, 0.95, size=n)
    kind = rng.integers(0, 6, size=n)
    start = np.where(kind == 0, 0.0, rng.uniform(0.0, 0.3, size=n))

    def value_at(alpha: np.ndarray, rows: np.ndarray) -> np.ndarray:
        f = alpha * (1.0 - alpha**2 / (3.0 * peaks[rows] ** 2))
        f = np.where(kind[rows] == 1, np.round(f, 1), f)  # flat stretches: ties
        f = np.where((kind[rows] == 2) & (alpha > peaks[rows]), -np.inf, f)
        f = np.where((kind[rows] == 3) & (alpha > 0.9), np.nan, f)
        f = np.where((kind[rows] == 5) & (alpha > start[rows] + 1e-5), -np.inf, f)  # a sliver
        return np.where(kind[rows] == 4, np.sin(12.0 * alpha) * alpha, f)  # several peaks

    def run() -> tuple[list[np.ndarray], Trial]:
        asked: list[np.ndarray] = []

        def trial(alpha: np.ndarray, rows: np.ndarray, signal: bool) -> Trial:
            asked.append(alpha.copy())
            f = value_at(alpha, rows)
            return Trial(alpha, f, 1.0 - alpha, f > 0.1, np.stack([alpha, -alpha], 1), -f)

        (best,) = side_by_side(trial, [brent_steps(np.arange(n), start)])
        return asked, best

    compiled = run()
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    reference = run()
    names = ("alpha", "value", "probability", "feasible", "package", "signal")
    assert_same_search(compiled, reference, names, 10)


@pytest.mark.parametrize("engine", ["kernel", "numpy"])
def test_brent_finds_interior_edge_sliver_and_end_optima(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Brent's search on the four shapes F takes: a smooth interior peak (found to 1e-6 in at
    most 15 probes, golden section's 32 reached 3e-7), a peak against the edge of the feasible
    alphas (F rising up to an infeasible cliff), a sliver of feasible alphas just above start
    (found in a few ten-fold descents, where golden section took two dozen probes to get
    there), and the bracket's start itself (F falling throughout)."""
    monkeypatch.setenv("PARLEY_ENGINE", engine)
    start = np.array([0.0, 0.1, 0.0, 0.2, 0.05, 0.3, 1e-7, 0.25])
    shape = np.array([0, 0, 1, 1, 2, 2, 3, 3])  # interior, edge, sliver, start
    peak = np.array([0.35, 0.8, 0.43, 0.91, 0.05 + 4e-6, 0.3 + 7e-6, 1e-7, 0.25])
    probes = np.zeros(start.size, dtype=int)

    def trial(alpha: np.ndarray, rows: np.ndarray, signal: bool) -> Trial:
        probes[rows] += 1
        kind, top = shape[rows], peak[rows]
        interior = alpha * (1.0 - alpha**2 / (3.0 * top**2))
        f = np.where(kind == 0, interior, np.where(kind == 3, -alpha, alpha))
        f = np.where((kind == 1) | (kind == 2), np.where(alpha > top, -np.inf, f), f)
        ones = np.ones(rows.size)
        unknown = np.full(rows.size, np.nan)
        return Trial(alpha, f, ones, np.isfinite(f), alpha[:, None].copy(), unknown)

    (best,) = side_by_side(trial, [brent_steps(np.arange(start.size), start)])
    error = peak - best.alpha
    assert np.all(np.abs(error[shape == 0]) <= 1e-6), error
    assert np.all(probes[shape == 0] <= 15), probes
    edge = np.abs(np.where(shape == 3, -error, error))[shape > 0]  # from the feasible side
    assert np.all(np.where(shape == 3, -error, error)[shape > 0] >= 0.0), error
    assert np.all(edge <= 2 * BRENT_TOLERANCE), error
    assert np.all(probes[shape == 2] <= 20), probes
    assert np.all(np.isfinite(best.value))


@pytest.mark.parametrize("engine", ["kernel", "numpy"])
def test_the_common_alphas_tolerance_is_relative(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With several uncertain responders Brent's search stops at COMMON_ALPHA_TOLERANCE of the
    nearer of alpha and 1 - alpha (and BRENT_TOLERANCE): fewer probes than Brent's own sqrt(eps)
    where the optimum is inside, and still apart the optima of offers believed to succeed (or to
    be refused) once in 20,000 or 40,000 times (an absolute 1e-4 could not tell the first two
    apart, a relative 1e-3 of alpha the last two)."""
    monkeypatch.setenv("PARLEY_ENGINE", engine)
    peak = np.array([0.6, 0.3, 5e-5, 2.5e-5, 1.0 - 5e-5, 1.0 - 2.5e-5])

    def search(relative: float, ends: bool) -> tuple[Trial, np.ndarray]:
        probes = np.zeros(peak.size, dtype=int)

        def trial(alpha: np.ndarray, rows: np.ndarray, signal: bool) -> Trial:
            probes[rows] += 1
            value = alpha * (1.0 - alpha**2 / (3.0 * peak[rows] ** 2))
            ones = np.ones(rows.size)
            return Trial(alpha, value, ones, ones > 0, alpha[:, None].copy(), ones * np.nan)

        start = np.zeros(peak.size)
        steps = brent_steps(np.arange(peak.size), start, relative, ends)
        (best,) = side_by_side(trial, [steps])
        return best, probes

    loose, loose_probes = search(*BRENT_SCALES[1])
    tight, tight_probes = search(*BRENT_SCALES[0])
    error = np.abs(loose.alpha - peak)
    nearer = np.minimum(peak, 1.0 - peak)
    assert np.all(error <= COMMON_ALPHA_TOLERANCE * nearer + BRENT_TOLERANCE), error
    assert np.all(np.abs(tight.alpha - peak) <= 1e-6), tight.alpha - peak
    assert loose.alpha[3] < loose.alpha[2] < loose.alpha[4] < loose.alpha[5]  # apart, in order
    assert np.all(loose_probes[:2] < tight_probes[:2]), (loose_probes, tight_probes)
