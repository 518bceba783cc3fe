"""Figure: joint distribution of agreed terms on two issues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.core.records import TERM
from sim.output.figures.base import (
    FIGURE_WIDTH,
    UNIT_TICKS,
    AnyFigure,
    _cell_frame,
    _cells,
    _grid,
    _issue_names,
    _label,
    _legend_below,
    _root,
    _title,
    issue_label,
    new_figure,
    panel_grid,
)
from sim.output.palette import GREY, STATUS_QUO_COLOR, actor_colors
from sim.scenario.schema import Scenario

MAX_JOINT_PANELS = 6


# --------------------------------------------------------------------------------------------
# Joint distribution of two issues


def default_joint_issues(issues: Sequence[str]) -> tuple[str, str]:
    """Territory against sanctions when both exist, else the first two issues."""
    if "territory" in issues and "sanctions" in issues:
        return "territory", "sanctions"
    if len(issues) < 2:
        raise ValueError("a joint plot needs at least two issues")
    return issues[0], issues[1]


def joint_plot(
    records: pd.DataFrame,
    scenario: Scenario,
    *,
    issues: tuple[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    fig: AnyFigure | None = None,
) -> Figure:
    """Hexbin of two issues' agreed terms, one panel per cell (at most six cells)."""
    x_issue, y_issue = issues or default_joint_issues(_issue_names(scenario, records))
    cells = _cells(records)
    shown = cells[:MAX_JOINT_PANELS]
    rows, columns = _grid(len(shown), 3)
    if fig is None:
        fig = new_figure(
            FIGURE_WIDTH if columns > 1 else 7.5, 2.0 + (3.2 if columns > 1 else 4.4) * rows
        )
    axes = panel_grid(fig, len(shown), 3, sharex=True, sharey=True)
    a_colors = actor_colors(scenario.actor_names)
    counts: list[Any] = []
    for ax, cell in zip(axes, shown, strict=True):
        frame = _cell_frame(records, cell)
        frame = frame[frame["agreed"].astype(bool)]
        x = frame[TERM + x_issue].to_numpy(dtype=float)
        y = frame[TERM + y_issue].to_numpy(dtype=float)
        keep = np.isfinite(x) & np.isfinite(y)
        if keep.any():
            counts.append(
                ax.hexbin(
                    x[keep],
                    y[keep],
                    gridsize=24,
                    extent=(0, 1, 0, 1),
                    mincnt=1,
                    cmap="viridis",
                    gid=f"joint:{cell}",
                )
            )
        else:
            ax.text(0.5, 0.5, "no agreements", ha="center", va="center", color=GREY)
        for actor, spec in scenario.actors.items():
            if x_issue in spec.position and y_issue in spec.position:
                ax.plot(
                    spec.position[x_issue],
                    spec.position[y_issue],
                    marker="o",
                    ms=8,
                    color=a_colors[actor],
                    markeredgecolor="white",
                    clip_on=False,
                )
        if x_issue in scenario.issues and y_issue in scenario.issues:
            ax.plot(
                scenario.issues[x_issue].status_quo,
                scenario.issues[y_issue].status_quo,
                marker="X",
                ms=10,
                color=STATUS_QUO_COLOR,
                markeredgecolor="white",
                clip_on=False,
            )
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xticks(*UNIT_TICKS)
        ax.set_yticks(*UNIT_TICKS)
        ax.set_aspect("equal")
        if len(shown) > 1:
            ax.set_title(_label(labels, cell, 34), fontsize="medium")
        ax.set_xlabel(issue_label(scenario, x_issue, 30 if columns > 2 else 52))
        ax.set_ylabel(issue_label(scenario, y_issue, 44))
    for ax in axes:
        ax.label_outer()
    if counts:
        bar = fig.colorbar(counts[-1], ax=axes, shrink=0.8)
        bar.set_label("agreed worlds per hexagon")
    handles: list[Any] = [
        Line2D([], [], ls="", marker="o", ms=8, color=a_colors[a], label=f"ideal point: {a}")
        for a in scenario.actor_names
    ]
    handles.append(
        Line2D([], [], ls="", marker="X", ms=9, color=STATUS_QUO_COLOR, label="status quo")
    )
    _legend_below(fig, handles, columns=len(handles) if columns > 1 else 3)
    more = f", first {len(shown)} of {len(cells)} cells" if len(shown) < len(cells) else ""
    fig.suptitle(_title(name, f"agreed {x_issue} vs {y_issue}{more}", records))
    return _root(fig)
