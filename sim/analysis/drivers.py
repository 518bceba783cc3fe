"""Which sampled parameters drive agreement: binned agreement rates and a ranking."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.statistics import wilson_interval

# --------------------------------------------------------------------------------------------
# Drivers: agreement probability against each sampled parameter

DRIVER_COLUMNS = [
    "parameter",
    "bin",
    "low",
    "high",
    "center",
    "n",
    "agreed",
    "p_agreement",
    "ci_low",
    "ci_high",
]


def bin_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Quantile bin edges (equal counts), merged where ties make them coincide."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)))
    return edges if edges.size > 1 else np.array([edges[0], edges[0]])


def driver_table(df: pd.DataFrame, param_columns: Sequence[str], bins: int = 10) -> pd.DataFrame:
    """P(agreement) with a 95% Wilson interval per bin of each sampled parameter.

    Bins are quantiles of the sampled values (so each holds about N/bins worlds); a parameter
    with no more distinct values than ``bins`` gets one bin per value.  ``center`` is the mean
    parameter value in the bin.  Rows with a missing parameter value are left out.
    """
    rows: list[dict[str, Any]] = []
    agreed_all = df["agreed"].to_numpy(dtype=bool)
    for column in param_columns:
        if column not in df.columns:
            raise KeyError(f"no column {column!r}")
        values = df[column].to_numpy(dtype=float)
        finite = np.isfinite(values)
        values, agreed = values[finite], agreed_all[finite]
        if values.size == 0:
            continue
        distinct = np.unique(values)
        if distinct.size <= bins:
            index = np.searchsorted(distinct, values)
            ranges = [(float(v), float(v)) for v in distinct]
        else:
            edges = bin_edges(values, bins)
            index = np.clip(np.searchsorted(edges[1:-1], values, side="right"), 0, edges.size - 2)
            ranges = [(float(edges[i]), float(edges[i + 1])) for i in range(edges.size - 1)]
        for b, (low, high) in enumerate(ranges):
            inside = index == b
            n = int(inside.sum())
            if n == 0:
                continue
            k = int(agreed[inside].sum())
            ci_low, ci_high = wilson_interval(k, n)
            rows.append(
                {
                    "parameter": column,
                    "bin": b,
                    "low": low,
                    "high": high,
                    "center": float(values[inside].mean()),
                    "n": n,
                    "agreed": k,
                    "p_agreement": k / n,
                    "ci_low": ci_low,
                    "ci_high": ci_high,
                }
            )
    return pd.DataFrame(rows, columns=DRIVER_COLUMNS)


def signed_effects(df: pd.DataFrame, column: str) -> dict[int, float]:
    """Per cell, the signed Spearman rank correlation between a parameter and agreement
    (Spearman 1904): positive when higher values make a deal likelier.  Cells where either does
    not vary are left out."""
    cells = df["cell"] if "cell" in df.columns else pd.Series(0, index=df.index)
    effects: dict[int, float] = {}
    for cell in sorted(pd.unique(cells)):
        frame = df[cells == cell]
        values = frame[column].to_numpy(dtype=float)
        agreed = frame["agreed"].to_numpy(dtype=float)
        keep = np.isfinite(values)
        values, agreed = values[keep], agreed[keep]
        if values.size < 3 or np.ptp(values) == 0 or np.ptp(agreed) == 0:
            continue
        ranks = pd.Series(values).rank().to_numpy()
        agreed_ranks = pd.Series(agreed).rank().to_numpy()
        rho = float(np.corrcoef(ranks, agreed_ranks)[0, 1])
        if math.isfinite(rho):
            effects[int(cell)] = rho
    return effects


def rank_drivers(df: pd.DataFrame, param_columns: Sequence[str]) -> list[tuple[str, float]]:
    """Sampled parameters ordered by how strongly agreement moves with them.

    The score is the absolute Spearman rank correlation between the parameter and the agreement
    indicator, computed within each cell and taking the largest over cells (so a structural
    factor that differs between cells cannot create a spurious driver).  Parameters that do not
    vary, or cells where agreement does not vary, score 0.
    """
    scores: list[tuple[str, float]] = []
    for column in param_columns:
        best = max((abs(rho) for rho in signed_effects(df, column).values()), default=0.0)
        scores.append((column, best))
    return sorted(scores, key=lambda item: -item[1])


# --------------------------------------------------------------------------------------------
# Variance shares: how much of an outcome's variance each sampled parameter explains


def first_order_share(outcome: np.ndarray, values: np.ndarray, bins: int = 20) -> float:
    """First-order variance share of ``outcome`` explained by ``values``, from binned means.

    Var(E[Y | X]) / Var(Y) estimated from the conditional means of ``outcome`` in quantile bins
    of ``values`` (a parameter with at most ``bins`` distinct values gets one bin per value) --
    the "given data" estimator of the first-order Sobol index (Plischke, Borgonovo & Smith 2013).
    The between-bin sum of squares has expectation (B − 1)/(N − 1) of the total under no
    effect, so the share is corrected for it as an adjusted R² (epsilon squared, Kelley 1935)
    and floored at 0.  Returns 0 when the outcome does not vary.
    """
    y = np.asarray(outcome, dtype=float)
    x = np.asarray(values, dtype=float)
    keep = np.isfinite(y) & np.isfinite(x)
    y, x = y[keep], x[keep]
    n = y.size
    total = float(np.sum((y - y.mean()) ** 2)) if n else 0.0
    if n < 2 or total <= 0.0:
        return 0.0
    distinct = np.unique(x)
    if distinct.size <= bins:
        index = np.searchsorted(distinct, x)
        n_bins = distinct.size
    else:
        edges = bin_edges(x, bins)
        index = np.clip(np.searchsorted(edges[1:-1], x, side="right"), 0, edges.size - 2)
        n_bins = edges.size - 1
    counts = np.bincount(index, minlength=n_bins).astype(float)
    sums = np.bincount(index, weights=y, minlength=n_bins)
    filled = counts > 0
    between = float(np.sum(sums[filled] ** 2 / counts[filled]) - n * y.mean() ** 2)
    occupied = int(filled.sum())
    if occupied < 2:
        return 0.0
    chance = (occupied - 1) / (n - 1)
    return max(0.0, float((between / total - chance) / (1.0 - chance)))


def regression_r2(outcome: np.ndarray, columns: Sequence[np.ndarray]) -> float:
    """Adjusted R² of a least-squares fit of ``outcome`` on each column and its square.

    An additive quadratic response surface: the share of the variance that smooth main effects
    of all parameters together explain (interactions and sharp thresholds are left out).
    """
    y = np.asarray(outcome, dtype=float)
    keep = np.isfinite(y)
    design = [np.ones(y.size)]
    for column in columns:
        x = np.asarray(column, dtype=float)
        keep &= np.isfinite(x)
        if np.ptp(x[np.isfinite(x)]) > 0:
            z = (x - np.nanmean(x)) / np.nanstd(x)
            design += [z, z * z]
    matrix = np.column_stack(design)[keep]
    y = y[keep]
    n, k = matrix.shape
    total = float(np.sum((y - y.mean()) ** 2))
    if n <= k or total <= 0.0:
        return 0.0
    coef, *_ = np.linalg.lstsq(matrix, y, rcond=None)
    residual = float(np.sum((y - matrix @ coef) ** 2))
    return max(0.0, float(1.0 - (residual / (n - k)) / (total / (n - 1))))


# --------------------------------------------------------------------------------------------
# Paired effects: the same worlds under two settings (common random numbers)


def paired_difference(
    base: np.ndarray, variant: np.ndarray, z: float = 1.96
) -> tuple[float, float, float]:
    """Mean of variant − base over paired worlds, with a normal (CLT) interval.

    The worlds are the same in both arms, so the interval uses the spread of the per-world
    differences, not of each arm (the paired t interval; for 0/1 outcomes this is the
    difference of proportions for matched pairs, Newcombe 1998 method 10's large-sample form).
    """
    d = np.asarray(variant, dtype=float) - np.asarray(base, dtype=float)
    if d.size < 2:
        raise ValueError("need at least two paired worlds")
    mean = float(d.mean())
    half = z * float(d.std(ddof=1)) / math.sqrt(d.size)
    return mean, mean - half, mean + half


def paired_conditional_difference(
    base: np.ndarray,
    base_mask: np.ndarray,
    variant: np.ndarray,
    variant_mask: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Difference of two conditional means over paired worlds, with a paired bootstrap interval.

    E[variant | variant_mask] − E[base | base_mask] (e.g. the mean agreed term, over the worlds
    that agreed in each arm); worlds are resampled together in both arms (Efron & Tibshirani
    1993, ch. 13), and the interval is the 2.5-97.5% percentile range.  Returns NaNs when an arm
    has no selected world.
    """
    b, v = np.asarray(base, dtype=float), np.asarray(variant, dtype=float)
    bm, vm = np.asarray(base_mask, dtype=bool), np.asarray(variant_mask, dtype=bool)
    if not bm.any() or not vm.any():
        return math.nan, math.nan, math.nan
    point = float(v[vm].mean() - b[bm].mean())
    rng = np.random.default_rng(seed)
    n = b.size
    bw, vw = np.where(bm, b, 0.0), np.where(vm, v, 0.0)
    diffs = np.empty(n_boot)
    for i in range(n_boot):
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        diffs[i] = (counts @ vw) / max(counts @ vm, 1.0) - (counts @ bw) / max(counts @ bm, 1.0)
    low, high = np.percentile(diffs, [2.5, 97.5])
    return point, float(low), float(high)
