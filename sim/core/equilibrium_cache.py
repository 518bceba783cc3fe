"""The equilibrium players' thresholds over a batch's rounds: recomputed only where they can change.

Stationary thresholds (:func:`sim.core.equilibrium.stationary_thresholds`) depend on a world's
no-deal values and nothing else that moves between rounds, so a world's thresholds are computed
once and again only in the rounds where its no-deal values moved (the war went on, a belief was
truncated).  The proposers' solver states carry over from round to round (warm starts), and each
world's largest final change of the iteration over all its rounds is kept (``residual``): above
:data:`~sim.core.records.UNSETTLED_RESIDUAL` the world played on thresholds that are no
equilibrium, which the records carry and the summaries count.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import FloatArray, IntArray, reduce_short
from sim.core.batch import Structure, WorldBatch
from sim.core.equilibrium import stationary_thresholds
from sim.core.solver import WarmStarts


class EquilibriumCache:
    """Each world's last stationary thresholds, the no-deal values they were computed for, its
    solver states and its largest final change (NaN where none was ever computed)."""

    def __init__(self, structure: Structure, n: int) -> None:
        self.structure = structure
        self.theta: FloatArray | None = None  # (N, L, A) once computed
        self.reservation = np.full((n, len(structure.actors)), np.nan)
        self.states = WarmStarts(n)
        self.residual = np.full(n, np.nan)

    def thresholds(self, sub: WorldBatch, rows: IntArray, reservation: FloatArray) -> FloatArray:
        """The thresholds of worlds ``rows`` (``sub`` their batch) at no-deal values
        ``reservation``, computed where they are new or moved, warm-started from the last ones."""
        if self.theta is None:
            theta = self._solve(sub, rows, reservation, None)
            self.theta = np.zeros((self.reservation.shape[0], *theta.shape[1:]))
            self.theta[rows], self.reservation[rows] = theta, reservation
            return theta
        stale = np.flatnonzero(
            reduce_short(np.logical_or, self.reservation[rows] != reservation, 1)
        )
        if stale.size:
            at = rows[stale]
            self.theta[at] = self._solve(sub.take(stale), at, reservation[stale], self.theta[at])
            self.reservation[at] = reservation[stale]
        result: FloatArray = self.theta[rows]
        return result

    def _solve(
        self,
        sub: WorldBatch,
        rows: IntArray,
        reservation: FloatArray,
        start: FloatArray | None,
    ) -> FloatArray:
        structure = self.structure
        states = self.states.take(rows)
        residual = np.zeros(rows.size)
        theta = stationary_thresholds(
            structure,
            sub.position,
            sub.salience,
            sub.recognition,
            sub.discount,
            sub.refused_breakdown,  # a responder's rejection risks h + q - hq
            reservation,
            start=start,
            capability=sub.capability,
            warm=states,
            flow=reservation if structure.fighting else None,
            ratifier_threshold=sub.ratifier_threshold,
            final_change=residual,
        )
        self.states.put(rows, states)
        self.residual[rows] = np.fmax(self.residual[rows], residual)
        return theta
