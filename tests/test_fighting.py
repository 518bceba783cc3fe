"""Bargaining while fighting and time in weeks, against closed forms and comparative statics.

Two-party linear pie (``share`` is a's share), equilibrium players, every failed round yielding
each side the war's flow payoff (``protocol.fighting``).  Rubinstein with flow payoffs
w_a, w_b (Muthoo 1999, ch. 3, "inside options"): a proposing first gets

    x = [(1 - d_b)(1 - w_b) + d_b (1 - d_a) w_a] / (1 - d_a d_b),

which is Rubinstein's (1 - d_b) / (1 - d_a d_b) at w = 0 and w_a when w_a + w_b = 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pies import pie

from sim.core.batch import build_batch
from sim.core.runner import run_batch, run_single
from sim.core.status_quo import thresholds_at
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

CLOSED_FORM = 1e-6
EQUILIBRIUM = {"kind": "equilibrium"}
ALASKA = Path(__file__).parents[1] / "scenarios" / "alaska-summit.yaml"


def inside_options(d_a: Any, d_b: Any, w_a: Any, w_b: Any) -> Any:
    return ((1 - d_b) * (1 - w_b) + d_b * (1 - d_a) * w_a) / (1 - d_a * d_b)


def fighting_pie(**protocol: Any) -> Scenario:
    actor = {"reservation": 0.0, "discount": 0.9, "strategy": EQUILIBRIUM}
    return pie(
        actor,
        actor,
        {
            "kind": "alternating",
            "order": ["a", "b"],
            "max_rounds": 50,
            "fighting": True,
            **protocol,
        },
    )


# (d_a, d_b, w_a, w_b): e.g. (0.9, 0.8, 0.2, 0.3): (0.2 * 0.7 + 0.8 * 0.1 * 0.2) / 0.28 = 0.557143
CASES = np.array(
    [[0.9, 0.8, 0.2, 0.3], [0.5, 0.5, 0.1, 0.1], [0.8, 0.6, 0.0, 0.4], [0.7, 0.7, 0.45, 0.55]]
)


def test_rubinstein_with_flow_payoffs() -> None:
    d_a, d_b, w_a, w_b = CASES.T
    columns = run_batch(
        fighting_pie(),
        np.arange(len(CASES)),
        overrides={
            "actors.a.discount": d_a,
            "actors.b.discount": d_b,
            "actors.a.reservation": w_a,
            "actors.b.reservation": w_b,
        },
    )
    expected = inside_options(d_a, d_b, w_a, w_b)
    np.testing.assert_allclose(expected[[0, 3]], [0.156 / 0.28, 0.45], atol=1e-12)
    assert columns["agreed"].all()
    np.testing.assert_array_equal(columns["round"], 1)
    np.testing.assert_allclose(columns["term.share"], expected, rtol=0, atol=CLOSED_FORM)


def test_random_proposer_with_flow_payoffs() -> None:
    """Baron & Ferejohn with flows w_i, common discount d, no breakdown: the ex-ante values
    v_i = w_i + pi_i (1 - sum w) whatever d (the flow replaces the breakdown payoff), and the
    thresholds theta_i = (1 - d) w_i + d v_i."""
    pi_a, w_a, w_b, d = 0.7, 0.2, 0.1, 0.8
    scenario = pie(
        {"reservation": w_a, "discount": d, "strategy": EQUILIBRIUM},
        {"reservation": w_b, "discount": d, "strategy": EQUILIBRIUM},
        {
            "kind": "random-proposer",
            "recognition": {"a": pi_a, "b": 1 - pi_a},
            "max_rounds": 50,
            "fighting": True,
        },
    )
    v_a, v_b = w_a + pi_a * 0.7, w_b + (1 - pi_a) * 0.7
    threshold = thresholds_at(scenario, 1)
    assert threshold["a"] == pytest.approx((1 - d) * w_a + d * v_a, abs=CLOSED_FORM)
    assert threshold["b"] == pytest.approx((1 - d) * w_b + d * v_b, abs=CLOSED_FORM)


def test_without_fighting_the_flow_changes_nothing() -> None:
    """The same numbers without ``fighting``: Rubinstein's split whatever the reservations'
    flow would have been (they only matter as breakdown payoffs, and p = 0)."""
    record = run_single(fighting_pie(fighting=False)).record
    assert record["terms"]["share"] == pytest.approx(0.1 / 0.19, abs=CLOSED_FORM)


def drifting(drift: float, cost_a: float = 0.05, cost_b: float = 0.05) -> Scenario:
    """The pie as territory: a gains when the status quo drifts up.  No-deal values derived
    from the status quo 0.5 and war costs; a and b discount 0.9 and 0.8 per round."""
    data = pie(
        {"war_cost": cost_a, "discount": 0.9, "strategy": EQUILIBRIUM},
        {"war_cost": cost_b, "discount": 0.8, "strategy": EQUILIBRIUM},
        {"kind": "alternating", "order": ["a", "b"], "max_rounds": 50, "fighting": True},
    ).model_dump()
    data["dynamics"] = {"share": {"drift": drift}}
    return Scenario.model_validate(data)


def test_thresholds_anticipate_the_drift_of_the_war() -> None:
    """Stationary formula with drift: each flow is replaced by the discounted average of the war's
    expected path, W_a = q + mu d_a / (1 - d_a) - c_a, W_b = 1 - q - mu d_b / (1 - d_b) - c_b
    (the path stays inside [0, 1] for the 50 rounds that matter at these drifts: tested in
    test_war_value), then Rubinstein with flow payoffs."""
    mu = np.array([0.0, 0.002, 0.005, -0.004])
    w_a = 0.5 + mu * 0.9 / 0.1 - 0.05
    w_b = 0.5 - mu * 0.8 / 0.2 - 0.05
    expected = inside_options(0.9, 0.8, w_a, w_b)
    shares = [run_single(drifting(float(m))).record["terms"]["share"] for m in mu]
    np.testing.assert_allclose(shares, expected, rtol=0, atol=1e-6)
    assert shares[2] > shares[1] > shares[0] > shares[3]  # the side gaining ground gets more


def test_a_costlier_war_moves_the_terms_against_you() -> None:
    """dx / dc_a = -d_b (1 - d_a) / (1 - d_a d_b) = -0.08 / 0.28 and dx / dc_b =
    (1 - d_b) / (1 - d_a d_b) = 0.2 / 0.28: war costs now reach the equilibrium players."""
    base = run_single(drifting(0.0)).record["terms"]["share"]
    costly_a = run_single(drifting(0.0, cost_a=0.15)).record["terms"]["share"]
    costly_b = run_single(drifting(0.0, cost_b=0.15)).record["terms"]["share"]
    assert costly_a - base == pytest.approx(-0.1 * 0.08 / 0.28, abs=CLOSED_FORM)
    assert costly_b - base == pytest.approx(0.1 * 0.2 / 0.28, abs=CLOSED_FORM)


# --- time in weeks -------------------------------------------------------------------------------


def test_weekly_numbers_become_per_round_numbers() -> None:
    data = drifting(0.002).model_dump()
    data["dynamics"]["share"]["volatility"] = 0.01
    data["protocol"].update(round_weeks=2.0, breakdown_probability=0.05)
    batch = build_batch(Scenario.model_validate(data), [0])
    assert batch.discount[0] == pytest.approx([0.81, 0.64], abs=1e-15)
    assert batch.breakdown[0] == pytest.approx(1 - 0.95**2, abs=1e-15)
    assert batch.drift[0, 0] == pytest.approx(0.004, abs=1e-15)
    assert batch.volatility[0, 0] == pytest.approx(0.01 * np.sqrt(2), abs=1e-15)


def with_protocol(scenario: Scenario, **protocol: Any) -> Scenario:
    data = scenario.model_dump()
    data["protocol"].update(protocol)
    return Scenario.model_validate(data)


def test_a_longer_horizon_does_not_halve_the_odds() -> None:
    """The parties' deadline is a fact in weeks: following the talks for twice as many rounds
    changes nothing for the worlds that settle within the first horizon, and can only add
    deals.  On the round-counting clock (the deadline at max_rounds) the same doubling
    stretches every concession curve and the odds collapse."""
    alaska = load_scenario(ALASKA)
    weeks = (alaska.protocol.max_rounds - 1) * alaska.protocol.round_weeks
    worlds = np.arange(2_000)
    short = run_batch(with_protocol(alaska, deadline_weeks=weeks), worlds)
    long = run_batch(with_protocol(alaska, deadline_weeks=weeks, max_rounds=48), worlds)
    assert long["agreed"].mean() >= short["agreed"].mean() > 0.1
    settled = short["agreed"]
    np.testing.assert_array_equal(long["round"][settled], short["round"][settled])
    np.testing.assert_array_equal(long["term.territory"][settled], short["term.territory"][settled])
    # The old clock: the deadline is wherever the simulation stops following the talks, and
    # every actor concedes on it (no endurance: no cost clock).
    calendar = on_the_calendar(alaska)
    on_time = run_batch(with_protocol(calendar, deadline_weeks=weeks), worlds)["agreed"].mean()
    old_deadline = (48 - 1) * alaska.protocol.round_weeks
    old_clock = run_batch(
        with_protocol(calendar, max_rounds=48, deadline_weeks=old_deadline), worlds
    )["agreed"].mean()
    assert old_clock < 0.75 * on_time


def on_the_calendar(scenario: Scenario) -> Scenario:
    """``scenario`` with every concession curve on the deadline clock (no endurance)."""
    data = scenario.model_dump()
    for actor in data["actors"].values():
        actor["strategy"]["endurance"] = None
    return Scenario.model_validate(data)
