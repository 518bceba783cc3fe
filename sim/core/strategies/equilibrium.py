"""The equilibrium strategy: accept iff an offer is worth what rejecting is worth in equilibrium.

The stationary subgame-perfect acceptance thresholds of the bargaining game (Rubinstein 1982;
Binmore, Rubinstein & Wolinsky 1986; Baron & Ferejohn 1989), computed for all actors jointly by
value iteration in :mod:`sim.core.equilibrium`; with alternating offers the threshold depends on
the phase of the round in the proposer order.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import FloatArray
from sim.core.strategies.base import ThresholdInputs


def equilibrium(inputs: ThresholdInputs, actor: int) -> FloatArray:
    """The equilibrium threshold of ``actor`` in every open world at this round's phase.

    With a private no-deal value b (true) against the public b_pub, the actor keeps the public
    continuation value and values a failed round by its own b:
    theta = max(b, theta_pub + slope * (b - b_pub)), slope = P (+ (1 - P)(1 - delta) when fighting),
    P = h + q - hq the breakdown risk after a refusal.
    """
    theta = inputs.equilibrium_thresholds()
    phase = (inputs.round - 1) % theta.shape[1]
    result: FloatArray = theta[:, phase, actor]
    public, slope = inputs.public_reservation, inputs.slope
    if public is None or slope is None:
        return result
    own = inputs.reservation[:, actor]
    gap = own - public[:, actor]
    shifted: FloatArray = np.where(
        gap != 0.0, np.maximum(own, result + slope[:, actor] * gap), result
    )
    return shifted
