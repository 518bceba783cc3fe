"""Global sensitivity indices of one outcome over a sweep's worlds (SALib).

Pure functions from arrays (a design's outcomes in world order, its factors) to a table with one
row per factor, ranked by importance:

- :func:`sobol_indices`: first-order and total Sobol' indices with bootstrap confidence intervals
  (Sobol' 2001; Saltelli et al. 2010 estimators, as SALib's ``sobol.analyze``) from a Saltelli
  design (:mod:`sim.experiment.designs`), read block by block.
- :func:`morris_indices`: Morris (1991) elementary effects, mu* (Campolongo, Cariboni & Saltelli
  2007) with its bootstrap interval and sigma, from a Morris design.
- :func:`pawn_indices`: the distribution-free PAWN index (Pianosi & Wagener 2015): the
  Kolmogorov-Smirnov distance between the outcome's distribution in each of ``slices``
  conditioning slices of a factor and its unconditional distribution, summarised by the median
  over slices, for any sample (a Monte Carlo sweep included).  Its interval is the range over
  slices; ``threshold`` is the two-sample KS critical value at 95% for a slice against the whole
  sample: a factor whose maximum stays below it is indistinguishable from one the model ignores.

A Sobol design has one more factor, ``chance``: the model's own randomness (which round a
breakdown strikes, who proposes, how the front moves), whose indices say how much of the outcome
is luck given the inputs (:func:`sim.experiment.designs.noise_worlds`).

A factor is a group of lanes (:class:`sim.experiment.designs.Factor`): a Dirichlet salience table is one
factor, because its entries sum to one and cannot vary alone (SALib ``groups``).  PAWN conditions
on one lane at a time, so a table's PAWN index is the mean over its lanes (SALib's rule for
groups).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.experiment.designs import Factor, rows_per_block

FloatArray = NDArray[np.float64]
Method = Literal["sobol", "morris", "pawn"]
METHODS: tuple[Method, ...] = ("sobol", "morris", "pawn")
RESAMPLES = 200
"""Bootstrap resamples for the Sobol' and Morris confidence intervals."""
CONF_LEVEL = 0.95
CHANCE = "chance (the model's own draws)"
"""The name of the Sobol design's chance factor in a table of indices."""
PAWN_SLICES = 10
KS_C_ALPHA_95 = 1.358
"""c(0.05) of the two-sample Kolmogorov-Smirnov critical value c(alpha) sqrt((n + m) / (n m))."""


class SensitivityInputError(ValueError):
    """The outcome or the design cannot give the indices asked for (a readable reason)."""


def _problem(factors: Sequence[Factor]) -> dict[str, Any]:
    names = [f"{f.name}[{lane}]" for f in factors for lane in range(f.width)]
    groups = [f.name for f in factors for _ in range(f.width)]
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[0.0, 1.0]] * len(names),
        "groups": groups,
    }


def _finite(y: FloatArray, what: str) -> FloatArray:
    values = np.asarray(y, dtype=np.float64)
    missing = int(np.count_nonzero(~np.isfinite(values)))
    if missing:
        raise SensitivityInputError(
            f"{what} has no value in {missing:,} of {values.size:,} worlds "
            "(a term is undefined without a deal); variance-based indices need a value in every "
            "world: analyse 'agreed' instead, or use --method pawn (over the worlds that agreed)"
        )
    return values


def _ranked(
    factors: Sequence[Factor], result: Mapping[str, Any], keys: Sequence[str], rank_by: str
) -> pd.DataFrame:
    """SALib's result as a table, one row per factor, most important first."""
    table = pd.DataFrame({"factor": [f.name for f in factors]})
    for key in keys:
        table[key] = np.asarray(result[key], dtype=float)
    return table.sort_values(rank_by, ascending=False, kind="stable").reset_index(drop=True)


def _blocks(y: FloatArray, factors: Sequence[Factor], design: Literal["sobol", "morris"]) -> int:
    """The outcome's worlds in complete Saltelli blocks or Morris trajectories (at least two)."""
    step = rows_per_block(design, len(factors))
    blocks = y.size // step
    if blocks < 2:
        kind = "blocks" if design == "sobol" else "trajectories"
        raise SensitivityInputError(
            f"a {design.capitalize()} analysis of {len(factors)} factors needs at least "
            f"{2 * step} worlds (two {kind} of {step}); this sweep has {y.size}"
        )
    return blocks * step


