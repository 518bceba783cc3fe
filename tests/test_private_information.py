"""Private no-deal values through the model: monopoly pricing, Fearon's risk-return trade-off,
screening by rejections, misperception, and the complete-information limit bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pies import pie

from sim.analysis.summaries import format_summary, summarize
from sim.cli.validate import command as validate_command
from sim.core.runner import run_batch, run_single
from sim.output.figures.agreement import agreement_plot
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

CLOSED_FORM = 1e-6
BAD = Path(__file__).parent / "data" / "bad" / "private-values.yaml"
ALASKA = Path(__file__).parents[1] / "scenarios" / "alaska-summit.yaml"


def take_it_or_leave_it(
    low: float, high: float, w: float, *, rounds: int = 1, truth: float | None = None
) -> Scenario:
    """a proposes every round to b, whose reservation the others believe is U[low, high]; a's
    no-deal value is w.  With the deadline at week 0 every concession threshold is the no-deal
    value, so each round is the one-shot monopoly problem on the current belief."""
    private: dict[str, Any] = {
        "field": "reservation",
        "belief": {"dist": "uniform", "low": low, "high": high},
    }
    if truth is not None:
        private["truth"] = truth
    return pie(
        {"reservation": w},
        {"reservation": 0.5 * (low + high), "private": private},
        {"kind": "alternating", "order": ["a"], "max_rounds": rounds, "deadline_weeks": 0.0},
    )


def monopoly(low: float, high: float, w: float) -> tuple[float, float]:
    """The responder's reservation r ~ U[low, high] accepts x iff x >= r; the proposer keeps
    1 - x.  max_x P(x) (1 - x) + (1 - P(x)) w with P = (x - low) / (high - low) gives
    (1 - x - w) - (x - low) = 0: x* = clip((1 + low - w) / 2, low, high), P* = P(x*)."""
    offer = min(max((1.0 + low - w) / 2.0, low), high)
    return offer, (offer - low) / (high - low)


def test_monopoly_pricing_in_a_100000_world_sweep() -> None:
    """Every world gets the monopoly offer; the share accepting is P* within binomial error."""
    n = 100_000
    offer, p_star = monopoly(0.2, 0.6, 0.1)
    assert (offer, p_star) == pytest.approx((0.55, 0.875), abs=1e-12)
    columns = run_batch(take_it_or_leave_it(0.2, 0.6, 0.1), np.arange(n))
    agreed = columns["agreed"]
    np.testing.assert_allclose(1.0 - columns["term.share"][agreed], offer, atol=CLOSED_FORM)
    standard_error = np.sqrt(p_star * (1 - p_star) / n)
    assert abs(agreed.mean() - p_star) <= 4 * standard_error
    # the truth is drawn from the belief: accepted iff it is at most the offer
    truth = columns["private.b"]
    np.testing.assert_array_equal(agreed, truth <= offer + 2e-7)
    assert set(columns["failure"][~agreed]) == {"rejected"}
    np.testing.assert_array_equal(columns["rejections"], (~agreed).astype(int))


def test_screening_after_a_rejection_the_offer_rises() -> None:
    """Round 1 offers 0.55 (above); b (truth 0.58) refuses, so r > 0.55: the belief is U(0.55,
    0.6] and round 2's monopoly offer is clip((1 + 0.55 - 0.1) / 2, 0.55, 0.6) = 0.6, accepted."""
    run = run_single(take_it_or_leave_it(0.2, 0.6, 0.1, rounds=5, truth=0.58))
    offers = [1.0 - row["offer.share"] for row in run.trajectory]
    assert offers == pytest.approx([0.55, 0.6], abs=CLOSED_FORM)
    assert run.record["agreed"] and run.record["round"] == 2


def test_a_truth_the_belief_rules_out_moves_beliefs_to_what_is_left() -> None:
    """Misperception: b's reservation is 0.7, outside the believed [0.2, 0.6].  Offers 0.55 and
    0.6 are refused; the second refusal leaves no believed type, so the belief becomes uniform
    on the values still consistent, (0.6, 1]: round 3 offers clip((1 + 0.6 - 0.1) / 2) = 0.75."""
    run = run_single(take_it_or_leave_it(0.2, 0.6, 0.1, rounds=5, truth=0.7))
    offers = [1.0 - row["offer.share"] for row in run.trajectory]
    assert offers == pytest.approx([0.55, 0.6, 0.75], abs=CLOSED_FORM)
    assert run.record["agreed"] and run.record["round"] == 3


@settings(max_examples=25, deadline=None)
@given(
    low=st.floats(0.0, 0.5),
    width=st.floats(0.05, 0.5),
    w=st.floats(0.0, 0.5),
    truth_quantile=st.floats(0.0, 1.0),
)
def test_screening_offers_never_fall_after_a_rejection(
    low: float, width: float, w: float, truth_quantile: float
) -> None:
    high = low + width
    run = run_single(
        take_it_or_leave_it(low, high, w, rounds=6, truth=low + truth_quantile * width)
    )
    made = [1.0 - row["offer.share"] for row in run.trajectory if row["offered"]]
    assert all(b >= a - CLOSED_FORM for a, b in zip(made, made[1:], strict=False))


def fearon(width: float, cost_b: float, cost_a: float = 0.05) -> Scenario:
    """Take it or leave it over a pie at status quo 0.5: a's war payoff 0.5 - c_a is known, b's
    war cost is private, believed uniform on cost_b +- width."""
    private = {
        "field": "war_cost",
        "belief": {"dist": "uniform", "low": cost_b - width, "high": cost_b + width},
    }
    return pie(
        {"war_cost": cost_a},
        {"war_cost": cost_b, "private": private},
        {"kind": "alternating", "order": ["a"], "max_rounds": 1},
    )


