"""The compromise model: capability x salience weighted mean (and median) of positions per issue.

Stokman & van den Bos (1992); van den Bos (1991); in the forecasting comparisons of Thomson,
Stokman, Achen & Koenig (2006, *The European Union Decides*) this simple mean is the benchmark
the elaborate models find hard to beat.  Per issue k: x_k = sum_i c_i s_ik p_ik / sum_i c_i s_ik.
The weighted median is the position at which the actors' c_i s_ik weight, sorted by position,
first reaches half of the total -- the pairwise-vote (Condorcet) winner when votes are weighted
by c_i s_ik and fall linearly with distance (Black 1948).  An actor with zero salience on an issue
carries no weight there; an issue nobody cares about stays at its status quo.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.core.batch import WorldBatch
from sim.forecast.registry import Model, Options, register
from sim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]


def compromise_weights(batch: WorldBatch) -> FloatArray:
    """c_i s_ik for every world, actor and issue, (N, A, K)."""
    result: FloatArray = batch.capability[:, :, None] * batch.salience
    return result


def weighted_mean_terms(position: FloatArray, weight: FloatArray) -> FloatArray:
    """sum_i w_ik p_ik / sum_i w_ik over the actor axis of (N, A, K) arrays (NaN if no weight)."""
    total = weight.sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    result: FloatArray = np.where(total > 0, (weight * position).sum(axis=1) / safe, np.nan)
    return result


def weighted_median_terms(position: FloatArray, weight: FloatArray) -> FloatArray:
    """The lowest position whose cumulative weight reaches half the total, (N, K) (NaN if none)."""
    order = np.argsort(position, axis=1, kind="stable")
    sorted_position = np.take_along_axis(position, order, axis=1)
    cumulative = np.cumsum(np.take_along_axis(weight, order, axis=1), axis=1)
    total = cumulative[:, -1:, :]
    reached = cumulative >= 0.5 * total * (1.0 - 1e-12)
    first = np.argmax(reached, axis=1)[:, None, :]
    median = np.take_along_axis(sorted_position, first, axis=1)[:, 0, :]
    result: FloatArray = np.where(total[:, 0, :] > 0, median, np.nan)
    return result


def _status_quo_where_missing(terms: FloatArray, batch: WorldBatch) -> FloatArray:
    result: FloatArray = np.where(np.isnan(terms), batch.status_quo, terms)
    return result


def predict_mean(scenario: Scenario, batch: WorldBatch, options: Options) -> FloatArray:
    """The compromise model's terms for every world of the batch, (N, K)."""
    terms = weighted_mean_terms(batch.position, compromise_weights(batch))
    return _status_quo_where_missing(terms, batch)


def predict_median(scenario: Scenario, batch: WorldBatch, options: Options) -> FloatArray:
    """The weighted-median terms for every world of the batch, (N, K)."""
    terms = weighted_median_terms(batch.position, compromise_weights(batch))
    return _status_quo_where_missing(terms, batch)


register(
    Model(
        "compromise",
        "capability x salience weighted mean of positions (Stokman & van den Bos 1992)",
        predict_mean,
        per_world=True,
    )
)
register(
    Model(
        "weighted-median",
        "capability x salience weighted median of positions (Black 1948)",
        predict_median,
        per_world=True,
    )
)
