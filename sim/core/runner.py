"""Running negotiations: a batch of worlds to final records, or one world with its trajectory.

We use our own loop rather than ``mesa.batch_run`` (which drops the last step and does not seed
runs): one model advances a whole batch of worlds, so a sweep needs no per-world model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.core.model import NegotiationModel
from sim.core.records import (
    AGREEMENT,
    EQUILIBRIUM_RESIDUAL,
    NOT_RATIFIED,
    Columns,
    bargaining_columns,
    build_columns,
    durability_columns,
    record_from_columns,
)
from sim.scenario.schema import Scenario


def simulate(
    scenario: Scenario,
    worlds: ArrayLike,
    *,
    seed: int | None = None,
    overrides: Mapping[str, ArrayLike] | None = None,
    record_trajectory: bool = False,
) -> NegotiationModel:
    """Run the given worlds to the end of their talks and return the finished model."""
    model = NegotiationModel(
        scenario,
        worlds,
        seed=seed,
        overrides=dict(overrides) if overrides else None,
        record_trajectory=record_trajectory,
    )
    while model.running:
        model.step()
    return model


def columns_of(model: NegotiationModel) -> Columns:
    """The final outcome records of a finished model, as columns."""
    structure, batch = model.structure, model.batch
    columns = build_columns(
        worlds=batch.worlds,
        seed=model.seed,
        end=model.end,
        end_round=model.end_round,
        deal_proposer=model.deal_proposer,
        terms=model.terms,
        utility=model.final_utility,
        reservation=model.final_reservation,
        issues=structure.issues,
        actors=structure.actors,
    )
    private = {
        structure.actors[value.actor]: (
            batch.war_cost if value.field == "war_cost" else batch.reservation
        )[:, value.actor]
        for value in structure.private
    }
    columns.update(
        bargaining_columns(
            agreed=(model.end == AGREEMENT) | (model.end == NOT_RATIFIED),  # not failed talks
            end_round=model.end_round,
            round_weeks=structure.clock.round_weeks,
            offers=model.offers,
            rejections=model.rejections,
            private=private,
        )
    )
    if structure.equilibrium.any():
        columns[EQUILIBRIUM_RESIDUAL] = model.equilibrium.residual.copy()
    after = model.after_signing
    columns.update(
        durability_columns(
            after.signed,
            model.end == AGREEMENT,
            after.collapse,
            (after.rejected, () if after.ratifiers is None else after.ratifiers.names),
            (after.reneged, structure.actors),
        )
    )
    return columns


def run_batch(
    scenario: Scenario,
    worlds: ArrayLike,
    *,
    seed: int | None = None,
    overrides: Mapping[str, ArrayLike] | None = None,
) -> Columns:
    """Final outcome records (one row per world) of a batch of worlds."""
    return columns_of(simulate(scenario, worlds, seed=seed, overrides=overrides))


@dataclass(frozen=True)
class SingleRun:
    """One world: its outcome record and its round-by-round trajectory."""

    scenario: Scenario
    record: dict[str, Any]
    trajectory: list[dict[str, Any]] = field(default_factory=list)
    implementation: list[dict[str, Any]] = field(default_factory=list)


def run_single(
    scenario: Scenario,
    *,
    seed: int | None = None,
    world: int = 0,
    overrides: Mapping[str, float] | None = None,
) -> SingleRun:
    """Run world ``world`` alone, keeping its trajectory."""
    per_world = {
        path: np.array([value], dtype=np.float64) for path, value in (overrides or {}).items()
    }
    model = simulate(scenario, [world], seed=seed, overrides=per_world, record_trajectory=True)
    record = record_from_columns(columns_of(model), 0, scenario=scenario.name)
    return SingleRun(
        scenario=scenario,
        record=record,
        trajectory=model.trajectory,
        implementation=model.after_signing.path,
    )
