"""The negotiation model on Mesa: one agent per party, one Mesa step per bargaining round.

The model advances N independent worlds at once.  Each actor's attributes (position, salience,
capability, reservation utility, threshold, ...) are arrays with a leading world axis, and a step
updates every still-open world with vectorised numpy:

1. the war goes on: each issue's status quo takes a random-walk step (from round 2 on);
2. each actor's no-deal value is updated (explicit, or U_i(status quo) - war_cost_i);
3. each actor's strategy sets its acceptance threshold (:mod:`sim.strategies`,
   :mod:`sim.equilibrium`);
4. a proposer is recognised (fixed order, or drawn with the recognition probabilities);
5. the proposer offers its best package that every veto player's threshold allows (under a
   quota: that some winning coalition's thresholds allow; :mod:`sim.core.decision`) -- if its own
   threshold allows it; under the mediated protocol the mediator's single text is put instead
   (:mod:`sim.core.mediation`);
6. every actor accepts iff its utility is at least its threshold; the package passes iff every
   veto player accepts (and, under a quota, the accepting actors hold enough capability);
7. after a failed round the talks break down with the breakdown probability; at max_rounds they
   end without a deal; in mediated talks the objectors' requests revise the text.

All randomness is counter-based (:mod:`sim.rng`): a world's fate depends only on (seed, world).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from numpy.typing import ArrayLike

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.batch import Structure, WorldBatch, build_batch
from sim.core.decision import approved, best_offers
from sim.core.equilibrium import stationary_thresholds
from sim.core.mediation import SingleText
from sim.core.rng import Purpose, normals, uniforms
from sim.core.solver import WarmStarts
from sim.core.strategies import concession_threshold
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

ACCEPTANCE_TOLERANCE = FEASIBILITY_TOLERANCE
"""A veto player accepts iff U_i(offer) >= threshold_i - ACCEPTANCE_TOLERANCE (solver precision)."""

OPEN, AGREEMENT, BREAKDOWN, DEADLINE = 0, 1, 2, 3
END_REASONS = {AGREEMENT: "agreement", BREAKDOWN: "breakdown", DEADLINE: "deadline"}


class Actor(mesa.Agent):
    """One party to the talks; its attributes are arrays over the model's worlds."""

    def __init__(self, model: NegotiationModel, key: str, index: int) -> None:
        super().__init__(model)
        self.key = key
        self.index = index
        spec = model.scenario.actors[key]
        self.name = spec.name
        self.veto = spec.veto
        self.utility_kind = spec.utility
        self.strategy_kind = spec.strategy.kind
        self._model = model

    @property
    def position(self) -> FloatArray:
        """Ideal points, (N, K)."""
        return self._model.batch.position[:, self.index, :]

    @property
    def salience(self) -> FloatArray:
        """Saliences, (N, K), summing to 1 in every world."""
        return self._model.batch.salience[:, self.index, :]

    @property
    def capability(self) -> FloatArray:
        return self._model.batch.capability[:, self.index]

    @property
    def reservation(self) -> FloatArray:
        """The current no-deal utility in every world, (N,)."""
        return self._model.reservation[:, self.index]

    @property
    def threshold(self) -> FloatArray:
        """The current acceptance threshold in every world, (N,)."""
        return self._model.threshold[:, self.index]


