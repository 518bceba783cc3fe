"""Figure: a fan chart over rounds, per cell of a sweep: each actor's acceptance threshold and
no-deal value, the status quo on each issue (median, 50% and 90% bands over the worlds still
negotiating), and the cumulative share of worlds agreed with its 95% interval.

Colour means one thing in this figure: the actor.  The status quo's issues are black, told apart
by line style and named at their lines' ends; the share agreed is black.  Fan charts after Britton, Fisher & Whitley (1998).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.analysis.fan import FanData
from sim.core.records import CELL, RESERVATION, ROUND, STATUS_QUO, THRESHOLD
from sim.output.figures.base import (
    FIGURE_WIDTH,
    _label,
    _legend_below,
    _title,
    direct_labels,
    new_figure,
)
from sim.output.palette import STATUS_QUO_COLOR, actor_colors

ISSUE_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
"""Line styles of the status quo's issues (cycled beyond six)."""

PANELS = (
    (THRESHOLD, "acceptance threshold (utility)"),
    (RESERVATION, "no-deal value (utility)"),
    (STATUS_QUO, "status quo (0 to 1)"),
)
OUTER_ALPHA, INNER_ALPHA = 0.12, 0.3
MAX_FAN_CELLS = 6
"""Rows drawn at most (the first cells; ``parley plot --cell`` picks others)."""


def fan_plot(
    data: FanData,
    actors: Sequence[str],
    issues: Sequence[str],
    records: pd.DataFrame,
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
) -> Figure:
    """One row per cell (at most :data:`MAX_FAN_CELLS`): thresholds and no-deal values by actor, the status quo by issue, each
    as its median over rounds inside its 50% and 90% bands; then the share agreed by each round."""
    every = sorted(int(c) for c in data.agreed[CELL].unique())
    cells = every[:MAX_FAN_CELLS]
    fig = new_figure(FIGURE_WIDTH * 1.2, 1.4 + 2.2 * len(cells))
    grid = fig.subplots(len(cells), 4, squeeze=False, sharex=True)
    colors = actor_colors(list(actors))
    for row, cell in zip(grid, cells, strict=True):
        bands = data.bands[data.bands[CELL] == cell]
        for ax, (prefix, _) in zip(row, PANELS, strict=False):
            names = issues if prefix == STATUS_QUO else actors
            for index, member in enumerate(names):
                series = bands[bands["quantity"] == prefix + member]
                color = STATUS_QUO_COLOR if prefix == STATUS_QUO else colors[member]
                style = ISSUE_STYLES[index % len(ISSUE_STYLES)] if prefix == STATUS_QUO else "-"
                _fan(ax, series, color, style, f"{prefix}{member}:{cell}")
        _agreed(row[3], data.agreed[data.agreed[CELL] == cell], cell)
        row[0].set_ylabel(_label(labels, cell, 24), fontsize="medium")
    for ax, (_, what) in zip(grid[0], [*PANELS, (None, AGREED_TITLE)], strict=True):
        ax.set_title(what, fontsize="medium")
    _shared_axes(grid)
    for row, cell in zip(grid, cells, strict=True):  # after the y ranges are final
        _label_issues(row[2], data.bands, cell, issues)
    handles: list[Artist] = [Line2D([], [], color=colors[a], lw=2, label=a) for a in actors]
    handles += [
        Patch(color=STATUS_QUO_COLOR, alpha=INNER_ALPHA, label="50% of worlds"),
        Patch(color=STATUS_QUO_COLOR, alpha=OUTER_ALPHA, label="90% of worlds"),
    ]
    _legend_below(fig, handles, columns=6)
    what = "round by round, median and 50% / 90% bands over the worlds still negotiating"
    if len(cells) < len(every):
        what += f", first {len(cells)} of {len(every)} cells"
    fig.suptitle(_title(name, what, records, width=110))
    return fig


AGREED_TITLE = "share agreed by round (95% CI)"


def _label_issues(ax: Axes, bands: pd.DataFrame, cell: int, issues: Sequence[str]) -> None:
    """Name each issue's status-quo line at its last round; overlapping ones share a label."""
    points, last = [], 0.0
    for issue in issues:
        series = bands[(bands[CELL] == cell) & (bands["quantity"] == STATUS_QUO + issue)]
        if len(series):
            final = series.sort_values(ROUND).iloc[-1]
            points.append((float(final["q50"]), issue))
            last = max(last, float(final[ROUND]))
    direct_labels(ax, points, last)


def _fan(ax: Axes, series: pd.DataFrame, color: str, style: object, gid: str) -> None:
    series = series.sort_values(ROUND)
    x = series[ROUND].to_numpy()
    ax.fill_between(x, series["q05"], series["q95"], color=color, alpha=OUTER_ALPHA, lw=0)
    ax.fill_between(x, series["q25"], series["q75"], color=color, alpha=INNER_ALPHA, lw=0)
    ax.plot(x, series["q50"], color=color, ls=style, lw=1.6, gid=f"median:{gid}")


def _agreed(ax: Axes, agreed: pd.DataFrame, cell: int) -> None:
    x = agreed[ROUND].to_numpy()
    ax.fill_between(
        x, agreed["low"], agreed["high"], step="post", color=STATUS_QUO_COLOR, alpha=0.2, lw=0
    )
    ax.step(x, agreed["share"], where="post", color=STATUS_QUO_COLOR, lw=1.6, gid=f"agreed:{cell}")
    ax.set_ylim(0.0, 1.0)


def _shared_axes(grid: Any) -> None:
    """The same y range down each column (cells compare), integer rounds, labels at the bottom."""
    for column in range(4):
        axes = [row[column] for row in grid]
        low = min(ax.get_ylim()[0] for ax in axes)
        high = max(ax.get_ylim()[1] for ax in axes)
        for ax in axes:
            ax.set_ylim(low, high)
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[-1].set_xlabel("round")
