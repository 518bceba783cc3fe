"""The expected utility model (Scholz, Calbert & Smith 2011) against its static figures,
a hand-worked round, a scalar transcription of the equations, and round-by-round invariants."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from bdm_reference import reference_round
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.forecast.compromise import weighted_median_terms
from sim.forecast.expected_utility import (
    assess,
    drift_utility,
    median_voter,
    moves,
    run_rounds,
    weighted_mean,
    win_probability,
)

DATA = Path(__file__).parent / "data" / "bdm-scholz-example.csv"
EXACT = 1e-12


def scholz() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Names, and position, capability, salience as (1, 10) arrays."""
    with DATA.open() as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))

    def column(name: str) -> np.ndarray:
        return np.array([[float(row[name]) for row in rows]])

    return (
        [row["Actor"] for row in rows],
        column("Position"),
        column("Capability"),
        column("Salience"),
    )


# --- the published static figures ------------------------------------------------------------


def test_scholz_static_figures() -> None:
    _, x, c, s = scholz()
    assert weighted_mean(x, c * s)[0] == pytest.approx(7.389956, abs=5e-7)
    assert median_voter(x, c * s)[0] == pytest.approx(7.0, abs=EXACT)
    median = weighted_median_terms(x[:, :, None], (c * s)[:, :, None])
    assert median[0, 0] == pytest.approx(7.0, abs=EXACT)
    dynamics = run_rounds(x, c, s, rounds=0)
    assert dynamics.mean[0, 0] == pytest.approx(7.389956, abs=5e-7)
    assert dynamics.median[0, 0] == 7.0


# --- a round worked by hand -------------------------------------------------------------------


def test_two_actor_round_by_hand() -> None:
    """a at 1 with capability 3, b at 0 with capability 1, both salience 1.

    P_ab = 3/4; with r = 1, EU_ab = 3/4*2 - 1/4*2 = 1 and EU_ba = -1, so b is the more endangered
    (R_b = 1, r_b = 1/2) and a the safer (R_a = -1, r_a = 2).  b, with r = 1/2: U_sq = 2 - 2
    sqrt(2), its own EU = -1 - U_sq = 2 sqrt(2) - 3 < 0 and a's = 1 - U_sq = 2 sqrt(2) - 1 > |own|:
    b compromises by (3 - 2 sqrt(2)) / (2 sqrt(2) - 1) of the way.  a, with r = 2, expects 0 from
    challenging and sees b expecting -2: nobody makes a a credible offer, so a stays.
    """
    x, c, s = np.array([[1.0, 0.0]]), np.array([[3.0, 1.0]]), np.array([[1.0, 1.0]])
    assessment = assess(x, c, s, np.array([1.0]))
    assert np.allclose(assessment.probability[0], [[0.0, 0.75], [0.25, 0.0]], atol=EXACT)
    assert assessment.risk[0] == pytest.approx([2.0, 0.5], abs=EXACT)
    root2 = math.sqrt(2.0)
    assert assessment.own[0, 1, 0] == pytest.approx(2 * root2 - 3, abs=EXACT)
    assert assessment.rival[0, 1, 0] == pytest.approx(2 * root2 - 1, abs=EXACT)
    assert assessment.own[0, 0, 1] == pytest.approx(0.0, abs=EXACT)
    assert assessment.rival[0, 0, 1] == pytest.approx(-2.0, abs=EXACT)
    after = moves(x, assessment)
    assert after[0] == pytest.approx([1.0, (3 - 2 * root2) / (2 * root2 - 1)], abs=EXACT)


def test_symmetric_pair_stands_still() -> None:
    """Equal actors at 0 and 1: each expects as much as the other, so neither moves."""
    x = np.array([[0.0, 1.0]])
    dynamics = run_rounds(x, np.ones((1, 2)), np.full((1, 2), 0.6), rounds=5)
    assert np.array_equal(dynamics.positions[-1], x)


# --- a scalar transcription of the equations --------------------------------------------------


def test_vectorised_rounds_match_the_scalar_equations() -> None:
    _, x, c, s = scholz()
    dynamics = run_rounds(x, c, s, rounds=10)
    positions = list(x[0])
    for round_ in range(1, 11):
        positions = reference_round(positions, list(c[0]), list(s[0]), 6.0)
        assert dynamics.positions[round_, 0] == pytest.approx(positions, abs=1e-9), round_


# --- invariants, on the Scholz data and on random data ----------------------------------------


