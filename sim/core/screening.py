"""Offers under private information, round by round: who is uncertain, what they would accept,
what the proposer risks, and what everybody learns from the answers.

The model's glue between the beliefs (:mod:`sim.core.beliefs`), the strategies' thresholds and the
proposer's risk-return problem (:mod:`sim.core.uncertain_offer`):

* :class:`BeliefBounds` -- the consistent set of every private value, per world and actor;
* :func:`public_reservation` -- the no-deal values with each private value at its
  belief's mean (the game as everybody sees it; the equilibrium strategy's continuation values);
* :func:`responders` -- this round's uncertain veto responders, each with its threshold map
  T(b) = max(b, a + s b) (concession: a = g, s = 1 - g; equilibrium: a = theta_pub - s b_pub);
* :func:`failed_round_values` -- the proposer's w: its threshold for an equilibrium player (the
  value of rejecting), its no-deal value for a concession player;
* :meth:`BeliefBounds.learn` -- Bayes' rule on public answers (truncation at each answer's cut).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.batch import Structure, WorldBatch
from sim.core.private_values import PrivateValue
from sim.core.strategies.base import ThresholdInputs
from sim.core.strategies.concession import remaining_demand
from sim.core.uncertain_offer import UncertainResponder


@dataclass
class BeliefBounds:
    """The consistent set [lo, hi] of each uncertain private value, (N, A); NaN elsewhere."""

    lo: FloatArray
    hi: FloatArray

    @classmethod
    def start(cls, private: tuple[PrivateValue, ...], n: int, n_actors: int) -> BeliefBounds:
        """Before any answer: every value the field may take."""
        lo, hi = np.full((n, n_actors), np.nan), np.full((n, n_actors), np.nan)
        for value in private:
            lo[:, value.actor], hi[:, value.actor] = value.belief.bounds
        return cls(lo, hi)

    def learn(
        self,
        rows: IntArray,
        responders: list[UncertainResponder],
        asked: BoolArray,
        offered: FloatArray,
        accepts: BoolArray,
    ) -> None:
        """Truncate each responder's belief where it answered an offer (``asked`` (n, A))."""
        for responder in responders:
            a = responder.actor
            where = np.flatnonzero(asked[:, a])
            if where.size == 0:
                continue
            cut = responder.cut(offered[where, a], where)
            lo, hi = responder.belief.update(
                self.lo[rows[where], a], self.hi[rows[where], a], cut, accepts[where, a]
            )
            self.lo[rows[where], a], self.hi[rows[where], a] = lo, hi


def public_reservation(
    reservation: FloatArray, batch: WorldBatch, private: tuple[PrivateValue, ...]
) -> FloatArray | None:
    """No-deal values (n, A) with each private value at its belief's mean (None if there is
    none): b_pub = b + c - E[c] for a war cost, E[r] for a reservation; exactly b where the
    truth is the mean (a belief collapsed on the truth)."""
    if not private:
        return None
    public = reservation.copy()
    for value in private:
        a, mean = value.actor, value.belief.mean()
        truth = batch.war_cost[:, a] if value.belief.accepts_above else batch.reservation[:, a]
        moved = reservation[:, a] + truth - mean if value.belief.accepts_above else mean
        public[:, a] = np.where(truth == mean, reservation[:, a], moved)
    return public


def equilibrium_slopes(batch: WorldBatch, fighting: bool) -> FloatArray:
    """d theta / d b of an equilibrium player holding its continuation value: P, plus
    (1 - P)(1 - delta) when each failed round yields the war's flow; P = h + q - hq, the
    breakdown risk after a refusal (Binmore, Rubinstein & Wolinsky 1986)."""
    p = batch.refused_breakdown[:, None]
    slope = np.broadcast_to(p, batch.discount.shape)
    if fighting:
        slope = slope + (1.0 - p) * (1.0 - batch.discount)
    result: FloatArray = np.ascontiguousarray(slope)
    return result


def responders(
    structure: Structure,
    batch: WorldBatch,
    rows: IntArray,
    bounds: BeliefBounds,
    proposer: IntArray,
    inputs: ThresholdInputs,
) -> tuple[list[UncertainResponder], BoolArray]:
    """This round's uncertain veto responders and where each is uncertain, (n, A).

    A responder is uncertain in a world unless the others' consistent set holds its true value
    alone (a collapsed belief that is right: its threshold is then known exactly).
    """
    n, n_actors = batch.size, len(structure.actors)
    uncertain = np.zeros((n, n_actors), dtype=bool)
    found: list[UncertainResponder] = []
    theta_pub: FloatArray | None = None
    for value in structure.private:
        a = value.actor
        if not structure.veto[a]:
            continue
        lo, hi = bounds.lo[rows, a], bounds.hi[rows, a]
        truth = batch.war_cost[:, a] if value.field == "war_cost" else batch.reservation[:, a]
        known = value.belief.known_value(lo, hi) == truth
        uncertain[:, a] = (proposer != a) & ~known
        b = inputs.reservation[:, a]
        base = b + batch.war_cost[:, a] if value.field == "war_cost" else np.zeros(n)
        if structure.equilibrium[a]:
            if theta_pub is None:
                theta = inputs.equilibrium_thresholds()
                theta_pub = theta[:, (inputs.round - 1) % theta.shape[1], :]
            assert inputs.public_reservation is not None and inputs.slope is not None
            slope = inputs.slope[:, a]
            intercept = theta_pub[:, a] - slope * inputs.public_reservation[:, a]
        elif value.field == "war_cost" and not np.isnan(batch.endurance[:, a]).all():
            # Its clock runs on the private cost itself: T(c) is not affine in b.
            found.append(_cost_clock_responder(value, batch, inputs, lo, hi, base))
            continue
        else:
            g = remaining_demand(batch.beta[:, a], inputs.progress_of(a))
            intercept, slope = g, 1.0 - g
        found.append(UncertainResponder(a, value.belief, lo, hi, base, intercept, slope))
    return found, uncertain


def _cost_clock_responder(
    value: PrivateValue,
    batch: WorldBatch,
    inputs: ThresholdInputs,
    lo: FloatArray,
    hi: FloatArray,
    base: FloatArray,
) -> UncertainResponder:
    """A concession player whose endurance clock runs on its private war cost (rate NaN, the
    affine map of the deadline clock, in any world without an endurance)."""
    a = value.actor
    rate = inputs.elapsed / batch.endurance[:, a]
    g = remaining_demand(batch.beta[:, a], inputs.progress)
    exponent = 1.0 / batch.beta[:, a]
    return UncertainResponder(a, value.belief, lo, hi, base, g, 1.0 - g, rate, exponent)


def failed_round_values(
    structure: Structure, proposer: IntArray, threshold: FloatArray, reservation: FloatArray
) -> FloatArray:
    """The proposer's value of a failed round: its threshold (an equilibrium player's value of
    rejecting, which already prices the breakdown risk h + q - hq that follows any refusal) or
    its no-deal value (a concession player: unchanged by q, whatever ends the talks)."""
    rows = np.arange(proposer.size)
    result: FloatArray = np.where(
        structure.equilibrium[proposer],
        threshold[rows, proposer],
        reservation[rows, proposer],
    )
    return result
