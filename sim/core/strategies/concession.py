"""The concession strategy: a threshold falling from 1 to the no-deal value by the deadline.

The time-dependent tactics of Faratin, Sierra & Jennings (1998, "Negotiation decision functions
for autonomous agents"): the demanded utility falls from the actor's ideal utility (1) to its
reservation utility at the deadline along the curve 1 - tau ** (1 / beta), tau the share of the
time to the deadline used up (:mod:`sim.core.clock`: elapsed weeks over the deadline in weeks;
without a deadline, (round - 1) / (max_rounds - 1)).  beta < 1 is Boulware (holds firm until late), beta > 1 is
Conceder, beta = 1 concedes linearly.

With an ``endurance`` E the curve runs on the war's accumulated cost instead of the calendar:
tau = min(1, c t / E), c the actor's weekly war cost and t the weeks of war so far -- Faratin et
al.'s resource-dependent tactic with the war's cost as the resource, and Zartman's (1989, 2000)
"hurting stalemate": a side concedes as the war hurts it, so one that bleeds twice as fast reaches
its no-deal value in half the time.
"""

from __future__ import annotations

from sim import elementary
from sim.arrays import FloatArray
from sim.core.strategies.base import ThresholdInputs


def concession_progress(round_: int, max_rounds: int) -> float:
    """tau in [0, 1]: the share of the negotiation's time used up at the start of ``round_``."""
    if max_rounds <= 1:
        return 1.0
    return min(max((round_ - 1) / (max_rounds - 1), 0.0), 1.0)


def concession_threshold(
    reservation: FloatArray, beta: FloatArray, round_: int, max_rounds: int
) -> FloatArray:
    """Faratin-style time-dependent threshold, elementwise over any array shape.

    threshold = reservation + (1 - reservation) * (1 - tau ** (1 / beta)).
    """
    return threshold_at(reservation, beta, concession_progress(round_, max_rounds))


def remaining_demand(beta: FloatArray, tau: FloatArray | float) -> FloatArray:
    """g = 1 - tau ** (1 / beta): the share of the way from the no-deal value to 1 still asked."""
    result: FloatArray = 1.0 - elementary.power(tau, 1.0 / beta)
    return result


def threshold_at(reservation: FloatArray, beta: FloatArray, tau: FloatArray | float) -> FloatArray:
    """The concession threshold at progress tau: reservation + (1 - reservation) * g."""
    result: FloatArray = reservation + (1.0 - reservation) * remaining_demand(beta, tau)
    return result


def concession(inputs: ThresholdInputs, actor: int) -> FloatArray:
    """The concession threshold of ``actor`` in every open world (Faratin et al. 1998)."""
    return threshold_at(
        inputs.reservation[:, actor], inputs.beta[:, actor], inputs.progress_of(actor)
    )
