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
from sim.core.records import (
    AGREEMENT,
    DURABLE,
    END_REASON_NAMES,
    END_REASONS,
    FAILURE,
    FUNNEL,
    NOT_RATIFIED,
    OUTCOMES,
    outcomes,
)
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
    funnel = all(stage in records.columns for stage in FUNNEL)
    if fig is None:
        per_cell = 0.8 if funnel else 0.45  # room for a line of text per stage
        fig = new_figure(FIGURE_WIDTH, 1.8 + per_cell * max(len(cells), 2))
    ax_p, ax_end = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.2, 1.0]})
    y = np.arange(len(cells))[::-1].astype(float)
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
    stage = "ratified " if funnel else ""
    _interval_text(ax_p, rate, np.array(lows), np.array(highs), y, stage, "p_agreement_text")
    ax_p.set_xlim(0.0, 1.0)
    ax_p.set_xlabel(
        "P(signed) → P(ratified) → P(durable)\nwith 95% Wilson intervals"
        if funnel
        else "P(agreement) with 95% Wilson interval"
    )
    ax_p.set_yticks(y, [_label(labels, c) for c in cells])
    ax_p.set_ylim(-0.6, len(cells) - 0.4)
    ax_p.grid(axis="x", alpha=0.3)

    left = np.zeros(len(cells))
    outcome = _outcomes(records)
    present = {str(value) for value in outcome}
    reasons = [r for r in _order(records) if r in present] + sorted(present - set(_order(records)))
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
            hatch=_hatch(reason),
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
    ax_end.set_xlabel(
        "share of worlds by how talks ended\n(from the left: durable, ratified, signed)"
        if funnel
        else "share of worlds by how talks ended"
    )
    ax_end.tick_params(axis="y", left=False, labelleft=False)
    handles: list[Artist] = [
        Patch(
            facecolor=END_REASON_COLORS.get(r.split(" · ")[0], GREY),
            hatch=_hatch(r),
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


COLLAPSED = "agreement · collapsed"
DURABLE_AGREEMENT = "agreement · durable"


def _outcomes(records: pd.DataFrame) -> pd.Series:
    """How each world's talks ended (:func:`sim.core.records.outcomes`); with the funnel, a
    ratified deal is split into one that lasted and one that collapsed in implementation."""
    failure = records[FAILURE].to_numpy() if FAILURE in records.columns else None
    how = pd.Series(outcomes(records["end_reason"].to_numpy(), failure), index=records.index)
    if DURABLE in records.columns:
        agreed = how == END_REASON_NAMES[AGREEMENT]
        durable = records[DURABLE].to_numpy(dtype=bool)
        how[agreed & durable] = DURABLE_AGREEMENT
        how[agreed & ~durable] = COLLAPSED
    return how


def _order(records: pd.DataFrame) -> list[str]:
    """The stacking order: deals first (durable, collapsed, not ratified: the funnel read from
    the left), then talks that failed."""
    base = list(OUTCOMES) if FAILURE in records.columns else list(END_REASONS)
    deals = [DURABLE_AGREEMENT, COLLAPSED] if DURABLE in records.columns else []
    signed = [END_REASON_NAMES[NOT_RATIFIED]] if END_REASON_NAMES[NOT_RATIFIED] in base else []
    rest = [r for r in base if r not in signed and r != END_REASON_NAMES[AGREEMENT]]
    return [*deals, END_REASON_NAMES[AGREEMENT], *signed, *rest]


def _hatch(reason: str) -> str | None:
    """No offer was ever made: hatched; a deal that collapsed: dotted."""
    if reason.endswith("no-offer"):
        return "//"
    return ".." if reason == COLLAPSED else None


def _interval_text(
    ax: Axes,
    rate: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    y: np.ndarray,
    stage: str,
    gid: str,
) -> None:
    """Each estimate and its interval in words, right of the interval: ``24% [22–27]``."""
    for share, lo, hi, at in zip(rate, low, high, y, strict=True):
        if np.isnan(share):
            continue
        digits = 1 if hi - lo < 0.03 else 0  # a narrow interval keeps a decimal
        ax.text(
            hi + 0.015,
            at,
            f"{stage}{100 * share:.{digits}f}% [{100 * lo:.{digits}f}–{100 * hi:.{digits}f}]",
            va="center",
            fontsize="x-small",
            gid=gid,
        )


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
        bounds = np.array(errors)
        _interval_text(
            ax,
            rate,
            rate - bounds[:, 0],
            rate + bounds[:, 1],
            y + offset,
            f"{stage} ",
            f"p_{stage}_text",
        )
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