def check_invariants(x: np.ndarray, c: np.ndarray, s: np.ndarray, rounds: int) -> None:
    dynamics = run_rounds(x, c, s, rounds=rounds)
    low, high = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    scale = np.maximum(high - low, 1e-12)[:, 0]
    for t in range(rounds):
        before, after = dynamics.positions[t], dynamics.positions[t + 1]
        # positions stay inside the range of the opening positions
        assert np.all(after >= low - EXACT) and np.all(after <= high + EXACT)
        assessment = assess(before, c, s, scale)
        # the vote shares are probabilities that add up to one for distinct positions
        p = assessment.probability
        distinct = before[:, :, None] != before[:, None, :]
        separated = distinct & (p + np.swapaxes(p, 1, 2) > 0)
        assert np.allclose((p + np.swapaxes(p, 1, 2))[separated], 1.0, atol=1e-12)
        assert np.all((p >= 0) & (p <= 1))
        # risk exponents lie in [1/2, 2]
        assert np.all((assessment.risk >= 0.5 - EXACT) & (assessment.risk <= 2.0 + EXACT))
        # an actor no one threatens credibly (every rival's EU of challenging it <= 0) stays put
        threatened = ((assessment.rival > 0) & distinct).any(axis=2)
        assert np.array_equal(after[~threatened], before[~threatened])
        # whoever moves lands between its old position and some rival's (never overshoots)
        moved = after != before
        lo_rival = np.where(distinct, before[:, None, :], np.inf).min(axis=2)
        hi_rival = np.where(distinct, before[:, None, :], -np.inf).max(axis=2)
        assert np.all(after[moved] >= np.minimum(before, lo_rival)[moved] - EXACT)
        assert np.all(after[moved] <= np.maximum(before, hi_rival)[moved] + EXACT)
        # the forecast is the weighted median of the current positions
        median = weighted_median_terms(after[:, :, None], (c * s)[:, :, None])[:, 0]
        assert np.allclose(dynamics.median[t + 1], median, atol=EXACT, equal_nan=True)


def test_invariants_on_scholz_data() -> None:
    _, x, c, s = scholz()
    check_invariants(x, c, s, rounds=10)


unit = st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False)


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (3, 6), elements=unit),
    arrays(np.float64, (3, 6), elements=st.floats(0.01, 1.0)),
    arrays(np.float64, (3, 6), elements=unit),
)
def test_invariants_on_random_runs(x: np.ndarray, c: np.ndarray, s: np.ndarray) -> None:
    check_invariants(np.round(x, 2), c, s, rounds=4)


def test_runs_are_independent_of_their_batch() -> None:
    """A run's rounds do not depend on the other runs vectorised with it."""
    _, x, c, s = scholz()
    alone = run_rounds(x, c, s, rounds=10)
    other = np.array([[0.0, 3.0, 5.0, 1.0, 9.0, 2.0, 8.0, 4.0, 6.0, 10.0]])
    batch = run_rounds(np.vstack([other, x]), np.vstack([c, c]), np.vstack([s, s]), rounds=10)
    assert np.array_equal(batch.positions[:, 1], alone.positions[:, 0])


def test_win_probability_of_identical_positions_is_zero() -> None:
    x = np.array([[0.3, 0.3, 0.9]])
    p = win_probability(x, np.ones((1, 3)))
    assert p[0, 0, 1] == 0.0 and p[0, 1, 0] == 0.0


def test_the_status_quo_may_move_when_q_is_below_one() -> None:
    """T U_b + (1 - T) U_w: better for a challenger nearer the median, worse otherwise."""
    distance = np.array([0.4])
    near = drift_utility(distance, np.array([0.2]), np.array([0.6]), 1.0)
    far = drift_utility(distance, np.array([0.6]), np.array([0.2]), 1.0)
    assert near[0] == pytest.approx(2 - 4 * (0.5 - 0.25 * 0.6), abs=EXACT)  # U_b, r = 1
    assert far[0] == pytest.approx(2 - 4 * (0.5 + 0.25 * 1.0), abs=EXACT)  # U_w
    _, x, c, s = scholz()
    for persistence in (0.0, 0.5):
        check_invariants_with(x, c, s, persistence)


def check_invariants_with(x: np.ndarray, c: np.ndarray, s: np.ndarray, q: float) -> None:
    dynamics = run_rounds(x, c, s, rounds=10, persistence=q)
    assert np.all((dynamics.positions >= x.min()) & (dynamics.positions <= x.max()))
    assert not np.array_equal(
        dynamics.positions, run_rounds(x, c, s, rounds=10, persistence=1.0).positions
    )
