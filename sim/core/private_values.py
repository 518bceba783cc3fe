"""Private no-deal values in a batch: who has one, what the others believe, and the truth per world.

A scenario may declare an actor's war cost or explicit reservation private
(:class:`sim.scenario.schema.Private`).  By default each world draws the truth from the belief,
the common prior (Harsanyi 1967), by inverting the belief's CDF at a counter-based uniform keyed
by (seed, world, purpose PRIVATE, lane = the actor's index), so a world still depends only on
(seed, world); a scenario may fix the truth apart from the belief (misperception).  The others'
belief is held as truncation bounds per world and actor (:mod:`sim.core.beliefs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import FloatArray, IntArray
from sim.core.beliefs import VALID_RANGE, Belief
from sim.core.rng import Purpose, open_uniforms
from sim.distributions.inversion import distribution_of
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class PrivateValue:
    """Actor ``actor``'s private value: the others' belief, and the truth if fixed."""

    actor: int
    belief: Belief
    truth: float | None = None

    @property
    def field(self) -> str:
        """``war_cost`` or ``reservation``: the batch array that holds the truth."""
        return self.belief.field


def private_values_of(scenario: Scenario) -> tuple[PrivateValue, ...]:
    """The scenario's private values, in actor order."""
    found: list[PrivateValue] = []
    for index, actor in enumerate(scenario.actors.values()):
        private = actor.private
        if private is None:
            continue
        low, high = VALID_RANGE[private.field]
        centre = actor.war_cost if private.field == "war_cost" else actor.reservation
        distribution = distribution_of(private.belief, low, high, centre)
        found.append(PrivateValue(index, Belief(private.field, distribution), private.truth))
    return tuple(found)


def draw_truths(
    private: tuple[PrivateValue, ...], seed: int, worlds: IntArray, n_actors: int
) -> dict[int, FloatArray]:
    """Each private actor's true value in every world: fixed, or drawn from the belief."""
    if not private:
        return {}
    u = open_uniforms(seed, worlds, 0, Purpose.PRIVATE, n_actors)
    truths: dict[int, FloatArray] = {}
    for value in private:
        if value.truth is not None:
            truths[value.actor] = np.full(worlds.shape[0], value.truth)
        else:
            drawn = value.belief.distribution.quantile(np.ascontiguousarray(u[:, value.actor]))
            truths[value.actor] = drawn
    return truths
