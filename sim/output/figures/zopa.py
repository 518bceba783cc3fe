"""Figure: the zone of possible agreement on slices through the deal space."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.zopa.zone import ZopaResult
from sim.arrays import FloatArray
from sim.forecast.solutions import Parties
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure


_SLICE_RESOLUTION = 241
_ZONE_COLOR = "#d9d9d9"  # greys: colour means the actor in this figure, nothing else
_THRESHOLD_COLOR = "#8c8c8c"
_NASH_FILL = "white"
_LABEL_WIDTH, _LABEL_HEIGHT = 0.16, 0.06  # a name's extent in data units on a slice


def _axis_label(scenario: Scenario, issue: str) -> str:
    """The issue's name over what its two ends mean, wrapped to fit under a panel."""
    spec = scenario.issues[issue]
    ends = [
        textwrap.fill(f"{end}: {words}", 52) for end, words in (("0", spec.low), ("1", spec.high))
    ]
    return "\n".join([issue, *ends])


def held_fixed(issues: list[str], anchor: FloatArray, shown: tuple[int, ...]) -> str:
    """The caption of a slice: the issues held fixed and where (the slice's anchor)."""
    fixed = [f"{issue} {anchor[k]:.2f}" for k, issue in enumerate(issues) if k not in shown]
    if not fixed:
        return "no other issue"
    return "\n".join(textwrap.wrap("held fixed: " + ", ".join(fixed), 60))


def zopa_figure(scenario: Scenario, result: ZopaResult) -> Figure:
    """One panel per pair of issues: the deal space sliced through the Nash point.

    Other issues are held at the Nash point (or, with no deal space, at the most nearly acceptable
    package).  Light grey: every veto player at least its reservation; dark grey: at least its
    acceptance threshold (colour is kept for the actors).  Marked: ideal points (filled for veto players), the status quo at
    the round, the Nash point.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.output.palette import STATUS_QUO_COLOR, actor_colors

    issues = list(result.issues)
    pairs = list(combinations(range(len(issues)), 2))
    panels = max(len(pairs), 1)
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    width = 4.6 * columns if pairs else 7.0
    height = 4.4 * rows + 0.9 if pairs else 3.2
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_visible(False)

    parties = Parties.of(scenario, result.veto_players)
    floor = np.array([result.reservation[a] for a in result.veto_players])
    demand = np.array([result.threshold[a] for a in result.veto_players])
    anchor = np.array([result.anchor[k] for k in issues])
    colors = actor_colors(list(result.actors))
    grid = np.linspace(0.0, 1.0, _SLICE_RESOLUTION)

    def slice_utilities(i: int, j: int | None) -> FloatArray:
        if j is None:
            x = np.tile(anchor, (grid.size, 1))
            x[:, i] = grid
            return parties.utilities(x)
        gi, gj = np.meshgrid(grid, grid)
        x = np.tile(anchor, (gi.size, 1))
        x[:, i], x[:, j] = gi.ravel(), gj.ravel()
        return parties.utilities(x).reshape(*gi.shape, -1)

    def mark(ax: Any, i: int, j: int | None) -> None:
        def at(values: Mapping[str, float]) -> tuple[float, float]:
            return values[issues[i]], (values[issues[j]] if j is not None else 0.5)

        # Actors whose points lie closer than a label's width share one label.
        shared: dict[str, list[str]] = {}
        for actor in result.actors:
            x, y = at(scenario.actors[actor].position)
            near = next(
                (
                    first
                    for first in shared
                    if abs(at(scenario.actors[first].position)[0] - x) < _LABEL_WIDTH
                    and abs(at(scenario.actors[first].position)[1] - y) < _LABEL_HEIGHT
                ),
                None,
            )
            shared.setdefault(near or actor, []).append(actor)
        first_of = {member: first for first, group in shared.items() for member in group}
        for actor in result.actors:
            spec = scenario.actors[actor]
            px, py = at(spec.position)
            veto = actor in result.veto_players
            ax.plot(
                px,
                py,
                "o",
                ms=8,
                color=colors[actor],
                mfc=colors[actor] if veto else "white",
                mew=1.8,
                zorder=4,
                clip_on=False,
            )
            together = shared.get(first_of[actor], [])
            if first_of[actor] != actor:
                continue  # one label for actors at the same point: no overlapping names
            right, top = px > 0.8, py > 0.9  # near the edge: name it inwards, inside the panel
            ax.annotate(
                ", ".join(together),
                (px, py),
                textcoords="offset points",
                xytext=(-5 if right else 5, -5 if top else 5),
                ha="right" if right else "left",
                va="top" if top else "bottom",
                fontsize=8,
                annotation_clip=False,
                gid="actor-name",
            )
        sx, sy = at(result.status_quo)
        ax.plot(sx, sy, "X", ms=10, color=STATUS_QUO_COLOR, zorder=5, clip_on=False)
        if result.nash is not None:
            nx, ny = at(result.nash.terms)
            ax.plot(nx, ny, "*", ms=15, color=_NASH_FILL, mec="black", zorder=6, clip_on=False)

    limits = (-0.03, 1.03)
    if pairs:
        for ax, (i, j) in zip(axes, pairs, strict=False):
            values = slice_utilities(i, j)
            for bound, color in ((floor, _ZONE_COLOR), (demand, _THRESHOLD_COLOR)):
                surplus = np.min(values - bound, axis=-1)
                if surplus.max() > 0:
                    ax.contourf(grid, grid, surplus, levels=[0.0, surplus.max()], colors=[color])
            mark(ax, i, j)
            ax.set_xlim(limits)
            ax.set_ylim(limits)
            ax.set_aspect("equal")
            ax.set_xlabel(_axis_label(scenario, issues[i]), fontsize=7)
            ax.set_ylabel(_axis_label(scenario, issues[j]), fontsize=7)
            ax.set_title(held_fixed(issues, anchor, (i, j)), fontsize=7, gid="held-fixed")
    else:
        ax = axes[0]
        values = slice_utilities(0, None)
        for bound, color, band in ((floor, _ZONE_COLOR, 0.5), (demand, _THRESHOLD_COLOR, 0.15)):
            where = np.all(values >= bound, axis=-1)
            ax.fill_between(grid, 0.5 - band, 0.5 + band, where=where, color=color)
        mark(ax, 0, None)
        ax.set_xlim(limits)
        ax.set_ylim(0.0, 1.0)
        ax.set_yticks([])
        ax.set_xlabel(_axis_label(scenario, issues[0]), fontsize=7)
        ax.set_title(held_fixed(issues, anchor, (0,)), fontsize=7, gid="held-fixed")

    handles = [
        Patch(color=_ZONE_COLOR, label="every veto player ≥ reservation"),
        Patch(color=_THRESHOLD_COLOR, label=f"every veto player ≥ round-{result.round} threshold"),
        Line2D([], [], ls="", marker="*", ms=12, color=_NASH_FILL, mec="black", label="Nash point"),
        Line2D([], [], ls="", marker="X", ms=9, color=STATUS_QUO_COLOR, label="status quo"),
        Line2D([], [], ls="", marker="o", ms=7, color="grey", label="ideal point (veto)"),
        Line2D([], [], ls="", marker="o", ms=7, color="grey", mfc="white", label="ideal point"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    state = "a deal space exists" if result.exists else "no deal space"
    where = "the Nash point" if result.nash is not None else "the most nearly acceptable package"
    figure.suptitle(
        f"{result.scenario}: zone of possible agreement at round {result.round} ({state}); "
        f"each slice holds the other issues at {where}",
        fontsize=10,
    )
    return figure
