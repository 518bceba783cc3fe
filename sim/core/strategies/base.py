"""What a strategy sees when it sets an actor's threshold: the round's no-deal values and more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sim.arrays import FloatArray


@dataclass
class ThresholdInputs:
    """One round's inputs to every strategy, over the open worlds (rows) and actors (columns).

    ``equilibrium`` computes the stationary equilibrium thresholds (N, L, A) of all actors jointly;
    it is called at most once a round, by the first strategy that needs it.
    """

    reservation: FloatArray  # (N, A) no-deal values this round
    beta: FloatArray  # (N, A) concession exponents
    round: int
    max_rounds: int
    equilibrium: Callable[[], FloatArray]
    _theta: FloatArray | None = field(default=None, repr=False)

    def equilibrium_thresholds(self) -> FloatArray:
        """The stationary equilibrium thresholds (N, L, A), computed once and then reused."""
        if self._theta is None:
            self._theta = self.equilibrium()
        return self._theta


Strategy = Callable[[ThresholdInputs, int], FloatArray]
"""A strategy: the threshold (N,) of actor ``a`` (second argument) in every open world."""
