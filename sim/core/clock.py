"""Time in weeks: how long a round lasts and when the parties' deadline falls.

A round lasts ``round_weeks`` weeks (a scenario fact).  Every per-period number of a scenario is
per week: the discount factor, the breakdown hazard, the drift and volatility of the status quo.
Per round they become

    delta_round = delta ** w,   p_round = 1 - (1 - h) ** w,   mu_round = mu w,   sigma_round = sigma sqrt(w)

(w = round_weeks; geometric discounting, a constant weekly hazard, a random walk with independent
weekly steps).  A concession curve runs on elapsed time, tau = elapsed weeks / deadline weeks,
capped at 1 (Faratin, Sierra & Jennings 1998 with the deadline t_max in weeks), so the deadline is
a fact about the parties, not the unit of the simulation's clock: ``max_rounds`` only says how long
the simulation follows the talks.  Without a ``deadline_weeks`` the deadline is the last round,
(max_rounds - 1) w weeks after the first, which is the round-counting clock of before; with
w = 1 every conversion is the identity, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import elementary
from sim.arrays import FloatArray


@dataclass(frozen=True)
class Clock:
    """The length of a round and the concession deadline, in weeks."""

    round_weeks: float = 1.0
    deadline_weeks: float | None = None
    max_rounds: int = 1

    @property
    def deadline(self) -> float:
        """The concession deadline in weeks after the first round."""
        if self.deadline_weeks is not None:
            return float(self.deadline_weeks)
        return (self.max_rounds - 1) * self.round_weeks

    def elapsed(self, round_: int) -> float:
        """Weeks from the start of the first round to the start of ``round_``."""
        return (round_ - 1) * self.round_weeks

    def progress(self, round_: int) -> float:
        """tau in [0, 1]: the share of the time to the deadline used up at ``round_``."""
        deadline = self.deadline
        if deadline <= 0:
            return 1.0
        return min(max(self.elapsed(round_) / deadline, 0.0), 1.0)

    def discount(self, weekly: FloatArray) -> FloatArray:
        """Per-round discount factors from weekly ones."""
        if self.round_weeks == 1.0:
            return weekly
        result: FloatArray = elementary.power(weekly, self.round_weeks)
        return result

    def breakdown(self, weekly: FloatArray) -> FloatArray:
        """Per-round probabilities that failed talks collapse, from a weekly hazard."""
        if self.round_weeks == 1.0:
            return weekly
        result: FloatArray = -elementary.expm1(self.round_weeks * elementary.log1p(-weekly))
        return result

    def drift(self, weekly: FloatArray) -> FloatArray:
        """Per-round drift of the status quo from a weekly one."""
        if self.round_weeks == 1.0:
            return weekly
        result: FloatArray = weekly * self.round_weeks
        return result

    def volatility(self, weekly: FloatArray) -> FloatArray:
        """Per-round volatility of the status quo from a weekly one (independent weekly steps)."""
        if self.round_weeks == 1.0:
            return weekly
        result: FloatArray = weekly * np.sqrt(self.round_weeks)
        return result
