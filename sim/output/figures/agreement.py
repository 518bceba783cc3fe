"""Figure: probability of agreement per cell, with Wilson intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis.statistics import wilson_interval
from sim.core.records import END_REASONS, FAILURE, OUTCOMES, outcomes
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
from sim.output.palette import END_REASON_COLORS, GREY, STATUS_QUO_COLOR

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
    (hatched)."""
    cells = _cells(records)
    if fig is None:
        fig = new_figure(FIGURE_WIDTH, 1.6 + 0.45 * max(len(cells), 2))
    ax_p, ax_end = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.2, 1.0]})
    y = np.arange(len(cells))[::-1].astype(float)
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
        ecolor=STATUS_QUO_COLOR,
        capsize=4,
        lw=1.5,
        gid="p_agreement_interval",
    )
    ax_p.plot(rate, y, "o", color=STATUS_QUO_COLOR, ms=7, gid="p_agreement", zorder=3)
    ax_p.set_xlim(0.0, 1.0)
    ax_p.set_xlabel("P(agreement) with 95% Wilson interval")
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
    handles = [
        Patch(
            facecolor=END_REASON_COLORS.get(r.split(" · ")[0], GREY),
            hatch="//" if r.endswith("no-offer") else None,
            edgecolor="white",
            label=r,
        )
        for r in reasons
    ]
    _legend_below(fig, handles, columns=len(handles))
    fig.suptitle(_title(name, "agreement", records))
    return _root(fig)