def _constant(y: FloatArray) -> bool:
    return bool(y.size == 0 or np.ptp(y) == 0.0)


def sobol_indices(
    y: FloatArray,
    factors: Sequence[Factor],
    *,
    resamples: int = RESAMPLES,
    conf_level: float = CONF_LEVEL,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of ``y`` (a Saltelli design's outcomes, world order).

    Uses the complete blocks of G + 3 worlds (a trailing partial block is left out); the table
    has a row for each factor and one for :data:`CHANCE`.  Columns:
    ``factor``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of the ``conf_level``
    bootstrap intervals), ranked by ``ST``.
    """
    from SALib.analyze import sobol

    values = _finite(y, "the outcome")
    values = values[: _blocks(values, factors, "sobol")]
    factors = [*factors, Factor(CHANCE, 1, 0)]
    if _constant(values):
        raise SensitivityInputError("the outcome is the same in every world: nothing to explain")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = sobol.analyze(
            _problem(factors),
            values,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=conf_level,
            seed=seed + 1,  # SALib treats seed 0 as "no seed" and would use the global RNG
        )
    return _ranked(factors, result, ("S1", "S1_conf", "ST", "ST_conf"), "ST")


def morris_indices(
    grid: FloatArray,
    y: FloatArray,
    factors: Sequence[Factor],
    *,
    levels: int,
    resamples: int = RESAMPLES,
    conf_level: float = CONF_LEVEL,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris mu, mu* (with its bootstrap interval) and sigma of ``y`` per factor.

    ``grid`` holds the design's grid points in [0, 1] (:func:`sim.experiment.designs.morris_grid`) for the
    same worlds; complete trajectories only.  Effects are per unit of the grid (the whole prior
    range, in probability), so factors with different units compare.  Ranked by ``mu_star``.
    """
    from SALib.analyze import morris

    values = _finite(y, "the outcome")
    rows = _blocks(values, factors, "morris")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = morris.analyze(
            _problem(factors),
            np.ascontiguousarray(grid[:rows], dtype=np.float64),
            values[:rows],
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=seed,
        )
    return _ranked(factors, result, ("mu", "mu_star", "mu_star_conf", "sigma"), "mu_star")


def pawn_threshold(n_worlds: int, slices: int = PAWN_SLICES) -> float:
    """The 95% two-sample KS critical distance between a slice of n/slices worlds and all n."""
    n = max(1, n_worlds // slices)
    return KS_C_ALPHA_95 * math.sqrt((n + n_worlds) / (n * n_worlds))


def pawn_indices(
    x: FloatArray,
    y: FloatArray,
    factors: Sequence[Factor],
    *,
    slices: int = PAWN_SLICES,
) -> pd.DataFrame:
    """PAWN indices of ``y`` given inputs ``x`` (N, lanes); NaN outcomes are left out.

    Columns: ``factor``, ``median`` (the index), ``minimum``, ``maximum`` (over slices),
    ``threshold`` (see the module docstring), ranked by ``median``.
    """
    from SALib.analyze import pawn

    values = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(values)
    inputs = np.asarray(x, dtype=np.float64)[keep]
    values = values[keep]
    if values.size < 2 * slices:
        raise SensitivityInputError(
            f"PAWN with {slices} slices needs at least {2 * slices} worlds with a value; "
            f"there are {values.size}"
        )
    if _constant(values):
        raise SensitivityInputError("the outcome is the same in every world: nothing to explain")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = pawn.analyze(_problem(factors), inputs, values, S=slices)
    table = _ranked(factors, result, ("median", "minimum", "maximum"), "median")
    table["threshold"] = pawn_threshold(values.size, slices)
    return table


__all__ = [
    "CHANCE",
    "CONF_LEVEL",
    "METHODS",
    "PAWN_SLICES",
    "RESAMPLES",
    "Method",
    "SensitivityInputError",
    "morris_indices",
    "pawn_indices",
    "pawn_threshold",
    "sobol_indices",
]
