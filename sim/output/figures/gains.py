"""Figure: each actor's gain over its no-deal utility in the worlds that reached a deal; the
worlds without one (gain 0) are counted, not drawn, so they cannot hide the spread."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.records import GAIN
from sim.output.figures.base import (
    BOX_STYLE,
    FIGURE_WIDTH,
    AnyFigure,
    _actor_names,
    _cell_frame,
    _cells,
    _jitter_points,
    _label,
    _root,
    _title,
    new_figure,
)
from sim.output.palette import GREY, actor_colors
from sim.scenario.schema import Scenario


def gains_plot(
    records: pd.DataFrame,
    scenario: Scenario,
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    fig: AnyFigure | None = None,
) -> Figure:
    """Box (5–95% whiskers) and points of each actor's gain over its reservation utility.

    One axes with a box per actor for a single cell; one panel per actor with a box per cell
    for several cells.  Only worlds with a deal are drawn; each cell's share of deals is named
    on its label, since a no-deal (gain 0 by definition) would pile up at 0 and hide the spread.
    """
    actors = _actor_names(scenario, records)
    if not actors:
        raise ValueError("the records have no gain.<actor> columns")
    colors = actor_colors(scenario.actor_names + [a for a in actors if a not in scenario.actors])
    cells = _cells(records)
    what = "gain over no-deal utility, in worlds with a deal"

    def deals(cell: int) -> pd.DataFrame:
        frame = _cell_frame(records, cell)
        return frame[frame["agreed"].astype(bool)]

    def share(cell: int) -> str:
        frame = _cell_frame(records, cell)
        agreed = int(frame["agreed"].sum())
        return (
            f"{agreed:,} deals of {len(frame):,} worlds ({100 * agreed / max(len(frame), 1):.0f}%)"
        )

    if len(cells) == 1:
        if fig is None:
            fig = new_figure(FIGURE_WIDTH, 4.5)
        ax = fig.subplots()
        data = [deals(cells[0])[GAIN + a].to_numpy(dtype=float) for a in actors]
        boxes = ax.boxplot(
            data,
            positions=np.arange(len(actors)),
            whis=(5, 95),
            showfliers=False,
            patch_artist=True,
            widths=0.55,
            tick_labels=actors,
            **BOX_STYLE,
        )
        for index, (patch, actor) in enumerate(zip(boxes["boxes"], actors, strict=True)):
            patch.set(
                facecolor=colors[actor], alpha=0.35, edgecolor=colors[actor], gid=f"gain:{actor}"
            )
            _jitter_points(ax, data[index], index, colors[actor], horizontal=False, seed=index)
        ax.axhline(0.0, color=GREY, lw=1, ls=":")
        ax.set_ylabel(what)
        ax.set_xlabel(
            f"actor; {share(cells[0])}, no-deal worlds (gain 0) not drawn\n"
            "box: quartiles, line: median, diamond: mean; whiskers: 5–95%"
        )
    else:
        if fig is None:
            fig = new_figure(FIGURE_WIDTH, 1.8 + 0.5 * len(cells))
        axes = fig.subplots(1, len(actors), sharey=True, squeeze=False)[0]
        y = np.arange(len(cells))[::-1].astype(float)
        for ax, actor in zip(axes, actors, strict=True):
            data = [deals(c)[GAIN + actor].to_numpy(dtype=float) for c in cells]
            boxes = ax.boxplot(
                data,
                positions=y,
                whis=(5, 95),
                showfliers=False,
                patch_artist=True,
                widths=0.55,
                orientation="horizontal",
                **BOX_STYLE,
            )
            for index, patch in enumerate(boxes["boxes"]):
                patch.set(
                    facecolor=colors[actor],
                    alpha=0.35,
                    edgecolor=colors[actor],
                    gid=f"gain:{actor}:{cells[index]}",
                )
                _jitter_points(
                    ax, data[index], y[index], colors[actor], horizontal=True, seed=index
                )
            ax.axvline(0.0, color=GREY, lw=1, ls=":")
            ax.set_title(actor, color=colors[actor], fontweight="bold")
            ax.set_xlabel("gain")
        axes[0].set_yticks(y, [f"{_label(labels, c, 24)}\n{share(c)}" for c in cells])
        for ax in axes[1:]:
            ax.tick_params(axis="y", left=False, labelleft=False)
        fig.supxlabel(
            what + " (no-deal worlds, gain 0, not drawn)\n"
            "box: quartiles, line: median, diamond: mean; whiskers: 5–95%",
            fontsize="medium",
        )
    fig.suptitle(_title(name, "gains", records))
    return _root(fig)
