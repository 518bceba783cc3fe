"""The equilibrium strategy: accept iff an offer is worth what rejecting is worth in equilibrium.

The stationary subgame-perfect acceptance thresholds of the bargaining game (Rubinstein 1982;
Binmore, Rubinstein & Wolinsky 1986; Baron & Ferejohn 1989), computed for all actors jointly by
value iteration in :mod:`sim.core.equilibrium`; with alternating offers the threshold depends on
the phase of the round in the proposer order.
"""

from __future__ import annotations

from sim.arrays import FloatArray
from sim.core.strategies.base import ThresholdInputs


def equilibrium(inputs: ThresholdInputs, actor: int) -> FloatArray:
    """The equilibrium threshold of ``actor`` in every open world at this round's phase."""
    theta = inputs.equilibrium_thresholds()
    phase = (inputs.round - 1) % theta.shape[1]
    result: FloatArray = theta[:, phase, actor]
    return result
