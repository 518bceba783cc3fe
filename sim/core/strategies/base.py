"""What a strategy sees when it sets an actor's threshold: the round's no-deal values and more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.arrays import FloatArray
from sim.core.clock import Clock


@dataclass
class ThresholdInputs:
    """One round's inputs to every strategy, over the open worlds (rows) and actors (columns).

    ``equilibrium`` computes the stationary equilibrium thresholds (N, L, A) of all actors jointly;
    it is called at most once a round, by the first strategy that needs it.  With private no-deal
    values it is computed on ``public_reservation`` (each private value at its belief's mean: the
    game as everybody can see it), and each private actor shifts its own threshold by
    ``slope`` times the gap between its true and public no-deal values (:mod:`.equilibrium`).
    """

    reservation: FloatArray  # (N, A) no-deal values this round
    beta: FloatArray  # (N, A) concession exponents
    round: int
    max_rounds: int
    equilibrium: Callable[[], FloatArray]
    clock: Clock | None = None  # None: the deadline is the last round
    public_reservation: FloatArray | None = None  # (N, A); None: every value is public
    slope: FloatArray | None = None  # (N, A) d threshold / d no-deal value of an equilibrium player
    war_cost: FloatArray | None = None  # (N, A) each actor's true weekly war cost
    endurance: FloatArray | None = None  # (N, A) war cost of full concession; NaN: deadline
    _theta: FloatArray | None = field(default=None, repr=False)

    @property
    def progress(self) -> float:
        """tau in [0, 1]: the share of the time to the concession deadline used up."""
        if self.clock is None:
            if self.max_rounds <= 1:
                return 1.0
            return min(max((self.round - 1) / (self.max_rounds - 1), 0.0), 1.0)
        return self.clock.progress(self.round)

    @property
    def elapsed(self) -> float:
        """Weeks from the start of the first round to the start of this one."""
        if self.clock is None:
            return float(self.round - 1)
        return self.clock.elapsed(self.round)

    def progress_of(self, actor: int) -> FloatArray | float:
        """tau of ``actor`` in every open world: the deadline clock's share of time used up, or
        with an endurance E the share of it already borne, min(1, c t / E) (c its weekly war
        cost, t the weeks of war so far; Zartman's hurting stalemate)."""
        if self.endurance is None or self.war_cost is None:
            return self.progress
        endurance = self.endurance[:, actor]
        on_cost = ~np.isnan(endurance)
        if not on_cost.any():
            return self.progress
        borne = self.war_cost[:, actor] * self.elapsed
        tau = np.minimum(borne / np.where(on_cost, endurance, 1.0), 1.0)
        result: FloatArray = np.where(on_cost, tau, self.progress)
        return result

    def equilibrium_thresholds(self) -> FloatArray:
        """The stationary equilibrium thresholds (N, L, A), computed once and then reused."""
        if self._theta is None:
            self._theta = self.equilibrium()
        return self._theta


Strategy = Callable[[ThresholdInputs, int], FloatArray]
"""A strategy: the threshold (N,) of actor ``a`` (second argument) in every open world."""