class NegotiationModel(mesa.Model):
    """N independent negotiations of one scenario, advanced together round by round."""

    def __init__(
        self,
        scenario: Scenario,
        worlds: ArrayLike = (0,),
        *,
        seed: int | None = None,
        overrides: dict[str, ArrayLike] | None = None,
        record_trajectory: bool = False,
    ) -> None:
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = seed
        self.batch: WorldBatch = build_batch(scenario, worlds, seed=seed, overrides=overrides)
        self.structure: Structure = self.batch.structure
        n = self.batch.size
        n_actors, n_issues = len(self.structure.actors), len(self.structure.issues)
        self.status_quo = self.batch.status_quo.copy()
        self.reservation = _reservation_utilities(self.batch, self.status_quo)
        self.threshold = np.ones((n, n_actors))
        self.open = np.ones(n, dtype=bool)
        self.end = np.zeros(n, dtype=np.int8)
        self.end_round = np.zeros(n, dtype=np.int64)
        self.deal_proposer = np.full(n, -1, dtype=np.int64)
        self.terms = np.full((n, n_issues), np.nan)
        self.final_utility = np.full((n, n_actors), np.nan)
        self.final_reservation = np.full((n, n_actors), np.nan)
        self.record_trajectory = record_trajectory
        self.trajectory: list[dict[str, Any]] = []
        self._equilibrium_cache: tuple[FloatArray, FloatArray] | None = None
        self._solver_states = WarmStarts(n)  # the equilibrium's, kept from round to round
        self._moving = bool(np.any(self.batch.drift != 0) or np.any(self.batch.volatility != 0))
        self.actor_list = [Actor(self, key, i) for i, key in enumerate(self.structure.actors)]
        self.single_text = (
            SingleText(self.structure, self.batch.position, self.batch.salience)
            if self.structure.mediated
            else None
        )

    # -- one round ------------------------------------------------------------------------------
    def step(self) -> None:
        round_ = int(self.steps)  # Mesa has already counted this step: 1 in the first round
        rows = np.flatnonzero(self.open)
        if rows.size == 0 or round_ > self.structure.max_rounds:
            self.running = False
            return
        batch, structure = self.batch, self.structure
        worlds = batch.worlds[rows]
        if round_ > 1 and self._moving:
            shocks = normals(self.seed, worlds, round_, Purpose.DYNAMICS, len(structure.issues))
            moved = self.status_quo[rows] + batch.drift[rows] + batch.volatility[rows] * shocks
            self.status_quo[rows] = np.clip(moved, 0.0, 1.0)
        sub = batch if rows.size == batch.size else batch.take(rows)
        reservation = _reservation_utilities(sub, self.status_quo[rows])
        threshold = self._thresholds(sub, rows, reservation, round_)
        self.reservation[rows] = reservation
        self.threshold[rows] = threshold

        proposer, package, feasible = self._propose(sub, rows, threshold, round_)
        linear = np.broadcast_to(structure.linear, reservation.shape)
        offered = utilities(package, sub.position, sub.salience, linear)
        accepts = offered >= threshold - ACCEPTANCE_TOLERANCE
        proposer_willing = accepts[np.arange(rows.size), np.maximum(proposer, 0)] | (proposer < 0)
        passes = approved(accepts, structure.veto, sub.capability, structure.quota_share)
        deal = feasible & proposer_willing & passes

        collapse = uniforms(self.seed, worlds, round_, Purpose.BREAKDOWN)[:, 0] < sub.breakdown
        broke = ~deal & collapse
        out_of_time = ~deal & ~broke & (round_ >= structure.max_rounds)
        ended = deal | broke | out_of_time
        end_rows = rows[ended]
        self.end[rows[deal]] = AGREEMENT
        self.end[rows[broke]] = BREAKDOWN
        self.end[rows[out_of_time]] = DEADLINE
        self.end_round[end_rows] = round_
        self.open[end_rows] = False
        self.terms[rows[deal]] = package[deal]
        self.deal_proposer[rows[deal]] = proposer[deal]
        self.final_utility[end_rows] = np.where(deal[:, None], offered, reservation)[ended]
        self.final_reservation[end_rows] = reservation[ended]
        if self.record_trajectory:
            self._record_round(
                round_,
                rows,
                proposer,
                package,
                feasible,
                deal,
                offered,
                threshold,
                reservation,
            )
        if self.single_text is not None:
            going_on = ~ended
            objecting = (structure.listened & ~accepts)[going_on]
            self.single_text.revise(
                rows[going_on], sub.position[going_on], sub.salience[going_on], objecting
            )
        self.running = bool(self.open.any()) and round_ < structure.max_rounds

    def _propose(
        self, sub: WorldBatch, rows: IntArray, threshold: FloatArray, round_: int
    ) -> tuple[IntArray, FloatArray, BoolArray]:
        """Who puts which package on the table: (proposer (n,), package (n, K), feasible (n,)).

        The mediated protocol puts the mediator's text (proposer: the mediator, -1 if neutral);
        the others recognise a proposer, who offers its best package for a winning coalition.
        """
        structure = self.structure
        if self.single_text is not None:
            mediator = -1 if structure.mediator is None else structure.mediator
            return (
                np.full(rows.size, mediator, dtype=np.int64),
                self.single_text.text[rows].copy(),
                np.ones(rows.size, dtype=bool),
            )
        proposer = self._recognise(sub, round_)
        offers = best_offers(
            sub.position,
            sub.salience,
            structure.linear,
            structure.veto,
            sub.capability,
            proposer,
            threshold,
            structure.quota_share,
        )
        return proposer, offers.package, offers.feasible

    def _thresholds(
        self, sub: WorldBatch, rows: IntArray, reservation: FloatArray, round_: int
    ) -> FloatArray:
        structure = self.structure
        threshold = concession_threshold(reservation, sub.beta, round_, structure.max_rounds)
        if structure.equilibrium.any():
            theta = self._equilibrium(sub, rows, reservation)
            phase = (round_ - 1) % theta.shape[1]
            threshold = np.where(structure.equilibrium, theta[:, phase, :], threshold)
        return threshold

    def _equilibrium(self, sub: WorldBatch, rows: IntArray, reservation: FloatArray) -> FloatArray:
        """Stationary equilibrium thresholds; recomputed only where the no-deal values moved."""
        if self._equilibrium_cache is None:
            states = self._solver_states.take(rows)
            theta = stationary_thresholds(
                self.structure,
                sub.position,
                sub.salience,
                sub.recognition,
                sub.discount,
                sub.breakdown,
                reservation,
                capability=sub.capability,
                warm=states,
            )
            self._solver_states.put(rows, states)
            full_theta = np.zeros((self.batch.size, *theta.shape[1:]))
            full_reservation = np.full_like(self.reservation, np.nan)
            full_theta[rows], full_reservation[rows] = theta, reservation
            self._equilibrium_cache = (full_theta, full_reservation)
            return theta
        cached_theta, cached_reservation = self._equilibrium_cache
        stale = np.flatnonzero(np.any(cached_reservation[rows] != reservation, axis=1))
        if stale.size:
            part = sub.take(stale)
            states = self._solver_states.take(rows[stale])
            cached_theta[rows[stale]] = stationary_thresholds(
                self.structure,
                part.position,
                part.salience,
                part.recognition,
                part.discount,
                part.breakdown,
                reservation[stale],
                start=cached_theta[rows[stale]],
                capability=part.capability,
                warm=states,
            )
            self._solver_states.put(rows[stale], states)
            cached_reservation[rows[stale]] = reservation[stale]
        result: FloatArray = cached_theta[rows]
        return result

    def _recognise(self, sub: WorldBatch, round_: int) -> IntArray:
        structure = self.structure
        if structure.alternating:
            proposer = structure.order[(round_ - 1) % len(structure.order)]
            return np.full(sub.size, proposer, dtype=np.int64)
        draw = uniforms(self.seed, sub.worlds, round_, Purpose.PROPOSER)[:, 0]
        cumulative = np.cumsum(sub.recognition, axis=1)
        chosen = (cumulative <= draw[:, None]).sum(axis=1)
        result: IntArray = np.minimum(chosen, len(structure.actors) - 1).astype(np.int64)
        return result

    def _record_round(
        self,
        round_: int,
        rows: IntArray,
        proposer: IntArray,
        package: FloatArray,
        feasible: BoolArray,
        deal: BoolArray,
        offered: FloatArray,
        threshold: FloatArray,
        reservation: FloatArray,
    ) -> None:
        issues, actors = self.structure.issues, self.structure.actors
        for i, row in enumerate(rows):
            entry: dict[str, Any] = {
                "world": int(self.batch.worlds[row]),
                "round": round_,
                "proposer": actors[proposer[i]] if proposer[i] >= 0 else "",
                "offered": bool(feasible[i]),
                "accepted": bool(deal[i]),
            }
            for k, issue in enumerate(issues):
                entry[f"status_quo.{issue}"] = float(self.status_quo[row, k])
            for k, issue in enumerate(issues):
                entry[f"offer.{issue}"] = float(package[i, k]) if feasible[i] else float("nan")
            for a, actor in enumerate(actors):
                entry[f"threshold.{actor}"] = float(threshold[i, a])
                entry[f"offer_utility.{actor}"] = (
                    float(offered[i, a]) if feasible[i] else float("nan")
                )
                entry[f"reservation.{actor}"] = float(reservation[i, a])
            self.trajectory.append(entry)

    def release(self) -> None:
        """Drop Mesa's class-level reference to this model (Agent._ids keeps every model alive)."""
        mesa.Agent._ids.pop(self, None)  # type: ignore[attr-defined]


