"""Figure: probability of agreement per cell, with Wilson intervals; with the funnel of a deal
(signed -> ratified -> durable) where the records have it."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.statistics import wilson_interval
from sim.core.records import END_REASONS, FAILURE, FUNNEL, OUTCOMES, outcomes
from sim.output.figures.base import (
    FIGURE_WIDTH,
    AnyFigure,
    _cell_frame,
    _cells,
    _label,
    _legend_below,
    _root,
    _title,
    new_figure,
)
from sim.output.palette import END_REASON_COLORS, FUNNEL_COLORS, GREY, STATUS_QUO_COLOR

# --------------------------------------------------------------------------------------------
# Agreement


def agreement_plot(
    records: pd.DataFrame,
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    fig: AnyFigure | None = None,
) -> Figure:
    """P(agreement) per cell with 95% Wilson intervals (left) and the shares of how talks ended
    (right): agreement, or breakdown / deadline after offers were refused or with none made
    (hatched).  Records with the funnel columns show P(signed), P(ratified) (= P(agreement))
    and P(durable) per cell, each with its interval (Putnam 1988; Fearon 1995)."""
    cells = _cells(records)
    if fig is None:
        fig = new_figure(FIGURE_WIDTH, 1.6 + 0.45 * max(len(cells), 2))
    ax_p, ax_end = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.2, 1.0]})
    y = np.arange(len(cells))[::-1].astype(float)
    funnel = all(stage in records.columns for stage in FUNNEL)
    if funnel:
        _draw_funnel(ax_p, records, cells, y)
    rates, lows, highs = [], [], []
    for cell in cells:
        frame = _cell_frame(records, cell)
        k, n = int(frame["agreed"].sum()), len(frame)
        low, high = wilson_interval(k, n)
        rates.append(k / n if n else math.nan)
        lows.append(low)
        highs.append(high)
    rate = np.array(rates)
    ax_p.errorbar(
        rate,
        y,
        xerr=[rate - np.array(lows), np.array(highs) - rate],
        fmt="none",
        ecolor=FUNNEL_COLORS["ratified"] if funnel else STATUS_QUO_COLOR,
        capsize=4,
        lw=1.5,
        gid="p_agreement_interval",
    )
    color = FUNNEL_COLORS["ratified"] if funnel else STATUS_QUO_COLOR
    ax_p.plot(rate, y, "o", color=color, ms=7, gid="p_agreement", zorder=3)
    ax_p.set_xlim(0.0, 1.0)
    ax_p.set_xlabel(
        "P(signed) → P(ratified) → P(durable), 95% Wilson intervals"
        if funnel
        else "P(agreement) with 95% Wilson interval"
    )
    ax_p.set_yticks(y, [_label(labels, c) for c in cells])
    ax_p.set_ylim(-0.6, len(cells) - 0.4)
    ax_p.grid(axis="x", alpha=0.3)

    left = np.zeros(len(cells))
    failure = records[FAILURE].to_numpy() if FAILURE in records.columns else None
    outcome = pd.Series(outcomes(records["end_reason"].to_numpy(), failure), index=records.index)
    present = {str(value) for value in outcome}
    order = list(OUTCOMES) if failure is not None else list(END_REASONS)
    reasons = [r for r in order if r in present] + sorted(present - set(order))
    for reason in reasons:
        shares = np.array(
            [
                float((outcome[_cell_frame(records, c).index] == reason).mean())
                if len(_cell_frame(records, c))
                else 0.0
                for c in cells
            ]
        )
        how = reason.split(" · ")[0]
        bars = ax_end.barh(
            y,
            shares,
            left=left,
            height=0.6,
            color=END_REASON_COLORS.get(how, GREY),
            hatch="//" if reason.endswith("no-offer") else None,
            edgecolor="white",
            label=reason,
            gid=f"end_reason:{reason}",
        )
        for bar, share in zip(bars, shares, strict=True):
            if share >= 0.12:
                ax_end.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{100 * share:.0f}%",
                    ha="center",
                    va="center",
                    color="white",
                    fontsize="small",
                    fontweight="bold",
                )
        left += shares
    ax_end.set_xlim(0.0, 1.0)
    ax_end.set_xlabel("share of worlds by how talks ended")
    ax_end.tick_params(axis="y", left=False, labelleft=False)
    handles: list[Artist] = [
        Patch(
            facecolor=END_REASON_COLORS.get(r.split(" · ")[0], GREY),
            hatch="//" if r.endswith("no-offer") else None,
            edgecolor="white",
            label=r,
        )
        for r in reasons
    ]
    if funnel:
        handles += [
            Line2D([], [], color=FUNNEL_COLORS[stage], marker="o", ls="", label=f"P({stage})")
            for stage in FUNNEL
        ]
    _legend_below(fig, handles, columns=min(len(handles), 5))
    fig.suptitle(_title(name, "agreement", records))
    return _root(fig)


FUNNEL_OFFSET = 0.22
"""Vertical spacing of the signed / durable markers around a cell's P(agreement) row."""


def _draw_funnel(ax: Axes, records: pd.DataFrame, cells: list[int], y: np.ndarray) -> None:
    """Per cell, P(signed) above and P(durable) below the P(ratified) row, with intervals and a
    line from stage to stage (the funnel)."""
    points: dict[str, np.ndarray] = {}
    for offset, stage in zip((FUNNEL_OFFSET, 0.0, -FUNNEL_OFFSET), FUNNEL, strict=True):
        rates, errors = [], []
        for cell in cells:
            frame = _cell_frame(records, cell)
            k, n = int(frame[stage].to_numpy(dtype=bool).sum()), len(frame)
            low, high = wilson_interval(k, n)
            share = k / n if n else math.nan
            rates.append(share)
            errors.append((share - low, high - share))
        rate = np.array(rates)
        points[stage] = rate
        if offset == 0.0:
            continue  # the ratified share is P(agreement), drawn by the caller
        ax.errorbar(
            rate,
            y + offset,
            xerr=np.array(errors).T,
            fmt="o",
            color=FUNNEL_COLORS[stage],
            ms=5,
            capsize=3,
            lw=1.2,
            gid=f"p_{stage}",
        )
    for i in range(len(cells)):
        xs = [points[stage][i] for stage in FUNNEL]
        ys = [y[i] + FUNNEL_OFFSET, y[i], y[i] - FUNNEL_OFFSET]
        ax.plot(xs, ys, color=GREY, lw=0.8, alpha=0.7, zorder=1, gid="funnel")
