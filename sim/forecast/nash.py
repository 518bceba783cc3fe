"""The asymmetric Nash bargaining solution as a forecast.

Nash (1950); Kalai (1977) for the weighted form: argmax_x sum_i w_i log(U_i(x) - d_i) over the
packages x in [0, 1]^K every veto player prefers to no deal (d_i its round-1 no-deal value).
Binmore, Rubinstein & Wolinsky (1986): the limit of alternating offers as the time between offers
(or the risk of breakdown) vanishes, with weights proportional to 1 / r_i for discount rates r_i.
No terms (NaN) when no package beats every veto player's no-deal value.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.core.batch import WorldBatch
from sim.forecast.axiomatic import solution_terms
from sim.forecast.registry import Model, Options, register
from sim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]


def predict(scenario: Scenario, batch: WorldBatch, options: Options) -> FloatArray:
    """The Nash package of the scenario's own numbers, (1, K)."""
    return solution_terms(scenario, options.weights, "nash")


register(Model("nash", "asymmetric Nash bargaining solution (Nash 1950; Kalai 1977)", predict))