def _reservation_utilities(batch: WorldBatch, status_quo: FloatArray) -> FloatArray:
    """No-deal values (N, A): explicit where given, else U_i(status quo) - war_cost_i."""
    linear = np.broadcast_to(batch.structure.linear, batch.capability.shape)
    derived = utilities(status_quo, batch.position, batch.salience, linear) - batch.war_cost
    result: FloatArray = np.where(np.isnan(batch.reservation), derived, batch.reservation)
    return result


def _expected_batch(scenario: Scenario, round_: int) -> tuple[WorldBatch, FloatArray]:
    """World 0 with the status quo moved by its expected drift (no shocks) up to ``round_``."""
    batch = build_batch(scenario, [0])
    steps = max(round_ - 1, 0)
    status_quo = np.clip(batch.status_quo + steps * batch.drift, 0.0, 1.0)
    return batch, status_quo


def reservations_at(scenario: Scenario, round_: int = 1) -> dict[str, float]:
    """Each actor's no-deal value at ``round_`` with the war following its expected drift."""
    batch, status_quo = _expected_batch(scenario, round_)
    values = _reservation_utilities(batch, status_quo)[0]
    return {actor: float(values[a]) for a, actor in enumerate(batch.structure.actors)}


def thresholds_at(scenario: Scenario, round_: int = 1) -> dict[str, float]:
    """Each actor's acceptance threshold at ``round_`` with the war following its expected drift."""
    batch, status_quo = _expected_batch(scenario, round_)
    structure = batch.structure
    reservation = _reservation_utilities(batch, status_quo)
    threshold = concession_threshold(reservation, batch.beta, round_, structure.max_rounds)
    if structure.equilibrium.any():
        theta = stationary_thresholds(
            structure,
            batch.position,
            batch.salience,
            batch.recognition,
            batch.discount,
            batch.breakdown,
            reservation,
            capability=batch.capability,
        )
        phase = (round_ - 1) % theta.shape[1]
        threshold = np.where(structure.equilibrium, theta[:, phase, :], threshold)
    return {actor: float(threshold[0, a]) for a, actor in enumerate(structure.actors)}
