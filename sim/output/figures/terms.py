"""Figure: distribution of the agreed terms on each issue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

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
    issue_ends,
    new_figure,
    panel_grid,
)
from sim.output.palette import GREY, STATUS_QUO_COLOR, actor_colors, cell_colors
from sim.scenario.schema import Scenario

# --------------------------------------------------------------------------------------------
# Agreed terms


def terms_plot(
    records: pd.DataFrame,
    scenario: Scenario,
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    fig: AnyFigure | None = None,
    bins: int = 40,
) -> Figure:
    """One panel per issue: histogram of agreed terms per cell, ideal points and status quo."""
    issues = _issue_names(scenario, records)
    if not issues:
        raise ValueError("the records have no term.<issue> columns")
    cells = _cells(records)
    rows, _ = _grid(len(issues), 2)
    if fig is None:
        fig = new_figure(FIGURE_WIDTH, 1.6 + 3.0 * rows + 0.25 * len(scenario.actors))
    axes = panel_grid(fig, len(issues), 2)
    colors = cell_colors(len(cells))
    actors = scenario.actor_names
    a_colors = actor_colors(actors)
    edges = np.linspace(0.0, 1.0, bins + 1).tolist()
    for ax, issue in zip(axes, issues, strict=True):
        drawn = False
        for color, cell in zip(colors, cells, strict=True):
            values = _cell_frame(records, cell)[TERM + issue].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if values.size == 0:
                continue
            drawn = True
            ax.hist(
                values,
                bins=edges,
                density=True,
                color=color,
                alpha=0.3,
                histtype="stepfilled",
                gid=f"terms:{issue}:{cell}",
            )
            ax.hist(values, bins=edges, density=True, color=color, histtype="step", lw=1.5)
        if not drawn:
            ax.text(
                0.5,
                0.5,
                "no agreements",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color=GREY,
            )
        if issue in scenario.issues:
            top = blended_transform_factory(ax.transData, ax.transAxes)
            for actor in actors:
                position = scenario.actors[actor].position.get(issue)
                if position is None:
                    continue
                ax.axvline(
                    position, color=a_colors[actor], ls="--", lw=1.5, gid=f"ideal:{issue}:{actor}"
                )
                ax.plot(
                    [position],
                    [1.0],
                    marker="v",
                    color=a_colors[actor],
                    ms=8,
                    transform=top,
                    clip_on=False,
                )
            ax.axvline(
                scenario.issues[issue].status_quo,
                color=STATUS_QUO_COLOR,
                lw=2.0,
                gid=f"status_quo:{issue}",
            )
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks(*UNIT_TICKS)
        ax.set_title(issue, fontweight="bold")
        ax.set_xlabel(issue_ends(scenario, issue, 52))
        ax.set_ylabel("density of agreed terms")
    handles: list[Any] = [
        Line2D([], [], color=a_colors[a], ls="--", marker="v", label=f"ideal point: {a}")
        for a in actors
    ]
    handles.append(Line2D([], [], color=STATUS_QUO_COLOR, lw=2.0, label="status quo"))
    if len(cells) > 1:
        handles += [
            Patch(facecolor=color, alpha=0.5, label=_label(labels, cell, 40))
            for color, cell in zip(colors, cells, strict=True)
        ]
    _legend_below(fig, handles, columns=len(actors) + 1)
    fig.suptitle(_title(name or scenario.name, "agreed terms", records))
    return _root(fig)
