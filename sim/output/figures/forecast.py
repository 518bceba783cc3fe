"""Figure: every forecast of a scenario per issue, on the issue's labelled axis, with ideal points."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.forecast.table import SIMULATION, ForecastTable
from sim.output.figures.base import (
    FIGURE_WIDTH,
    UNIT_TICKS,
    _legend_below,
    issue_label,
    new_figure,
    panel_grid,
)
from sim.output.palette import actor_colors
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_MODEL_COLOR = "#333333"
_SIMULATION_COLOR = "#d62728"


def forecast_figure(table: ForecastTable, scenario: Scenario) -> Figure:
    """One panel per issue: each model's term (a dot; a bar for its 5-95% band over worlds) on a
    row of its own, and every actor's ideal point as a triangle along the top (filled: veto)."""
    from matplotlib.lines import Line2D

    issues = list(table.issues)
    models = [row.model for row in table.rows]
    columns = 2 if len(issues) > 1 else 1
    rows = math.ceil(len(issues) / columns)
    height = rows * (0.32 * len(models) + 1.9) + 0.8
    figure = new_figure(FIGURE_WIDTH, height)
    axes = panel_grid(figure, len(issues), columns)
    colors = actor_colors(list(table.actors))
    top = len(models)
    for ax, issue in zip(axes, issues, strict=True):
        for y, row in enumerate(reversed(table.rows)):
            value = row.terms[issue]
            color = _SIMULATION_COLOR if row.model == SIMULATION else _MODEL_COLOR
            if row.band is not None and not math.isnan(value):
                low, high = row.band[issue]
                ax.plot([low, high], [y, y], color=color, lw=3, alpha=0.35, solid_capstyle="butt")
            if not math.isnan(value):
                ax.plot(value, y, "o", color=color, ms=6, zorder=3)
        for actor in table.actors:
            veto = actor in table.veto_players
            ax.plot(
                table.ideal[actor][issue],
                top,
                "v",
                ms=9,
                color=colors[actor],
                mfc=colors[actor] if veto else "white",
                mew=1.5,
                clip_on=False,
                zorder=4,
            )
        ax.set_yticks(range(top + 1), [*reversed(models), "ideal points"], fontsize="small")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.7, top + 0.6)
        ax.set_xticks(*UNIT_TICKS)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel(issue_label(scenario, issue), fontsize="small")
    handles = [
        Line2D([], [], ls="", marker="v", ms=8, color=colors[a], label=a) for a in table.actors
    ]
    handles.append(
        Line2D([], [], color=_SIMULATION_COLOR, lw=3, alpha=0.35, label="5-95% over worlds")
    )
    _legend_below(figure, handles, columns=len(handles))
    figure.suptitle(
        f"{table.scenario}: forecasts per issue (simulation over {table.runs:,} worlds)",
        fontsize="medium",
    )
    return figure
