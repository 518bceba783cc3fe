"""Invariants of the model on random small scenarios (hypothesis).

Random scenarios: 2-4 actors, 1-3 issues, random positions, saliences, veto rights, utility
shapes, strategies, no-deal values, protocols and war dynamics.  Every run must keep the terms
inside the issue space, never leave a veto player (or the proposer) below its threshold in the
round of the deal, end by the deadline, and record consistent outcomes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.core.records import record_from_columns
from sim.core.runner import run_batch, run_single
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.scenario.schema import Scenario

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def saliences(draw: st.DrawFn, issues: list[str]) -> dict[str, float]:
    """Weights summing to 1 (the last one takes up the rounding)."""
    weights = [draw(st.floats(0.05, 1.0)) for _ in issues]
    total = sum(weights)
    shares = [w / total for w in weights[:-1]]
    return {**dict(zip(issues, shares, strict=False)), issues[-1]: 1.0 - sum(shares)}


@st.composite
def scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    n_actors = draw(st.integers(2, 4))
    n_issues = draw(st.integers(1, 3))
    issues = [f"issue{k}" for k in range(n_issues)]
    actors = [f"actor{a}" for a in range(n_actors)]
    utilities = [draw(st.sampled_from(["linear", "quadratic"])) for _ in actors]
    # Equilibrium play is value iteration over the whole protocol: with linear utilities and more
    # than two actors it takes seconds per world, so keep it to the cases that run in
    # milliseconds, and keep patience <= 0.8 so the iteration contracts fast.
    equilibrium_ok = n_actors == 2 or all(u == "quadratic" for u in utilities)
    kinds = [
        draw(st.sampled_from(["concession", "equilibrium"] if equilibrium_ok else ["concession"]))
        for _ in actors
    ]
    any_equilibrium = "equilibrium" in kinds
    breakdown = draw(st.sampled_from([0.0, 0.05, 0.3]))
    vetoes = [draw(st.booleans()) for _ in actors]
    if not any(vetoes):
        vetoes[draw(st.integers(0, n_actors - 1))] = True
    actor_table: dict[str, Any] = {}
    for a, key in enumerate(actors):
        spec: dict[str, Any] = {
            "name": f"Actor {a}",
            "capability": draw(st.floats(0.1, 1.0)),
            "veto": vetoes[a],
            "utility": utilities[a],
            "position": {issue: draw(unit) for issue in issues},
            "salience": draw(saliences(issues)),
            "discount": draw(st.floats(0.5, 0.8) if any_equilibrium else st.floats(0.5, 1.0)),
            "strategy": {"kind": kinds[a], "beta": draw(st.floats(0.2, 5.0))},
        }
        if draw(st.booleans()):
            spec["reservation"] = draw(st.floats(-0.5, 0.95))
        else:
            spec["war_cost"] = draw(st.floats(0.0, 0.2))
        actor_table[key] = spec
    protocol: dict[str, Any] = {
        "kind": draw(st.sampled_from(["alternating", "random-proposer"])),
        "max_rounds": draw(st.integers(1, 8)),
        "breakdown_probability": breakdown,
    }
    if protocol["kind"] == "alternating":
        protocol["order"] = draw(st.permutations(actors))
    else:
        protocol["recognition"] = draw(
            st.sampled_from(
                ["uniform", "capability", {key: 1.0 + a for a, key in enumerate(actors)}]
            )
        )
    dynamics = {
        issue: {"drift": draw(st.floats(-0.05, 0.05)), "volatility": draw(st.floats(0.0, 0.1))}
        for issue in issues
        if draw(st.booleans())
    }
    return {
        "name": "random",
        "seed": draw(st.integers(0, 2**40)),
        "issues": {
            issue: {"low": "low end", "high": "high end", "status_quo": draw(unit)}
            for issue in issues
        },
        "actors": actor_table,
        "protocol": protocol,
        "dynamics": dynamics,
    }


def utility_of(scenario: Scenario, actor: str, terms: dict[str, float]) -> float:
    spec = scenario.actors[actor]
    return 1.0 - sum(
        spec.salience[issue] * abs(terms[issue] - spec.position[issue]) ** spec.rho
        for issue in scenario.issues
    )


@PROPERTY_SETTINGS
@given(data=scenario_data(), world=st.integers(0, 10_000))
def test_outcome_invariants(data: dict[str, Any], world: int) -> None:
    scenario = Scenario.model_validate(data)
    run = run_single(scenario, world=world)
    record, trajectory = run.record, run.trajectory
    max_rounds = scenario.protocol.max_rounds
    actors, issues = list(scenario.actors), list(scenario.issues)

    # rounds and end reasons
    assert 1 <= record["round"] <= max_rounds
    assert [row["round"] for row in trajectory] == list(range(1, record["round"] + 1))
    assert record["agreed"] == (record["end_reason"] == "agreement")
    assert record["end_reason"] in ("agreement", "breakdown", "deadline")
    if record["end_reason"] == "deadline":
        assert record["round"] == max_rounds
    if record["end_reason"] == "breakdown":
        assert scenario.protocol.breakdown_probability > 0
    assert [row["accepted"] for row in trajectory[:-1]] == [False] * (len(trajectory) - 1)
    assert trajectory[-1]["accepted"] == record["agreed"]
    assert (record["proposer"] is not None) == record["agreed"]

    last = trajectory[-1]
    for row in trajectory:
        for issue in issues:
            assert 0.0 <= row[f"status_quo.{issue}"] <= 1.0
            offer = row[f"offer.{issue}"]
            assert math.isnan(offer) != row["offered"]
            assert math.isnan(offer) or 0.0 <= offer <= 1.0
    for actor in actors:
        assert record["utilities"][actor] <= 1.0 + 1e-12
        assert record["reservation"][actor] == last[f"reservation.{actor}"]
        gain = record["utilities"][actor] - record["reservation"][actor]
        assert record["gains"][actor] == pytest.approx(gain, abs=1e-12)
        # nobody demands less than its no-deal value (conceding ends there; equilibrium play
        # never accepts less than walking away)
        assert all(
            row[f"threshold.{actor}"] >= row[f"reservation.{actor}"] - 1e-12 for row in trajectory
        )

    if record["agreed"]:
        terms = record["terms"]
        assert record["proposer"] == last["proposer"]
        for issue in issues:
            assert 0.0 <= terms[issue] <= 1.0
            assert terms[issue] == last[f"offer.{issue}"]
        for actor in actors:
            utility = record["utilities"][actor]
            assert utility == pytest.approx(utility_of(scenario, actor, terms), abs=1e-12)
            must_accept = scenario.actors[actor].veto or actor == record["proposer"]
            if must_accept:
                assert utility >= last[f"threshold.{actor}"] - FEASIBILITY_TOLERANCE, actor
                assert record["gains"][actor] >= -FEASIBILITY_TOLERANCE, actor
    else:
        assert all(value is None for value in record["terms"].values())
        for actor in actors:
            assert record["utilities"][actor] == record["reservation"][actor]
            assert record["gains"][actor] == 0.0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenario_data(), first=st.integers(0, 10_000))
def test_batch_rows_equal_single_runs(data: dict[str, Any], first: int) -> None:
    """On random scenarios too, world w of a batch is world w run alone."""
    scenario = Scenario.model_validate(data)
    worlds = np.arange(first, first + 3, dtype=np.int64)
    columns = run_batch(scenario, worlds)
    for i in (0, 2):
        single = run_single(scenario, world=int(worlds[i])).record
        assert single == record_from_columns(columns, i, scenario=scenario.name)


@settings(max_examples=40, deadline=None)
@given(
    data=scenario_data(),
    factor=st.one_of(st.floats(0.5, 0.999), st.floats(1.001, 1.5)),
    which=st.integers(0, 3),
)
def test_saliences_that_do_not_sum_to_one_are_rejected(
    data: dict[str, Any], factor: float, which: int
) -> None:
    key = list(data["actors"])[which % len(data["actors"])]
    salience = data["actors"][key]["salience"]
    data["actors"][key]["salience"] = {issue: value * factor for issue, value in salience.items()}
    with pytest.raises(ValidationError, match="saliences sum to"):
        Scenario.model_validate(data)


# --- Mesa ----------------------------------------------------------------------------------------
