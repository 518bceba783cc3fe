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


def rank_drivers(df: pd.DataFrame, param_columns: Sequence[str]) -> list[tuple[str, float]]:
    """Sampled parameters ordered by how strongly agreement moves with them.

    The score is the absolute Spearman rank correlation between the parameter and the agreement
    indicator, computed within each cell and taking the largest over cells (so a structural
    factor that differs between cells cannot create a spurious driver).  Parameters that do not
    vary, or cells where agreement does not vary, score 0.
    """
    cells = df["cell"] if "cell" in df.columns else pd.Series(0, index=df.index)
    scores: list[tuple[str, float]] = []
    for column in param_columns:
        best = 0.0
        for cell in pd.unique(cells):
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
                best = max(best, abs(rho))
        scores.append((column, best))
    return sorted(scores, key=lambda item: -item[1])
