"""The fields that may vary from world to world: one table, read by the batch and by the priors.

A Monte Carlo sweep may vary any of these per world (``build_batch`` overrides), and an experiment
may put a prior on any of them (:func:`sampleable_fields`, with each field's valid range).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sim.distributions.priors import FieldRange
from sim.scenario.schema import Actor, IssueDynamics, Scenario

UNIT = FieldRange(0.0, 1.0)


NONNEGATIVE = FieldRange(0.0, math.inf)


FieldKind = Literal["scalar", "position", "salience"]


@dataclass(frozen=True)
class SampleableField:
    """A scenario field that may vary from world to world.

    ``kind`` is "scalar" for one number, or "position"/"salience" for an actor's whole table
    (one lane per issue, in scenario order).  ``base`` holds the scenario's value per lane, None
    where the scenario leaves it to be derived (a reservation) or has no number (recognition by
    capability).
    """

    path: str
    range: FieldRange
    base: tuple[float | None, ...]
    kind: FieldKind = "scalar"
    lanes: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        """The number of lanes (1 for a scalar, K for a table)."""
        return len(self.base)


# The per-world fields: path suffix -> WorldBatch attribute and valid range.  build_batch applies
# overrides through these tables and sampleable_fields lists them for priors.
ACTOR_FIELDS: dict[str, tuple[str, FieldRange]] = {
    "capability": ("capability", NONNEGATIVE),
    "reservation": ("reservation", FieldRange(-1.0, 1.0)),
    "war_cost": ("war_cost", UNIT),
    "discount": ("discount", FieldRange(0.0, 1.0, low_open=True)),
    "strategy.beta": ("beta", FieldRange(0.0, math.inf, low_open=True)),
    "strategy.endurance": ("endurance", FieldRange(0.0, 1.0e6, low_open=True)),
}
DYNAMICS_FIELDS: dict[str, tuple[str, FieldRange]] = {
    "drift": ("drift", FieldRange(-1.0, 1.0)),
    "volatility": ("volatility", UNIT),
}
BREAKDOWN_RANGE = FieldRange(0.0, 1.0, high_open=True)
PROTOCOL_FIELDS: dict[str, tuple[str, FieldRange]] = {
    "breakdown_probability": ("breakdown", BREAKDOWN_RANGE),  # the weekly hazard h
    "refusal_breakdown": ("refusal_breakdown", UNIT),  # q: a refused offer ends the talks
}
RATIFIER_THRESHOLD_RANGE = FieldRange(-1.0, 1.0)


def _actor_base(actor: Actor, field: str) -> float | None:
    """The scenario's value of an actor's per-world field (None where it is derived)."""
    if field == "strategy.beta":
        return actor.strategy.beta
    if field == "strategy.endurance":
        return actor.strategy.endurance
    value: float | None = getattr(actor, field)
    return value


def sampleable_fields(scenario: Scenario) -> dict[str, SampleableField]:
    """Every field of ``scenario`` that can be sampled per world, by path (scenario order)."""
    fields: dict[str, SampleableField] = {}

    def add(
        path: str,
        range_: FieldRange,
        base: Sequence[float | None],
        kind: FieldKind = "scalar",
        lanes: Sequence[str] = (),
    ) -> None:
        fields[path] = SampleableField(path, range_, tuple(base), kind, tuple(lanes))

    issues = scenario.issue_names
    for name, actor in scenario.actors.items():
        prefix = f"actors.{name}"
        for field, (_, valid) in ACTOR_FIELDS.items():
            add(f"{prefix}.{field}", valid, [_actor_base(actor, field)])
        add(f"{prefix}.position", UNIT, [actor.position[i] for i in issues], "position", issues)
        for issue in issues:
            add(f"{prefix}.position.{issue}", UNIT, [actor.position[issue]])
        # A salience table is sampled whole (Dirichlet), never entry by entry: it must sum to 1.
        add(f"{prefix}.salience", UNIT, [actor.salience[i] for i in issues], "salience", issues)
    for issue, spec in scenario.issues.items():
        add(f"issues.{issue}.status_quo", UNIT, [spec.status_quo])
    for issue in issues:
        dynamics = scenario.dynamics.get(issue, IssueDynamics())
        for field, (_, valid) in DYNAMICS_FIELDS.items():
            add(f"dynamics.{issue}.{field}", valid, [getattr(dynamics, field)])
    for field, (_, valid) in PROTOCOL_FIELDS.items():
        add(f"protocol.{field}", valid, [getattr(scenario.protocol, field)])
    if scenario.ratification is not None:
        for name, body in scenario.ratification.ratifiers.items():
            path = f"ratification.ratifiers.{name}.threshold"
            add(path, RATIFIER_THRESHOLD_RANGE, [body.threshold])
    if scenario.implementation is not None:
        for name in scenario.actor_names:
            cost = scenario.implementation.reneging_cost.get(name, 0.0)
            add(f"implementation.reneging_cost.{name}", NONNEGATIVE, [cost])
    recognition = scenario.protocol.recognition
    if isinstance(recognition, dict):  # weights given per actor (else uniform or by capability)
        for name in scenario.actor_names:
            add(f"protocol.recognition.{name}", NONNEGATIVE, [recognition.get(name, 0.0)])
    return fields


def sampleable_paths(scenario: Scenario) -> list[str]:
    """Every path a per-world override may set: the sampleable fields and single salience entries."""
    paths = list(sampleable_fields(scenario))
    for actor in scenario.actors:
        paths += [f"actors.{actor}.salience.{issue}" for issue in scenario.issues]
    return paths
