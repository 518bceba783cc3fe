"""The negotiation model on Mesa: one agent per party, one Mesa step per bargaining round.

The model advances N independent worlds at once.  Each actor's attributes (position, salience,
capability, no-deal value, threshold, ...) are arrays with a leading world axis, and every move of
a round acts on all still-open worlds with vectorised numpy.  :meth:`NegotiationModel.step` is the
protocol, in order:

1. the war goes on: each issue's status quo takes a random-walk step (from round 2 on);
2. ``agents.do("reassess")``: each actor values no deal (explicit, or U_i(status quo) - war_cost_i);
3. ``agents.do("set_threshold")``: each actor's strategy sets its acceptance threshold
   (:mod:`sim.core.strategies`);
4. :meth:`~NegotiationModel.propose`: a proposer is recognised (fixed order, or drawn with the
   recognition probabilities) and offers its best package that every veto player's threshold
   allows (under a quota: that some winning coalition's thresholds allow;
   :mod:`sim.core.decision`) -- if its own threshold allows it; under the mediated protocol the
   mediator's single text is put instead (:mod:`sim.core.mediation`);
5. ``agents.do("respond")``: each actor accepts iff its utility is at least its threshold;
6. :meth:`~NegotiationModel.settle`: the package passes iff the proposer and every veto player
   accept (and, under a quota, the accepting actors hold enough capability), and then takes
   effect iff every domestic ratifier approves (:mod:`sim.core.ratification`; else the talks end
   ``not-ratified`` or go on); after a failed round the talks break down with the breakdown
   hazard h, or 1 - (1 - h)(1 - q) after a refused proposal (a mediator's draft is revised, not
   walked out of); at max_rounds they end;
7. :meth:`~NegotiationModel.revise_text`: in mediated talks the objectors' requests revise the text;
8. the ``DataCollector`` records the round (:mod:`sim.core.collect`);
9. once the talks have ended everywhere, :meth:`~NegotiationModel.implement` runs the ratified
   deals' implementation phase, where a party may renege (:mod:`sim.core.implementation`).

Between steps 4 and 5 the negotiators weigh the risk of rejection at home
(:mod:`sim.core.after_signing` is the hook for ratification and implementation).

All randomness is counter-based (:mod:`sim.core.rng`): a world's fate depends only on (seed, world).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from numpy.typing import ArrayLike

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.after_signing import AfterSigning
from sim.core.agents import Actor
from sim.core.batch import Structure, WorldBatch, build_batch
from sim.core.collect import batch_collector, trajectory_rows, world_collector
from sim.core.decision import approved, best_offers
from sim.core.equilibrium_cache import EquilibriumCache
from sim.core.mediation import SingleText
from sim.core.open_round import OpenRound
from sim.core.records import AGREEMENT, BREAKDOWN, DEADLINE, NOT_RATIFIED
from sim.core.rng import Purpose, normals, uniforms
from sim.core.round_histograms import RoundHistograms
from sim.core.screening import (
    BeliefBounds,
    equilibrium_slopes,
    failed_round_values,
    public_reservation,
    responders,
)
from sim.core.solver import Offers
from sim.core.status_quo import reservation_utilities
from sim.core.strategies import ThresholdInputs
from sim.core.uncertain_offer import UncertainResponder, risky_offers
from sim.core.utility import utilities
from sim.scenario.schema import Scenario


def model_seed(scenario: Scenario, seed: int | None, rng: Any) -> int:
    """The integer seed that keys every counter-based draw, taken as Mesa 3 takes ``seed``/``rng``.

    ``seed`` (an int) or ``rng`` (an int, or a ``numpy.random.Generator`` that draws the seed),
    not both; neither means the scenario's own seed.
    """
    if seed is not None and rng is not None:
        raise ValueError("pass either rng or seed, not both")
    if seed is not None:
        return int(seed)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if rng is not None:
        return int(rng)
    return scenario.seed


class NegotiationModel(mesa.Model):  # type: ignore[misc]
    """N independent negotiations of one scenario, advanced together round by round."""

    def __init__(
        self,
        scenario: Scenario,
        worlds: ArrayLike = (0,),
        *,
        seed: int | None = None,
        rng: Any = None,
        overrides: dict[str, ArrayLike] | None = None,
        record_trajectory: bool = False,
    ) -> None:
        seed = model_seed(scenario, seed, rng)
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = seed
        self.batch: WorldBatch = build_batch(scenario, worlds, seed=seed, overrides=overrides)
        self.structure: Structure = self.batch.structure
        n = self.batch.size
        if record_trajectory and n != 1:
            raise ValueError("a trajectory is recorded for one world at a time")
        n_actors, n_issues = len(self.structure.actors), len(self.structure.issues)
        self.status_quo = self.batch.status_quo.copy()
        self.reservation = reservation_utilities(self.batch, self.status_quo)
        self.threshold = np.ones((n, n_actors))
        self.open = np.ones(n, dtype=bool)
        self.end = np.zeros(n, dtype=np.int8)
        self.end_round = np.zeros(n, dtype=np.int64)
        self.deal_proposer = np.full(n, -1, dtype=np.int64)
        self.terms = np.full((n, n_issues), np.nan)
        self.final_utility = np.full((n, n_actors), np.nan)
        self.final_reservation = np.full((n, n_actors), np.nan)
        self.record_trajectory = record_trajectory
        self.after_signing = AfterSigning.start(scenario, n)  # ratification, implementation
        self.deal_status_quo = np.full((n, n_issues), np.nan)  # the balance when a deal was struck
        self.open_round = OpenRound.start(
            0, np.zeros(0, dtype=np.int64), self.batch, self.status_quo
        )
        self._no_deal: FloatArray | None = None  # this round's, once valued (no_deal_values)
        self._offered: FloatArray | None = None  # this round's, once valued (offer_utilities)
        self.beliefs = BeliefBounds.start(self.structure.private, n, n_actors)
        self.offers = np.zeros(n, dtype=np.int64)  # rounds with an offer on the table
        self.rejections = np.zeros(n, dtype=np.int64)  # offers made and refused
        self._responders: list[UncertainResponder] = []
        self._uncertain = np.zeros((0, n_actors), dtype=bool)
        self.equilibrium = EquilibriumCache(self.structure, n)  # its players' thresholds
        self._moving = bool(np.any(self.batch.drift != 0) or np.any(self.batch.volatility != 0))
        self.single_text = (
            SingleText(self.structure, self.batch.position, self.batch.salience)
            if self.structure.mediated
            else None
        )
        for index, key in enumerate(self.structure.actors):
            Actor(self, key, index)
        self.datacollector = (
            world_collector(self.structure.issues) if record_trajectory else batch_collector()
        )
        histograms = None if record_trajectory else RoundHistograms.start(self.structure)
        self.round_histograms = histograms  # a sweep's fan chart: distributions over rounds

    # -- one round: the protocol -----------------------------------------------------------------
    def step(self) -> None:
        """Play one round in every open world."""
        round_ = int(self.steps)  # Mesa has already counted this step: 1 in the first round
        rows = np.flatnonzero(self.open)
        if rows.size == 0 or round_ > self.structure.max_rounds:
            self.running = False
            self.implement()
            return
        self.war_goes_on(rows, round_)
        self.agents.do("reassess")
        self.open_round.inputs = self._threshold_inputs()
        self.agents.do("set_threshold")
        self.reservation[rows] = self.open_round.reservation
        self.threshold[rows] = self.open_round.threshold
        self.propose()
        self.after_signing.anticipate(self.open_round, propose=self.single_text is None)
        self.agents.do("respond")
        self.learn()
        self.after_signing.weigh(self.open_round)
        self.settle()
        self.revise_text()
        self.datacollector.collect(self)
        if self.round_histograms is not None:
            self.round_histograms.add(self.open_round)
        self.running = bool(self.open.any()) and round_ < self.structure.max_rounds
        if not self.running:
            self.implement()

    def war_goes_on(self, rows: IntArray, round_: int) -> None:
        """Move the status quo of the open worlds by drift and shocks; open the round there."""
        batch = self.batch
        sub = self._open_batch(rows)
        status_quo = self.status_quo[rows]
        if round_ > 1 and self._moving:
            volatility, issues = sub.volatility, len(self.structure.issues)
            moved = status_quo + sub.drift
            # An issue without volatility in any open world takes no shock: adding 0 * shock
            # leaves every value as it is (but a -0, hence the check), so its draws are skipped.
            zero = (moved == 0.0) & np.signbit(moved)
            shaken = np.flatnonzero(((volatility != 0.0) | zero).any(axis=0))
            if shaken.size:
                only = None if shaken.size == issues else shaken
                lanes = slice(None) if only is None else shaken
                shocks = normals(
                    self.seed, batch.worlds[rows], round_, Purpose.DYNAMICS, issues, only
                )
                moved[:, lanes] += volatility[:, lanes] * shocks
            status_quo = np.clip(moved, 0.0, 1.0)
            self.status_quo[rows] = status_quo
        self.open_round = OpenRound.start(round_, rows, sub, status_quo)
        self._no_deal = self._offered = None

    def _open_batch(self, rows: IntArray) -> WorldBatch:
        """The open worlds' numbers: the whole batch while every world is open, else last round's
        where no world closed, else the rows taken from last round's (worlds only close, so
        they are among its rows): a smaller, denser source than the whole batch, the same values
        (measured: the copies 2-3% of a complete-information run less, docs/speed.md)."""
        last = self.open_round.rows
        if rows.size == self.batch.size:
            return self.batch
        at = np.searchsorted(last, rows)
        if at.size and (at[-1] >= last.size or not np.array_equal(last[at], rows)):
            return self.batch.take(rows)  # not among them (never while worlds only close)
        if rows.size == last.size:
            return self.open_round.batch
        return self.open_round.batch.take(at)

    def no_deal_values(self) -> FloatArray:
        """Every actor's no-deal value (n, A) in this round's open worlds, valued once a round for
        all actors: one pass over (n, A, K) instead of one per actor (the same values; measured
        faster, see docs/speed.md, issue 17)."""
        if self._no_deal is None:
            now = self.open_round
            self._no_deal = reservation_utilities(now.batch, now.status_quo)
        return self._no_deal

    def offer_utilities(self) -> FloatArray:
        """Every actor's utility (n, A) of this round's offer in the open worlds, valued once for
        all actors (as :meth:`no_deal_values`: the same values, measured faster)."""
        if self._offered is None:
            now = self.open_round
            linear = np.broadcast_to(self.structure.linear, now.reservation.shape)
            self._offered = utilities(now.package, now.batch.position, now.batch.salience, linear)
        return self._offered

    def propose(self) -> None:
        """Put a package on the table in every open world: the mediator's single text, or the
        recognised proposer's best package for a winning coalition (proposer -1: a neutral text)."""
        now, structure = self.open_round, self.structure
        if self.single_text is not None:
            mediator = -1 if structure.mediator is None else structure.mediator
            now.proposer = np.full(now.size, mediator, dtype=np.int64)
            now.package = self.single_text.text[now.rows].copy()
            now.feasible = np.ones(now.size, dtype=bool)
            return
        now.proposer = self._recognise(now.batch, now.number)
        risky = np.zeros(now.size, dtype=bool)
        if structure.private and now.inputs is not None:
            self._responders, self._uncertain = responders(
                structure, now.batch, now.rows, self.beliefs, now.proposer, now.inputs
            )
            risky = np.asarray(self._uncertain.any(axis=1), dtype=bool)
        if not risky.any():
            offers = self._best_offers(now.batch, now.proposer, now.threshold)
            now.package, now.feasible = offers.package, offers.feasible
            return
        self._propose_under_uncertainty(risky)

    def _best_offers(self, sub: WorldBatch, proposer: IntArray, threshold: FloatArray) -> Offers:
        """Each proposer's best package that its winning coalition's known thresholds allow."""
        structure = self.structure
        return best_offers(
            sub.position,
            sub.salience,
            structure.linear,
            structure.veto,
            sub.capability,
            proposer,
            threshold,
            structure.quota_share,
        )

    def _propose_under_uncertainty(self, risky: BoolArray) -> None:
        """Where some veto responder's threshold is uncertain, the proposer trades the chance of
        acceptance against its gain (:mod:`sim.core.uncertain_offer`); elsewhere as usual."""
        now, structure = self.open_round, self.structure
        now.package = np.empty((now.size, len(structure.issues)))
        now.feasible = np.zeros(now.size, dtype=bool)
        now.belief = np.ones(now.size)
        sure = np.flatnonzero(~risky)
        if sure.size:
            offers = self._best_offers(
                now.batch.take(sure), now.proposer[sure], now.threshold[sure]
            )
            now.package[sure], now.feasible[sure] = offers.package, offers.feasible
        chosen = np.flatnonzero(risky)
        part = now.batch.take(chosen)
        proposer = now.proposer[chosen]
        outcome = risky_offers(
            part.position,
            part.salience,
            structure.linear,
            structure.veto,
            proposer,
            now.threshold[chosen],
            failed_round_values(
                structure, proposer, now.threshold[chosen], now.reservation[chosen]
            ),
            [responder.take(chosen) for responder in self._responders],
            self._uncertain[chosen],
        )
        now.package[chosen], now.feasible[chosen] = outcome.package, outcome.feasible
        now.belief[chosen] = outcome.probability
        now.demanded = now.threshold.copy()
        now.demanded[chosen] = outcome.demanded

    def learn(self) -> None:
        """Offers and answers are public: truncate the beliefs about every uncertain responder
        that answered an offer (Bayes' rule; :mod:`sim.core.beliefs`)."""
        if not self._responders:
            return
        now = self.open_round
        asked = self._uncertain & now.feasible[:, None]
        self.beliefs.learn(now.rows, self._responders, asked, now.offered, now.accepts)
        self._responders = []

    def settle(self) -> None:
        """End the talks where the deal holds, the talks break down or time runs out."""
        now, structure = self.open_round, self.structure
        rows, round_, proposer = now.rows, now.number, now.proposer
        proposer_willing = now.accepts[np.arange(rows.size), np.maximum(proposer, 0)] | (
            proposer < 0
        )
        passes = approved(now.accepts, structure.veto, now.batch.capability, structure.quota_share)
        signed = now.feasible & proposer_willing & passes
        refused = now.feasible & ~signed  # a ratifier's veto is not a refusal at the table
        self.offers[rows] += now.feasible
        self.rejections[rows] += refused
        deal, rejected = self.after_signing.ratify(now, signed, self.seed)
        draw = uniforms(self.seed, now.batch.worlds, round_, Purpose.BREAKDOWN)[:, 0]
        after = now.batch.breakdown if self.single_text is not None else now.batch.refused_breakdown
        broke = ~deal & ~rejected & (draw < np.where(refused, after, now.batch.breakdown))
        out_of_time = ~deal & ~rejected & ~broke & (round_ >= structure.max_rounds)
        ended = deal | rejected | broke | out_of_time
        end_rows = rows[ended]
        self.end[rows[deal]] = AGREEMENT
        self.end[rows[rejected]] = NOT_RATIFIED
        self.deal_status_quo[rows[deal]] = now.status_quo[deal]
        self.end[rows[broke]], self.end[rows[out_of_time]] = BREAKDOWN, DEADLINE
        self.end_round[end_rows] = round_
        self.open[end_rows] = False
        self.terms[rows[deal]] = now.package[deal]
        self.deal_proposer[rows[deal]] = now.proposer[deal]
        self.final_utility[end_rows] = np.where(deal[:, None], now.offered, now.reservation)[ended]
        self.final_reservation[end_rows] = now.reservation[ended]
        now.deal, now.broke, now.out_of_time, now.rejected = deal, broke, out_of_time, rejected

    def implement(self) -> None:
        """The talks are over everywhere: run the ratified deals' implementation phase."""
        self.after_signing.implement(self, keep_path=self.record_trajectory)

    def revise_text(self) -> None:
        """Mediated talks: where they go on, the mediator revises its text toward the objectors
        (each asking on its expected value where ratifiers may reject; :mod:`sim.core.mediation`)."""
        if self.single_text is None:
            return
        now = self.open_round
        going_on = self.open[now.rows]
        objecting = (self.structure.listened & ~now.accepts)[going_on]
        self.single_text.revise(
            now.rows[going_on],
            now.batch.position[going_on],
            now.batch.salience[going_on],
            objecting,
            self.after_signing.stakes(now, going_on),
        )

    @property
    def trajectory(self) -> list[dict[str, Any]]:
        """The world's round-by-round rows (empty unless ``record_trajectory``)."""
        return trajectory_rows(self) if self.record_trajectory else []

    # -- helpers -------------------------------------------------------------------------------
    def _threshold_inputs(self) -> ThresholdInputs:
        now, structure = self.open_round, self.structure
        public = public_reservation(now.reservation, now.batch, structure.private)
        seen = now.reservation if public is None else public
        # Not over ``now`` or ``self``: the round holds the inputs, a cycle kept its arrays alive.
        cache, batch, rows = self.equilibrium, now.batch, now.rows
        return ThresholdInputs(
            reservation=now.reservation,
            beta=now.batch.beta,
            round=now.number,
            max_rounds=structure.max_rounds,
            equilibrium=lambda: cache.thresholds(batch, rows, seen),
            clock=structure.clock,
            public_reservation=public,
            slope=None if public is None else equilibrium_slopes(now.batch, structure.fighting),
            war_cost=now.batch.war_cost,
            endurance=now.batch.endurance,
        )

    def _recognise(self, sub: WorldBatch, round_: int) -> IntArray:
        structure = self.structure
        if structure.alternating:
            proposer = structure.order[(round_ - 1) % len(structure.order)]
            return np.full(sub.size, proposer, dtype=np.int64)
        draw = uniforms(self.seed, sub.worlds, round_, Purpose.PROPOSER)[:, 0]
        cumulative = np.cumsum(sub.recognition, axis=1)
        chosen = reduce_short(np.add, (cumulative <= draw[:, None]).astype(np.int64), 1)
        result: IntArray = np.minimum(chosen, len(structure.actors) - 1).astype(np.int64)
        return result
