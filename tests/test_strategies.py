"""Acceptance strategies: Faratin concession curves and equilibrium thresholds, unit and scripted.

The scripted games are two-party linear pies (issue ``share`` = a's share, U_a = x, U_b = 1 - x)
under alternating offers a, b, a, ... with no breakdown, where every offer and the round and terms
of the deal can be computed by hand (Axelrod-style exact expected sequences).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pies import pie as two_party_pie

from sim.core.runner import run_single
from sim.core.status_quo import thresholds_at
from sim.core.strategies.concession import concession_progress, concession_threshold
from sim.scenario.schema import Scenario

EXACT = 1e-7  # the solver is exact to the order of its smoothing width (sim.solver.HUBER_WIDTH)


def threshold(reservation: float, beta: float, round_: int, max_rounds: int) -> float:
    return float(
        concession_threshold(np.array([reservation]), np.array([beta]), round_, max_rounds)[0]
    )


# --- concession_threshold (Faratin, Sierra & Jennings 1998) ------------------------------------------


@pytest.mark.parametrize("reservation", [-0.3, 0.0, 0.25, 0.9])
@pytest.mark.parametrize("beta", [0.2, 1.0, 5.0])
def test_concession_starts_at_one_and_ends_at_the_reservation(
    reservation: float, beta: float
) -> None:
    assert threshold(reservation, beta, 1, 10) == pytest.approx(1.0, abs=1e-15)
    assert threshold(reservation, beta, 10, 10) == pytest.approx(reservation, abs=1e-15)
    # past the deadline the curve stays at the reservation
    assert threshold(reservation, beta, 14, 10) == pytest.approx(reservation, abs=1e-15)


def test_linear_concession_by_hand() -> None:
    """beta = 1: threshold = r + (1 - r)(1 - tau), tau = (round - 1) / (max_rounds - 1)."""
    # r = 0.2, max_rounds = 11: round 6 -> tau 0.5 -> 0.2 + 0.8 * 0.5 = 0.6; round 9 -> 0.2 + 0.8 * 0.2
    assert threshold(0.2, 1.0, 6, 11) == pytest.approx(0.6, abs=1e-15)
    assert threshold(0.2, 1.0, 9, 11) == pytest.approx(0.36, abs=1e-15)
    # beta = 0.5 (Boulware): 1 - tau**2; beta = 2 (Conceder): 1 - tau**0.5; at tau = 0.25, r = 0
    assert threshold(0.0, 0.5, 3, 9) == pytest.approx(1 - 0.25**2, abs=1e-15)
    assert threshold(0.0, 2.0, 3, 9) == pytest.approx(0.5, abs=1e-15)


def test_boulware_stays_above_conceder_at_every_interior_round() -> None:
    max_rounds = 20
    for reservation in (0.0, 0.4):
        for round_ in range(2, max_rounds):
            boulware = threshold(reservation, 0.3, round_, max_rounds)
            linear = threshold(reservation, 1.0, round_, max_rounds)
            conceder = threshold(reservation, 3.0, round_, max_rounds)
            assert boulware > linear > conceder, round_


def test_a_one_round_negotiation_demands_the_reservation() -> None:
    assert concession_progress(1, 1) == 1.0
    assert threshold(0.3, 0.5, 1, 1) == pytest.approx(0.3)


def test_concession_is_elementwise_over_worlds_and_actors() -> None:
    reservation = np.array([[0.0, 0.5], [0.2, -0.1], [0.9, 0.3]])
    beta = np.array([[0.5, 1.0], [2.0, 0.25], [1.0, 4.0]])
    result = concession_threshold(reservation, beta, 4, 7)
    assert result.shape == (3, 2)
    for i in range(3):
        for a in range(2):
            expected = reservation[i, a] + (1 - reservation[i, a]) * (1 - 0.5 ** (1 / beta[i, a]))
            assert result[i, a] == pytest.approx(expected, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    reservation=st.floats(-1.0, 1.0),
    beta=st.floats(0.05, 20.0),
    max_rounds=st.integers(2, 60),
    data=st.data(),
)
def test_concession_falls_monotonically_between_one_and_the_reservation(
    reservation: float, beta: float, max_rounds: int, data: st.DataObject
) -> None:
    round_ = data.draw(st.integers(1, max_rounds - 1))
    now = threshold(reservation, beta, round_, max_rounds)
    later = threshold(reservation, beta, round_ + 1, max_rounds)
    assert reservation - 1e-12 <= later <= now + 1e-12 <= 1.0 + 2e-12


# --- scripted two-party games --------------------------------------------------------------------------


def pie(a: dict[str, Any], b: dict[str, Any], protocol: dict[str, Any]) -> Scenario:
    return two_party_pie(a, b, protocol, name="scripted")


def conceding_pie(reservation_a: float, beta_a: float, beta_b: float) -> Scenario:
    return pie(
        {"reservation": reservation_a, "strategy": {"kind": "concession", "beta": beta_a}},
        {"reservation": 0.0, "strategy": {"kind": "concession", "beta": beta_b}},
        {
            "kind": "alternating",
            "order": ["a", "b"],
            "max_rounds": 11,
            "breakdown_probability": 0.0,
        },
    )


def check_script(
    scenario: Scenario,
    offers: list[float],
    thresholds: list[tuple[float, float]],
    proposer: str,
) -> None:
    """The run has these thresholds each round and ends in a deal on the last of these packages
    (a's share), proposed by ``proposer``; earlier packages are the proposer's best given the
    other's threshold."""
    run = run_single(scenario)
    rows = run.trajectory
    assert [row["round"] for row in rows] == list(range(1, len(offers) + 1))
    assert [row["proposer"] for row in rows] == ["a", "b"] * (len(offers) // 2) + ["a"] * (
        len(offers) % 2
    )
    assert rows[-1]["offered"]
    for row, offer, (theta_a, theta_b) in zip(rows, offers, thresholds, strict=True):
        # Before the deal the proposer's best package is below its own threshold: it is either
        # recorded as offered and rejected, or not offered at all (NaN), never anything else.
        if row["offered"]:
            assert row["offer.share"] == pytest.approx(offer, abs=EXACT), row["round"]
        else:
            assert math.isnan(row["offer.share"]), row["round"]
        assert row["threshold.a"] == pytest.approx(theta_a, abs=1e-12), row["round"]
        assert row["threshold.b"] == pytest.approx(theta_b, abs=1e-12), row["round"]
    assert [row["accepted"] for row in rows] == [False] * (len(offers) - 1) + [True]
    record = run.record
    assert record["agreed"] and record["end_reason"] == "agreement"
    assert record["round"] == len(offers)
    assert record["proposer"] == proposer
    assert record["terms"]["share"] == pytest.approx(offers[-1], abs=EXACT)
    assert record["utilities"]["a"] == pytest.approx(offers[-1], abs=EXACT)
    assert record["utilities"]["b"] == pytest.approx(1 - offers[-1], abs=EXACT)


def test_symmetric_linear_concession_meets_in_the_middle_in_round_6() -> None:
    """Reservations 0, beta 1, 11 rounds: both demand 1 - tau, tau = (r - 1) / 10.

    a proposing offers b exactly b's threshold, so x = tau; b proposing gives a its threshold, so
    x = 1 - tau.  The proposer keeps the rest, which it accepts only if it is at least its own
    threshold: tau >= 1 - tau, i.e. tau >= 1/2, first in round 6 (b's turn): x = 0.5.
    Best packages: r1 0.0, r2 0.9, r3 0.2, r4 0.7, r5 0.4, r6 0.5 (deal).
    """
    taus = [(r - 1) / 10 for r in range(1, 7)]
    check_script(
        conceding_pie(0.0, 1.0, 1.0),
        offers=[0.0, 0.9, 0.2, 0.7, 0.4, 0.5],
        thresholds=[(1 - t, 1 - t) for t in taus],
        proposer="b",
    )


def test_a_higher_reservation_for_a_delays_the_deal_to_round_7_and_pays_a() -> None:
    """a's reservation 0.2: theta_a = 1 - 0.8 tau, theta_b = 1 - tau.  A deal needs
    theta_a + theta_b <= 1, i.e. tau >= 5/9, first in round 7 (tau 0.6, a's turn): a offers b its
    threshold 0.4 and keeps 0.6 >= theta_a = 0.52.
    Best packages: r1 0.0, r2 0.92, r3 0.2, r4 0.76, r5 0.4, r6 0.6 (b would keep 0.4 < 0.5),
    r7 0.6 (deal)."""
    taus = [(r - 1) / 10 for r in range(1, 8)]
    check_script(
        conceding_pie(0.2, 1.0, 1.0),
        offers=[0.0, 0.92, 0.2, 0.76, 0.4, 0.6, 0.6],
        thresholds=[(1 - 0.8 * t, 1 - t) for t in taus],
        proposer="a",
    )


def test_boulware_against_conceder_takes_the_larger_share() -> None:
    """a Boulware (beta 0.5): theta_a = 1 - tau**2; b Conceder (beta 2): theta_b = 1 - sqrt(tau).
    A deal needs tau**2 + sqrt(tau) >= 1: tau = 0.5 gives 0.957, tau = 0.6 gives 1.135, so round 7
    (a's turn): a offers b its threshold 1 - sqrt(0.6) and keeps sqrt(0.6) = 0.774597 >= 0.64."""
    taus = [(r - 1) / 10 for r in range(1, 8)]
    offers = [t**0.5 if r % 2 == 1 else 1 - t**2 for r, t in enumerate(taus, start=1)]
    assert offers[-1] == pytest.approx(0.7745966692414834)
    check_script(
        conceding_pie(0.0, 0.5, 2.0),
        offers=offers,
        thresholds=[(1 - t**2, 1 - t**0.5) for t in taus],
        proposer="a",
    )


def test_no_overlap_means_deadline_without_deal() -> None:
    """Reservations 0.6 and 0.5 leave no zone of agreement: the talks run to the deadline."""
    scenario = pie(
        {"reservation": 0.6, "strategy": {"kind": "concession", "beta": 1.0}},
        {"reservation": 0.5, "strategy": {"kind": "concession", "beta": 1.0}},
        {"kind": "alternating", "order": ["a", "b"], "max_rounds": 6, "breakdown_probability": 0.0},
    )
    run = run_single(scenario)
    assert not run.record["agreed"]
    assert run.record["end_reason"] == "deadline" and run.record["round"] == 6
    assert run.record["utilities"] == pytest.approx({"a": 0.6, "b": 0.5})
    assert run.record["gains"] == {"a": 0.0, "b": 0.0}
    assert len(run.trajectory) == 6 and not any(row["accepted"] for row in run.trajectory)
    assert run.trajectory[-1]["threshold.a"] == pytest.approx(0.6)


# --- equilibrium thresholds by phase (Rubinstein 1982) -------------------------------------------------


def test_rubinstein_thresholds_alternate_with_the_proposer() -> None:
    """d_a = d_b = 0.5: the first proposer gets 2/3.  In round 1 (a proposes) b demands
    d_b * 2/3 = 1/3 (what it would get proposing next) and a's own bar is d_a * 1/3 = 1/6;
    in round 2 (b proposes) the roles swap."""
    patient = {"reservation": 0.0, "discount": 0.5, "strategy": {"kind": "equilibrium"}}
    scenario = pie(
        patient,
        patient,
        {
            "kind": "alternating",
            "order": ["a", "b"],
            "max_rounds": 30,
            "breakdown_probability": 0.0,
        },
    )
    first, second = thresholds_at(scenario, 1), thresholds_at(scenario, 2)
    assert first == pytest.approx({"a": 1 / 6, "b": 1 / 3}, abs=1e-6)
    assert second == pytest.approx({"a": 1 / 3, "b": 1 / 6}, abs=1e-6)
    assert thresholds_at(scenario, 3) == pytest.approx(first, abs=1e-12)
