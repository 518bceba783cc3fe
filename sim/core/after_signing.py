"""What happens to a signed deal: ratification at home, then implementation (the model's hook).

The model calls three methods, each a no-op for a scenario without ratifiers or an implementation
phase: :meth:`AfterSigning.anticipate` after the proposer's offer (the proposer weighs the risk
that its package is rejected at home, :mod:`sim.core.ratification`), :meth:`AfterSigning.ratify`
on the round's signed deals (drawing every ratifier's verdict) and :meth:`AfterSigning.implement`
once the talks have ended everywhere (:mod:`sim.core.implementation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.anticipation import anticipate, offer_table, round_values
from sim.core.batch import WorldBatch
from sim.core.implementation import Commitment, implement
from sim.core.mediation import Stakes
from sim.core.open_round import OpenRound
from sim.core.ratification import Ratifiers, approval_probabilities, verdicts
from sim.core.records import AGREEMENT
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.core.model import NegotiationModel


@dataclass
class AfterSigning:
    """Per-world state of ratification and implementation for a model's N worlds."""

    ratifiers: Ratifiers | None
    commitment: Commitment | None
    signed: BoolArray  # (N,) a deal was signed (whatever happened next)
    rejected: BoolArray  # (N, R) which ratifiers rejected the last signed deal
    collapse: IntArray  # (N,) implementation period of the collapse, 0 if none
    reneged: BoolArray  # (N, A) who reneged at the collapse
    path: list[dict[str, Any]]  # one world's implementation periods (trajectory runs)
    done: bool = False
    _round: tuple[Ratifiers, FloatArray] | None = None  # this round's, and w (n, A)

    @classmethod
    def start(cls, scenario: Scenario, n: int) -> AfterSigning:
        """Nothing signed yet in any of the ``n`` worlds."""
        ratifiers = Ratifiers.of(scenario)
        size = 0 if ratifiers is None else ratifiers.size
        return cls(
            ratifiers=ratifiers,
            commitment=Commitment.of(scenario),
            signed=np.zeros(n, dtype=bool),
            rejected=np.zeros((n, size), dtype=bool),
            collapse=np.zeros(n, dtype=np.int64),
            reneged=np.zeros((n, len(scenario.actors)), dtype=bool),
            path=[],
        )

    @property
    def resumes(self) -> bool:
        """A rejected deal lets the talks go on (else they end `not-ratified`)."""
        return self.ratifiers is not None and self.ratifiers.resume

    def anticipate(self, now: OpenRound, *, propose: bool = True) -> None:
        """The round's packages (and whether there is one) once everybody weighs the risk of
        rejection at home (after the proposer's offer, before the answers).  ``propose=False``
        (the mediator's single text): the package stays, only the answers will weigh the risk."""
        bodies = now.batch.structure.ratifiers  # the ratifiers and any anticipated-only bodies
        if bodies is None:
            return
        fallback = now.threshold if self.resumes else now.reservation
        ratifiers = bodies.for_worlds(now.batch.ratifier_threshold)
        self._round = (ratifiers, fallback)
        if not propose:
            return
        batch, structure = now.batch, now.batch.structure
        table = offer_table(
            batch.position,
            batch.salience,
            structure.linear,
            structure.veto,
            batch.capability,
            structure.quota_share,
            now.proposer,
            # What the proposer knows: the thresholds it built its offer on (under private
            # information, the accepting types' it chose), else the true ones.
            now.threshold if now.demanded is None else now.demanded,
            fallback,
        )
        # The ratifiers' approvals of the packages, kept for the answers and the verdicts:
        # recomputed only where anticipation moved the package (row by row the same arithmetic).
        approvals = approval_probabilities(ratifiers, now.package)
        package, now.feasible = anticipate(
            ratifiers, now.package, now.feasible, table, approvals=approvals
        )
        moved = np.flatnonzero(reduce_short(np.logical_or, package != now.package, 1))
        if moved.size:
            approvals[moved] = approval_probabilities(ratifiers.take(moved), package[moved])
        now.package, now.approvals = package, approvals

    def weigh(self, now: OpenRound) -> None:
        """Each actor signs the round's package iff its expected value P U + (1 - P) w reaches
        its threshold (the answers are revised where ratification is uncertain)."""
        if self._round is None:
            return
        (ratifiers, fallback), self._round = self._round, None
        value = round_values(ratifiers, now.package, now.offered, fallback, now.approvals)
        now.accepts[:] = value >= now.threshold - FEASIBILITY_TOLERANCE

    def stakes(self, now: OpenRound, going_on: BoolArray) -> Stakes | None:
        """What the parties of the round's worlds ``going_on`` weigh the mediator's text by: the
        ratifiers and each party's gain U_i(x) - w_i from a ratified text (None without them)."""
        bodies = now.batch.structure.ratifiers
        if bodies is None:
            return None
        fallback = now.threshold if self.resumes else now.reservation
        return Stakes(
            bodies.for_worlds(now.batch.ratifier_threshold[going_on]),
            now.offered[going_on] - fallback[going_on],
        )

    def ratify(self, now: OpenRound, signed: BoolArray, seed: int) -> tuple[BoolArray, BoolArray]:
        """Draw the verdicts on the round's signed deals: which take effect (n,) and which end
        the talks ``not-ratified`` (n,; none when a rejection lets the talks resume)."""
        rows = now.rows
        self.signed[rows[signed]] = True
        ratified = signed.copy()
        bodies = now.batch.structure.ratifiers
        if self.ratifiers is not None and bodies is not None and signed.any():
            chosen = np.flatnonzero(signed)
            batch = now.batch
            # Only the real bodies vote (verdicts leaves the anticipated-only ones out).
            ratifiers = bodies.for_worlds(batch.ratifier_threshold[chosen])
            passed, rejected = verdicts(
                ratifiers,
                now.package[chosen],
                seed,
                batch.worlds[chosen],
                now.number,
                None if now.approvals is None else now.approvals[chosen],
            )
            self.rejected[rows[chosen]] = rejected
            ratified[chosen] = passed
        ended = np.zeros_like(signed) if self.resumes else signed & ~ratified
        return ratified, ended

    def implement(self, model: NegotiationModel, *, keep_path: bool) -> None:
        """Run the implementation phase of the model's ratified deals; a collapse sets the
        world's final utilities and no-deal values to the no-deal values at the collapse."""
        if self.done or self.commitment is None:
            self.done = True
            return
        self.done = True
        batch = model.batch
        rows = np.flatnonzero(model.end == AGREEMENT)
        if rows.size == 0:
            return
        sub = batch if rows.size == batch.size else batch.take(rows)
        outcome = implement(
            self.commitment,
            sub,
            model.terms[rows],
            model.deal_status_quo[rows],
            keep_path=keep_path,
        )
        collapsed = outcome.collapse > 0
        gone = rows[collapsed]
        self.collapse[rows] = outcome.collapse
        self.reneged[rows] = outcome.reneged
        model.final_utility[gone] = outcome.utility[collapsed]
        model.final_reservation[gone] = outcome.reservation[collapsed]
        if keep_path:
            self.path = _path_rows(batch, outcome.path, outcome.collapse, outcome.reneged)


def _path_rows(
    batch: WorldBatch,
    path: list[tuple[FloatArray, FloatArray]],
    collapse: IntArray,
    reneged: BoolArray,
) -> list[dict[str, Any]]:
    """One world's implementation periods as flat rows (the trajectory's second phase)."""
    structure = batch.structure
    rows: list[dict[str, Any]] = []
    for period, (state, value) in enumerate(path, start=1):
        row: dict[str, Any] = {"phase": "implementation", "period": period}
        for k, issue in enumerate(structure.issues):
            row[f"status_quo.{issue}"] = float(state[0, k])
        for a, actor in enumerate(structure.actors):
            row[f"reservation.{actor}"] = float(value[0, a])
        ended = int(collapse[0]) == period
        row["reneged"] = "+".join(
            actor for a, actor in enumerate(structure.actors) if ended and reneged[0, a]
        )
        rows.append(row)
    return rows
