"""Acceptance thresholds: how much utility an actor demands from a deal in a given round.

Two strategies, each a small pure function of arrays with a leading world axis:

* ``concession`` -- the time-dependent tactics of Faratin, Sierra & Jennings (1998, "Negotiation
  decision functions for autonomous agents"): the demanded utility falls from the actor's ideal
  utility (1) to its reservation utility at the deadline along the curve 1 - tau ** (1 / beta),
  tau = (round - 1) / (max_rounds - 1).  beta < 1 is Boulware (holds firm until late), beta > 1 is
  Conceder, beta = 1 concedes linearly.
* ``equilibrium`` -- the stationary subgame-perfect acceptance thresholds of the bargaining game
  (Rubinstein 1982; Binmore, Rubinstein & Wolinsky 1986; Baron & Ferejohn 1989), computed by value
  iteration in :mod:`sim.equilibrium`.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import FloatArray


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
    tau = concession_progress(round_, max_rounds)
    remaining = 1.0 - np.power(tau, 1.0 / beta)
    result: FloatArray = reservation + (1.0 - reservation) * remaining
    return result
