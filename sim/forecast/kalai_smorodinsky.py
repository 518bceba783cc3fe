"""The Kalai-Smorodinsky bargaining solution as a forecast.

Kalai & Smorodinsky (1975): the Pareto-optimal package at which every veto player gets the same
share (U_i - d_i) / (a_i - d_i) of its best possible gain a_i - d_i inside the deal space (d_i its
round-1 no-deal value).  No terms (NaN) when no package beats every veto player's no-deal value.
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
    """The Kalai-Smorodinsky package of the scenario's own numbers, (1, K)."""
    return solution_terms(scenario, options.weights, "kalai_smorodinsky")


register(
    Model(
        "kalai-smorodinsky",
        "equal share of each veto player's best gain (Kalai & Smorodinsky 1975)",
        predict,
    )
)