FEARON_WORLDS = np.arange(3_000)


def failure_share(scenario: Scenario) -> float:
    return float(1.0 - run_batch(scenario, FEARON_WORLDS)["agreed"].mean())


@settings(max_examples=10, deadline=None)
@given(cost_b=st.floats(0.12, 0.2), narrow=st.floats(0.01, 0.05), wider=st.floats(0.02, 0.07))
def test_fearon_failure_rises_with_the_width_of_the_belief(
    cost_b: float, narrow: float, wider: float
) -> None:
    """The risk-return trade-off (Fearon 1995): the more the proposer is unsure of b's resolve,
    the more it gambles.  The truths are the same quantiles of both beliefs (common random
    numbers), so the simulated shares are ordered exactly as the believed ones."""
    wide = narrow + wider
    assert failure_share(fearon(wide, cost_b)) >= failure_share(fearon(narrow, cost_b))


@settings(max_examples=10, deadline=None)
@given(cost_b=st.floats(0.08, 0.16), more=st.floats(0.01, 0.06), width=st.floats(0.02, 0.07))
def test_fearon_failure_falls_as_war_costs_rise(cost_b: float, more: float, width: float) -> None:
    assert failure_share(fearon(width, cost_b + more)) <= failure_share(fearon(width, cost_b))
    assert failure_share(fearon(width, cost_b, 0.05 + more)) <= failure_share(
        fearon(width, cost_b, 0.05)
    )


def test_beliefs_collapsed_on_the_truth_change_nothing() -> None:
    """Every actor's war cost private, each belief a single point at the scenario's value: the
    records are today's, bit for bit."""
    data = load_scenario(ALASKA).model_dump()
    for actor in data["actors"].values():
        actor["private"] = None  # the library scenario's own private war costs: none here
    plain = Scenario.model_validate(data)
    for actor in data["actors"].values():
        actor["private"] = {
            "field": "war_cost",
            "belief": {"dist": "choice", "values": [actor["war_cost"]]},
        }
    collapsed = Scenario.model_validate(data)
    worlds = np.arange(300)
    before, after = run_batch(plain, worlds), run_batch(collapsed, worlds)
    for name, values in before.items():
        np.testing.assert_array_equal(after[name], values, err_msg=name)
    assert set(after) - set(before) == {f"private.{actor}" for actor in plain.actors}


def test_bad_beliefs_are_reported_with_file_line_and_field() -> None:
    result = CliRunner().invoke(validate_command, [str(BAD)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    name = BAD.name
    for line in [
        f"{name}:12: actors.a.private.field: must be one of 'war_cost', 'reservation', "
        "not 'discount'",
        f"{name}:21: actors.b.private.belief.dist: unknown distribution 'unifrom'; "
        "did you mean 'uniform'?",
        f"{name}:27: actors.c.private.belief: low -0.1 is outside actors.c.war_cost's valid "
        "range [0, 1]",
        f"{name}:28: actors.c.private.truth: 1.5 is outside war_cost's valid range [0, 1]",
        f"{name}:35: actors.d.private.belief: normal: the scenario gives no value for "
        "actors.d.reservation to centre on; give a mean",
        f"{name}:41: actors.e.private.belief: low (0.3) must be below high (0.2)",
        f"{name}:47: actors.f.private.belief.dist: dirichlet is for a whole salience table; "
        "a belief is about one number",
        f"{name}:20: actors.b.private.field: the reservation is explicit, so the war cost is "
        "never used; make the reservation private (field: reservation)",
    ]:
        assert line in result.stderr, line


def test_the_summary_and_the_agreement_figure_say_why_talks_failed() -> None:
    """Refused offers (private information) against no offer at all (complete information)."""
    risky = pd.DataFrame(run_batch(take_it_or_leave_it(0.2, 0.6, 0.1), np.arange(400)))
    [summary] = summarize(risky, ["share"], ["a", "b"])
    failed = 1.0 - risky["agreed"].mean()
    assert failed > 0
    assert summary["failures"] == pytest.approx({"rejected": failed, "no-offer": 0.0})
    assert summary["end_reasons"]["deadline"] == pytest.approx(failed)
    table = format_summary([summary])
    assert "rejected" in table and "no-offer" in table
    figure = agreement_plot(risky)
    gids = {artist.get_gid() for ax in figure.axes for artist in ax.patches}
    assert "end_reason:deadline · rejected" in gids
    # Complete information: no offer is ever refused; talks fail for want of an offer.
    known = pie(
        {"reservation": 0.6},
        {"reservation": 0.5},
        {"kind": "alternating", "order": ["a"], "max_rounds": 3},
    )
    columns = run_batch(known, np.arange(5))
    assert set(columns["failure"]) == {"no-offer"} and not columns["rejections"].any()
    record = run_single(known).record
    assert record["failure"] == "no-offer" and record["offers"] == 0 and record["weeks"] == 3.0


def test_a_world_with_private_values_depends_only_on_seed_and_world() -> None:
    """Truths, beliefs and the proposer's search are per world: any batch gives the same rows."""
    plain = load_scenario(ALASKA)
    data = plain.model_dump()
    for actor in data["actors"].values():
        belief = {"dist": "uniform", "low": 0.0, "high": 0.3}
        actor["private"] = {"field": "war_cost", "belief": belief}
    scenario = Scenario.model_validate(data)
    together = run_batch(scenario, np.arange(60))
    apart = run_batch(scenario, np.arange(40, 70))
    alone = run_batch(scenario, [45])
    # every responder is uncertain, so every offer made went through the risky search
    assert together["offers"].any()
    for name, values in together.items():
        np.testing.assert_array_equal(apart[name][:20], values[40:], err_msg=name)
        np.testing.assert_array_equal(alone[name], values[45:46], err_msg=name)
