"""Figure: when negotiations end (round) and how (agreement, breakdown, deadline)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.output.figures.base import (
    FIGURE_WIDTH,
    AnyFigure,
    _cell_frame,
    _cells,
    _label,
    _root,
    _title,
    new_figure,
)
from sim.output.palette import GREY, cell_colors
from sim.scenario.schema import Scenario

# --------------------------------------------------------------------------------------------
# Timing


def timing_plot(
    records: pd.DataFrame,
    scenario: Scenario,
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Cumulative share of worlds that have agreed by each round, per cell.

    The curves are the empirical CDF of the agreement round scaled by P(agreement), so each
    ends at its cell's agreement rate.
    """
    if ax is None:
        fig: AnyFigure = new_figure(FIGURE_WIDTH, 4.5)
        ax = fig.subplots()
    else:
        parent = ax.get_figure()
        assert parent is not None
        fig = parent
    cells = _cells(records)
    max_round = max(
        int(records["round"].max()) if len(records) else 1, scenario.protocol.max_rounds
    )
    grid = np.arange(0, max_round + 1)
    for color, cell in zip(cell_colors(len(cells)), cells, strict=True):
        frame = _cell_frame(records, cell)
        rounds = np.sort(frame.loc[frame["agreed"].astype(bool), "round"].to_numpy(dtype=float))
        share = np.searchsorted(rounds, grid, side="right") / max(len(frame), 1)
        ax.step(
            grid,
            share,
            where="post",
            color=color,
            lw=2,
            label=_label(labels, cell, 40),
            gid=f"timing:{cell}",
        )
    ax.axvline(
        scenario.protocol.max_rounds,
        color=GREY,
        ls=":",
        lw=1.5,
        label=f"deadline (round {scenario.protocol.max_rounds})",
    )
    ax.set_xlim(0, max_round + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("round")
    ax.set_ylabel("share of worlds agreed by this round")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    fig.suptitle(_title(name, "time to agreement", records))
    return _root(fig)
