"""Priors as quantile functions: a design's unit-hypercube point to parameter values.

Every prior of :mod:`sim.experiment.sampling` maps one open uniform per lane to a value by its inverse CDF,
so a designed point ``u`` (Latin, Saltelli, Morris; :mod:`sim.experiment.designs`) becomes a draw from the
same priors a Monte Carlo sweep samples: uniform, triangular, truncated normal and choice by the
transforms :mod:`sim.experiment.sampling` already uses; beta by the regularised incomplete beta inverse;
a Dirichlet table by independent gamma quantiles, normalised (Devroye 1986, ch. 9), so its K
lanes are one K-dimensional input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import special

from sim.distributions.inversion import choice_quantile, triangular_quantile
from sim.experiment.designs import DesignName, Factor, unit_points
from sim.experiment.priors import Beta, Choice, Dirichlet, Normal, Triangular, Uniform
from sim.experiment.sampling import (
    Parameter,
    _bases,
    _centre,
    _truncated_normal,
    sample,
)

FloatArray = NDArray[np.float64]


def factors_of(parameters: Sequence[Parameter]) -> list[Factor]:
    """The design factors of a cell's parameters: a Dirichlet table is one factor of K lanes,
    any other table one factor per lane, a scalar one factor."""
    factors: list[Factor] = []
    for parameter in parameters:
        if isinstance(parameter.prior, Dirichlet) or not parameter.field.lanes:
            factors.append(Factor(parameter.path, parameter.field.width, parameter.stream))
        else:
            for lane_index, lane in enumerate(parameter.field.lanes):
                # Distinct streams per lane, so each lane gets its own Latin strata.
                stream = (parameter.stream + 7919 * (lane_index + 1)) & 0x7FFF_FFFF
                factors.append(Factor(f"{parameter.path}.{lane}", 1, stream))
    return factors


def quantile(parameter: Parameter, u: FloatArray) -> FloatArray:
    """The prior's values at the open uniforms ``u`` (N, width): shape (N,) or (N, K)."""
    prior, field = parameter.prior, parameter.field
    if isinstance(prior, Dirichlet):
        alpha = prior.concentration * np.array(_bases(field), dtype=np.float64)
        safe = np.where(alpha > 0.0, alpha, 1.0)
        gammas = np.where(alpha[None, :] > 0.0, special.gammaincinv(safe[None, :], u), 0.0)
        total = gammas.sum(axis=1, keepdims=True)
        centre = alpha / alpha.sum()
        values = np.where(total > 0.0, gammas / np.where(total > 0.0, total, 1.0), centre)
    elif isinstance(prior, Beta):
        mean = _centre(prior.mean, field)
        values = special.betaincinv(
            mean[None, :] * prior.concentration, (1.0 - mean[None, :]) * prior.concentration, u
        )
    elif isinstance(prior, Uniform):
        values = prior.low + (prior.high - prior.low) * u
    elif isinstance(prior, Triangular):
        values = triangular_quantile(prior.low, prior.mode, prior.high, u)
    elif isinstance(prior, Normal):
        values = _truncated_normal(_centre(prior.mean, field), prior.sd, field.range, u)
    elif isinstance(prior, Choice):
        values = choice_quantile(prior.values, prior.weights, u)
    else:  # pragma: no cover - the prior union is closed
        raise TypeError(f"no quantile function for {type(prior).__name__}")
    values = field.range.clip(np.asarray(values, dtype=np.float64))
    if field.kind == "scalar":
        return np.ascontiguousarray(values[:, 0])
    return np.ascontiguousarray(values)


def sample_design(
    design: DesignName,
    parameters: Sequence[Parameter],
    seed: int,
    runs: int,
    worlds: NDArray[np.int64],
) -> dict[str, FloatArray]:
    """Every parameter's values for ``worlds`` under ``design`` (path -> (N,) or (N, K)).

    ``monte-carlo`` is :func:`sim.experiment.sampling.sample` (each parameter its own stream); the other
    designs map their unit points through :func:`quantile`.
    """
    if design == "monte-carlo":
        return sample(parameters, seed, worlds)
    factors = factors_of(parameters)
    u = unit_points(design, factors, seed, runs, worlds)
    values: dict[str, FloatArray] = {}
    start = 0
    for parameter in parameters:
        width = parameter.field.width
        values[parameter.path] = quantile(
            parameter, np.ascontiguousarray(u[:, start : start + width])
        )
        start += width
    return values


__all__ = ["factors_of", "quantile", "sample_design"]
