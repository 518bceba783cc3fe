"""Concession on the war's cost (the hurting stalemate): its clock, its threshold map under
private costs, and what it does to timing and odds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pies import pie

from sim.cli.validate import command as validate_command
from sim.core.batch import build_batch
from sim.core.cost_clock import clock_cut, clock_threshold
from sim.core.model import NegotiationModel
from sim.core.runner import run_batch
from sim.core.screening import BeliefBounds, responders
from sim.core.status_quo import thresholds_at
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

INVERSE = 1e-12  # the cut's Newton iteration against the map it inverts


def two_sides(cost_a: float, cost_b: float, **extra: Any) -> Scenario:
    """A pie over which both sides concede on their war's cost (endurance 1), fighting on."""
    protocol = {
        "kind": "alternating",
        "order": ["a", "b"],
        "max_rounds": 80,
        "fighting": True,
        "deadline_weeks": 79,
        **extra,
    }
    return pie(
        {"war_cost": cost_a, "discount": 0.99, "strategy": {"beta": 0.5, "endurance": 1.0}},
        {"war_cost": cost_b, "discount": 0.99, "strategy": {"beta": 0.5, "endurance": 1.0}},
        protocol,
    )


@settings(max_examples=200, deadline=None)
@given(
    base=st.floats(-0.5, 1.0),
    rate=st.floats(1e-3, 60.0),
    beta=st.floats(0.1, 5.0),
    utility=st.floats(-0.5, 0.999),
)
def test_the_cut_inverts_the_threshold_map(
    base: float, rate: float, beta: float, utility: float
) -> None:
    """T(c*(u)) = u, and every cost above the cut accepts while every cost below refuses."""
    args = (np.array([base]), np.array([rate]), np.array([1.0 / beta]))
    cut = clock_cut(np.array([utility]), *args)
    assert np.isfinite(cut).all()
    assert clock_threshold(cut, *args)[0] == pytest.approx(utility, abs=INVERSE)
    above, below = cut + 1e-6 * (1.0 + abs(cut)), cut - 1e-6 * (1.0 + abs(cut))
    assert clock_threshold(above, *args)[0] <= utility + INVERSE
    if below[0] > 0:
        assert clock_threshold(below, *args)[0] > utility


def test_the_cut_at_the_clocks_ends() -> None:
    """Before the clock starts no type accepts less than its ideal; u >= 1 every type accepts."""
    one = np.ones(2)
    cut = clock_cut(np.array([0.9, 1.0]), 0.5 * one, np.zeros(2), one)
    assert cut[0] == np.inf and cut[1] == -np.inf


def test_an_endurance_of_cost_times_deadline_is_the_deadline_clock() -> None:
    """E = c D reaches the no-deal value at the deadline D: the thresholds equal the deadline
    clock's in every round (to rounding)."""
    deadline = two_sides(0.05, 0.1).model_dump()
    for key, cost in (("a", 0.05), ("b", 0.1)):
        deadline["actors"][key]["strategy"].pop("endurance")
        deadline["actors"][key]["war_cost"] = cost
    plain = Scenario.model_validate(deadline)
    endured = deadline.copy()
    endured["actors"] = {k: dict(v) for k, v in deadline["actors"].items()}
    for key, cost in (("a", 0.05), ("b", 0.1)):
        endured["actors"][key]["strategy"] = {"beta": 0.5, "endurance": cost * 79}
    on_cost = Scenario.model_validate(endured)
    for round_ in (1, 2, 20, 40, 79, 80):
        a, b = thresholds_at(plain, round_), thresholds_at(on_cost, round_)
        for key in a:
            assert b[key] == pytest.approx(a[key], abs=1e-12)


