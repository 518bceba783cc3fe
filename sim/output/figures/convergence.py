"""Figure: did the sweep run enough worlds?  P(agreement) and its 95% interval against the
number of worlds, per cell."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.statistics import wilson_interval
from sim.output.figures.base import FIGURE_WIDTH, _cell_frame, _cells, _label, _title, new_figure
from sim.output.palette import cell_colors

POINTS = 60


def running_agreement(agreed: np.ndarray, points: int = POINTS) -> tuple[np.ndarray, ...]:
    """Worlds n (log-spaced from 10, or 1 for under 100 worlds), P(agreement) over the first n worlds and its Wilson interval."""
    n_total = agreed.size
    start = 10 if n_total >= 100 else 1  # the first few worlds say nothing
    sizes = np.unique(np.geomspace(start, max(n_total, 1), points).astype(np.int64))
    hits = np.cumsum(agreed.astype(np.int64))[sizes - 1] if n_total else np.zeros(0, np.int64)
    bounds = np.array([wilson_interval(int(k), int(n)) for k, n in zip(hits, sizes, strict=True)])
    rate = hits / sizes
    return sizes, rate, bounds[:, 0], bounds[:, 1]


def convergence_plot(
    records: pd.DataFrame, *, labels: Mapping[int, str] | None = None, name: str = ""
) -> Figure:
    """P(agreement) over the first n worlds (in world order) with its 95% Wilson band, per
    cell, against n on a log axis: where the band is narrow enough, ``--runs`` was enough
    (Wilson 1927; the band narrows as 1/sqrt(n))."""
    fig = new_figure(FIGURE_WIDTH, 4.5)
    ax = fig.subplots()
    cells = _cells(records)
    for color, cell in zip(cell_colors(len(cells)), cells, strict=True):
        frame = _cell_frame(records, cell).sort_values("world")
        sizes, rate, low, high = running_agreement(frame["agreed"].to_numpy(dtype=bool))
        ax.fill_between(sizes, low, high, color=color, alpha=0.15, lw=0, gid=f"band:{cell}")
        final = f" → {100 * rate[-1]:.1f}% ± {50 * (high[-1] - low[-1]):.1f}" if rate.size else ""
        ax.plot(
            sizes, rate, color=color, lw=2, label=_label(labels, cell, 40) + final, gid=f"p:{cell}"
        )
    ax.set_xscale("log")
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("number of worlds (first n, in world order)")
    ax.set_ylabel("P(agreement) with 95% interval")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper right", fontsize="small", frameon=False)
    fig.suptitle(_title(name, "convergence of P(agreement)", records))
    return fig
