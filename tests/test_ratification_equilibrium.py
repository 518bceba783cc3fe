"""Equilibrium players anticipate ratification: the closed form of a two-party pie with a
logistic ratifier (docs/model.md, "Ratification at home"), the baseline's equilibrium players
make offers and agree, and parties answer a mediator's text by its expected value (a ratifier
that always approves changes nothing bit for bit: tests/test_ratification.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pies import pie as pie_of_shares
from scipy.optimize import brentq

from sim.core.model import NegotiationModel
from sim.core.records import AGREEMENT
from sim.core.runner import run_batch
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

TERM_TOLERANCE = 2e-5
"""A proposer's anticipated offer against the closed form: responders sign within the engine's
FEASIBILITY_TOLERANCE (2e-7) of their expected value, whose slope in x is at least ~0.05 here,
and the value iteration stops at 1e-9."""

THRESHOLD_TOLERANCE = 1e-6
"""Equilibrium thresholds against the closed form (the proposer's error above, times k / 2)."""

BINOMIAL_SDS = 4.5
"""An agreement rate within 4.5 binomial standard errors of its formula."""


def sigma(z: float) -> float:
    """The logistic function."""
    return 1.0 / (1.0 + math.exp(-z))


def pie(
    threshold: float, spread: float, discount: tuple[float, float], breakdown: float
) -> Scenario:
    """a (ideal 1) and b (ideal 0) split x with linear utilities U_a = x, U_b = 1 - x, no-deal
    values 0, a random proposer (1/2 each), equilibrium players; b's parliament approves x with
    probability sigma((1 - x - threshold) / spread); a rejection ends the talks."""

    def actor(ideal: float, delta: float) -> dict[str, Any]:
        return {
            "name": "party",
            "position": {"x": ideal},
            "salience": {"x": 1.0},
            "utility": "linear",
            "reservation": 0.0,
            "discount": delta,
            "strategy": {"kind": "equilibrium"},
        }

    body = {
        "actor": "b",
        "position": {"x": 0.0},
        "salience": {"x": 1.0},
        "utility": "linear",
        "threshold": threshold,
        "spread": spread,
    }
    return Scenario.model_validate(
        {
            "name": "ratified-pie",
            "issues": {"x": {"low": "b's way", "high": "a's way", "status_quo": 0.5}},
            "actors": {"a": actor(1.0, discount[0]), "b": actor(0.0, discount[1])},
            "protocol": {
                "kind": "random-proposer",
                "recognition": "uniform",
                "max_rounds": 10,
                "breakdown_probability": breakdown,
            },
            "ratification": {"on_rejection": "end", "ratifiers": {"b_parliament": body}},
        }
    )


def closed_form(
    threshold: float, spread: float, discount: tuple[float, float], breakdown: float
) -> tuple[float, float, float, float]:
    """(x_a, x_b, theta_a, theta_b): docs/model.md's derivation, with P(x) = sigma((c - x)/s),
    c = 1 - threshold, k_i = (1 - p) delta_i.  a offers x_a = min(x_m, x_b*), x_m the maximiser of
    P(x) x (x (1 - P(x)) = s) and x_b* the root of P(x)(1 - x) = theta_b; b offers the root x_b
    of P(x) x = theta_a on [0, x_m]; theta_a = k/2 (P(x_a) x_a + theta_a), theta_b = k/2
    (P(x_a)(1 - x_a) + P(x_b)(1 - x_b)).  The two scalar fixed points by iteration (a
    contraction of modulus k), each root by Brent's method."""
    c = 1.0 - threshold
    k_a, k_b = ((1.0 - breakdown) * delta for delta in discount)

    def p(x: float) -> float:
        return sigma((c - x) / spread)

    def b_signs(x: float, theta_b: float) -> float:
        return p(x) * (1.0 - x) - theta_b

    def a_signs(x: float, theta_a: float) -> float:
        return p(x) * x - theta_a

    x_m = brentq(lambda x: x * (1.0 - p(x)) - spread, 0.0, 1.0, xtol=1e-15)
    theta_a = theta_b = 0.0
    for _ in range(2_000):
        binds = b_signs(x_m, theta_b) < 0
        x_a = brentq(b_signs, 0.0, x_m, args=(theta_b,), xtol=1e-15) if binds else x_m
        x_b = brentq(a_signs, 0.0, x_m, args=(theta_a,), xtol=1e-15)
        new_a = k_a / 2.0 * (p(x_a) * x_a + p(x_b) * x_b)
        new_b = k_b / 2.0 * (p(x_a) * (1.0 - x_a) + p(x_b) * (1.0 - x_b))
        if abs(new_a - theta_a) + abs(new_b - theta_b) < 1e-15:
            break
        theta_a, theta_b = new_a, new_b
    return x_a, x_b, theta_a, theta_b


CASES = [
    # threshold, spread, discount, breakdown: b's constraint binds on a's offer ...
    (0.5, 0.05, (0.9, 0.9), 0.05),
    (0.4, 0.1, (0.95, 0.95), 0.02),
    (0.75, 0.03, (0.95, 0.95), 0.02),
    # ... and a's offer is its unconstrained best gamble (P(x) x at its maximum).
    (0.5, 0.05, (0.95, 0.4), 0.02),
]


@pytest.mark.parametrize(("threshold", "spread", "discount", "breakdown"), CASES)
def test_equilibrium_offers_and_agreement_match_the_closed_form(
    threshold: float, spread: float, discount: tuple[float, float], breakdown: float
) -> None:
    x_a, x_b, theta_a, theta_b = closed_form(threshold, spread, discount, breakdown)
    scenario = pie(threshold, spread, discount, breakdown)
    worlds = np.arange(4_000)
    model = NegotiationModel(scenario, worlds, seed=3)
    model.step()
    now = model.open_round
    np.testing.assert_allclose(now.threshold[0], [theta_a, theta_b], atol=THRESHOLD_TOLERANCE)
    by_a = now.proposer == 0
    np.testing.assert_allclose(now.package[by_a, 0], x_a, atol=TERM_TOLERANCE)
    np.testing.assert_allclose(now.package[~by_a, 0], x_b, atol=TERM_TOLERANCE)
    # Every offer is made and signed in the first round; the parliament decides.
    assert now.feasible.all() and model.after_signing.signed.all()
    c = 1.0 - threshold
    share_a = by_a.mean()
    expected = share_a * sigma((c - x_a) / spread) + (1.0 - share_a) * sigma((c - x_b) / spread)
    agreed = float((model.end == AGREEMENT).mean())
    assert abs(agreed - expected) <= BINOMIAL_SDS * math.sqrt(expected * (1 - expected) / 4_000)


def test_a_ratifier_makes_the_proposer_ask_less_than_without_it() -> None:
    """Without the parliament a takes 1 - k/2 (Baron-Ferejohn); with it a asks for less."""
    x_a, _, _, _ = closed_form(0.5, 0.05, (0.9, 0.9), 0.05)
    assert x_a < 1.0 - 0.9 * 0.95 / 2.0 - 0.05


def equilibrium_baseline(ratification: Any) -> Scenario:
    """The baseline with every actor playing the equilibrium strategy, no private values."""
    base = load_scenario("alaska-summit")
    data = base.model_dump()
    for actor in data["actors"].values():
        actor["strategy"]["kind"] = "equilibrium"
        actor["private"] = None
    data["ratification"] = ratification
    return Scenario.model_validate(data)


def test_baseline_equilibrium_players_make_offers_and_agree() -> None:
    """The defect this guards against: equilibrium thresholds that ignored ratification left
    no package anybody could sign once the proposer anticipated it (no offers, no deals)."""
    shipped = load_scenario("alaska-summit").ratification
    assert shipped is not None
    columns = run_batch(equilibrium_baseline(shipped.model_dump()), np.arange(100), seed=1)
    assert (columns["offers"] > 0).mean() > 0.9
    assert columns["agreed"].mean() > 0.5
    assert set(columns["end_reason"]) >= {"agreement", "not-ratified"}


def test_mediated_parties_answer_the_text_by_its_expected_value() -> None:
    """The single text (symmetric linear pie, neutral mediator) stays at 1/2 and concession
    thresholds fall as 1 - (t - 1)/19: without parliaments both sign in round 11.  Each party's
    parliament (a's ideal 1, b's ideal 0) approves 1/2 with probability 1/2, so the text is
    ratified with probability 1/4 and a rejection ends the talks: it is worth EV = 1/4 * 1/2 +
    3/4 * 0 = 1/8 to both, which the thresholds reach in round 18.  (The parties' requests weigh
    the parliaments too, but symmetrically: a's and b's still cancel, and the text stays.)"""
    concede = {"reservation": 0.0, "strategy": {"kind": "concession", "beta": 1.0}}
    protocol = {"kind": "mediated", "max_rounds": 20}
    plain = pie_of_shares(concede, concede, protocol)
    data = plain.model_dump()

    def parliament(actor: str, ideal: float) -> dict[str, Any]:
        return {
            "actor": actor,
            "position": {"share": ideal},
            "salience": {"share": 1.0},
            "utility": "linear",
            "threshold": 0.5,
            "spread": 0.05,
        }

    data["ratification"] = {
        "on_rejection": "end",
        "ratifiers": {"a_parliament": parliament("a", 1.0), "b_parliament": parliament("b", 0.0)},
    }
    worlds = np.arange(2_000)
    without = run_batch(plain, worlds)
    ratified = run_batch(Scenario.model_validate(data), worlds)
    assert (without["round"] == 11).all() and without["agreed"].all()
    assert (ratified["round"] == 18).all() and ratified["signed"].all()
    np.testing.assert_allclose(ratified["term.share"][ratified["agreed"]], 0.5, atol=1e-12)
    rate = float(ratified["agreed"].mean())
    assert abs(rate - 0.25) <= BINOMIAL_SDS * math.sqrt(0.25 * 0.75 / worlds.size)