def test_the_side_that_hurts_more_concedes_sooner() -> None:
    """Raising one side's war cost lowers its threshold in every round after the first, and
    brings the agreement forward (no breakdown: timing alone)."""
    slow, fast = two_sides(0.02, 0.02), two_sides(0.02, 0.06)
    for round_ in (5, 20, 40):
        assert thresholds_at(fast, round_)["b"] < thresholds_at(slow, round_)["b"]
    assert thresholds_at(fast, 1)["b"] == pytest.approx(thresholds_at(slow, 1)["b"], abs=1e-12)
    rounds = [int(run_batch(two_sides(0.02, c), [0])["round"][0]) for c in (0.02, 0.04, 0.08)]
    assert rounds[0] > rounds[1] > rounds[2]


def test_a_costlier_war_makes_a_deal_likelier_when_talks_can_collapse() -> None:
    """With a weekly breakdown hazard, the earlier agreement of a costlier war survives more
    often: P(agreement) rises with either side's cost, and most with the cost of the side that
    hurts least, which sets the pace (the war of attrition's logic)."""
    worlds = np.arange(4_000)

    def odds(cost_a: float, cost_b: float) -> float:
        scenario = two_sides(cost_a, cost_b, breakdown_probability=0.03)
        return float(run_batch(scenario, worlds)["agreed"].mean())

    base = odds(0.02, 0.05)
    # Common random numbers: the same breakdown draws in every run, so the paired differences
    # are far more precise than the binomial error of one share (< 0.008 at n = 4,000).
    assert odds(0.02, 0.10) > base + 0.01  # the side that hurts more bleeds faster still
    assert odds(0.04, 0.05) > base + 0.10  # the side that set the pace now hurts


def private_clock_scenario() -> Scenario:
    """The Alaska baseline, whose Moscow and Kyiv concede on private war costs."""
    return load_scenario("alaska-summit")


def test_the_others_map_gives_each_type_its_own_threshold() -> None:
    """A private cost-clock responder's map, evaluated at its true cost, is the threshold its
    strategy sets: the proposer's model of the responder is right about every type."""
    scenario = private_clock_scenario()
    model = NegotiationModel(scenario, np.arange(200))
    for _ in range(12):
        model.step()
    now = model.open_round
    assert now.inputs is not None and now.size > 0
    batch, rows = now.batch, np.arange(now.size)
    bounds = BeliefBounds.start(model.structure.private, now.size, len(scenario.actors))
    proposer = np.full(now.size, 1)  # the US proposes: Moscow and Kyiv respond
    found, _ = responders(model.structure, batch, rows, bounds, proposer, now.inputs)
    assert {r.actor for r in found} == {0, 2}
    for responder in found:
        a = responder.actor
        assert responder.exponent is not None and responder.rate is not None
        own = now.threshold[:, a]
        mapped = clock_threshold(
            batch.war_cost[:, a], responder.base, responder.rate, responder.exponent
        )
        np.testing.assert_allclose(mapped, own, atol=1e-12)
        # an offer just above its own threshold is accepted by its own type (cut below it)
        assert np.all(responder.cut(own + 1e-9, rows) <= batch.war_cost[:, a] + 1e-9)


def test_endurance_must_be_positive() -> None:
    """A zero or negative endurance is refused at its line."""
    build_batch(two_sides(0.02, 0.05), [0])  # a valid one builds
    with pytest.raises(ValueError, match="endurance"):
        Scenario.model_validate(
            pie({"strategy": {"endurance": 0.0}}, {}, {"kind": "alternating", "order": ["a", "b"]})
        )


def test_a_bad_endurance_is_refused_at_its_line(tmp_path: Any) -> None:
    """A misspelt or non-positive endurance: file:line: field: message, exit 2, no traceback."""
    bad = tmp_path / "bad-end.yaml"
    bad.write_text(
        "name: bad-end\nextends: alaska-summit\nactors:\n  russia:\n"
        "    strategy: {endurence: 3}\n  ukraine:\n    strategy: {endurance: -2}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(validate_command, [str(bad)])
    assert result.exit_code == 2
    assert "bad-end.yaml:5: actors.russia.strategy.endurence: unknown field" in result.output
    assert "did you mean 'endurance'" in result.output
    assert "bad-end.yaml:7: actors.ukraine.strategy.endurance: must be greater than 0" in (
        result.output
    )
    assert "Traceback" not in result.output
