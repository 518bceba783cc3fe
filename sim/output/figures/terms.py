"""Figures of the agreed terms: each issue's distribution per cell, and two issues' joint
distribution (one panel per cell)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
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
    issue_label,
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
            _no_agreements(ax)
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


def _no_agreements(ax: Axes) -> None:
    """Say so in a panel with no agreed worlds to draw."""
    ax.text(0.5, 0.5, "no agreements", ha="center", va="center", transform=ax.transAxes, color=GREY)


# --------------------------------------------------------------------------------------------
# Joint distribution of two issues

MAX_JOINT_PANELS = 6


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
            _no_agreements(ax)
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
