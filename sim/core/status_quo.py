"""The status quo and the no-deal values it implies: one implementation for the model and ZOPA.

Without a deal the war goes on: each issue's status quo drifts (and, in a sweep, takes random
shocks), and an actor's no-deal value is its explicit reservation utility where the scenario gives
one, else U_i(status quo) - war_cost_i (the cost of fighting on; Fearon 1995).  The *expected*
status quo at round T moves by the drift alone, clipped to [0, 1].
"""

from __future__ import annotations

import numpy as np

from sim.arrays import BoolArray, FloatArray
from sim.core.batch import WorldBatch, build_batch
from sim.core.equilibrium import stationary_thresholds
from sim.core.strategies import STRATEGIES, ThresholdInputs
from sim.core.utility import utilities
from sim.core.war_value import war_values
from sim.scenario.schema import Scenario


def no_deal_values(
    status_quo: FloatArray,
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    war_cost: FloatArray,
    explicit: FloatArray,
    *,
    drift: FloatArray | None = None,
    discount: FloatArray | None = None,
) -> FloatArray:
    """No-deal values (N, A): ``explicit`` where given (not NaN), else U(status quo) - war_cost.

    Shapes as :func:`sim.core.utility.utilities` (A may be a single actor's slice).  Given the
    per-round ``drift`` (N, K) and ``discount`` (N, A) -- bargaining while fighting -- the derived
    value is the war's discounted flow along its expected path (:mod:`sim.core.war_value`).
    """
    if drift is None or discount is None:
        derived = utilities(status_quo, position, salience, linear) - war_cost
    else:
        derived = war_values(status_quo, drift, position, salience, linear, discount, war_cost)
    result: FloatArray = np.where(np.isnan(explicit), derived, explicit)
    return result


def reservation_utilities(batch: WorldBatch, status_quo: FloatArray) -> FloatArray:
    """Every actor's no-deal value (N, A) in every world of ``batch`` at ``status_quo`` (N, K)."""
    linear = np.broadcast_to(batch.structure.linear, batch.capability.shape)
    fighting = batch.structure.fighting
    return no_deal_values(
        status_quo,
        batch.position,
        batch.salience,
        linear,
        batch.war_cost,
        batch.reservation,
        drift=batch.drift if fighting else None,
        discount=batch.discount if fighting else None,
    )


def expected_status_quo(batch: WorldBatch, round_: int) -> FloatArray:
    """The status quo (N, K) at the start of ``round_`` with the war moving by its drift alone."""
    steps = max(round_ - 1, 0)
    result: FloatArray = np.clip(batch.status_quo + steps * batch.drift, 0.0, 1.0)
    return result


def expected_status_quo_of(scenario: Scenario, round_: int = 1) -> dict[str, float]:
    """The scenario's expected status quo at ``round_``, by issue."""
    batch = build_batch(scenario, [0])
    moved = expected_status_quo(batch, round_)[0]
    return {issue: float(moved[k]) for k, issue in enumerate(batch.structure.issues)}


def reservations_at(scenario: Scenario, round_: int = 1) -> dict[str, float]:
    """Each actor's no-deal value at ``round_`` with the war following its expected drift."""
    batch = build_batch(scenario, [0])
    values = reservation_utilities(batch, expected_status_quo(batch, round_))[0]
    return {actor: float(values[a]) for a, actor in enumerate(batch.structure.actors)}


def thresholds_at(scenario: Scenario, round_: int = 1) -> dict[str, float]:
    """Each actor's acceptance threshold at ``round_`` with the war following its expected drift."""
    batch = build_batch(scenario, [0])
    structure = batch.structure
    reservation = reservation_utilities(batch, expected_status_quo(batch, round_))
    inputs = ThresholdInputs(
        reservation=reservation,
        beta=batch.beta,
        round=round_,
        max_rounds=structure.max_rounds,
        clock=structure.clock,
        war_cost=batch.war_cost,
        endurance=batch.endurance,
        equilibrium=lambda: stationary_thresholds(
            structure,
            batch.position,
            batch.salience,
            batch.recognition,
            batch.discount,
            batch.refused_breakdown,
            reservation,
            capability=batch.capability,
            flow=reservation if structure.fighting else None,
            ratifier_threshold=batch.ratifier_threshold,
        ),
    )
    scenario_actors = list(scenario.actors.values())
    return {
        actor: float(STRATEGIES[scenario_actors[a].strategy.kind](inputs, a)[0])
        for a, actor in enumerate(structure.actors)
    }
