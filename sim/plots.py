"""Figures of outcome records: each function takes records (a DataFrame) and returns a Figure.

In the style of the Axelrod library's ``plot.py``: the plots read records only, never a model,
and draw into an ``ax`` or figure you pass, or a new one.  Figures are plain
:class:`matplotlib.figure.Figure` objects (no pyplot state), so they render with Agg and never pop
up a window.  Actors keep one colour everywhere (:mod:`sim.palette`); axes are labelled with
the words of each issue's ends.  Data-bearing artists carry a ``gid`` so tests can read back
what was drawn.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from sim.analysis import (
    END_REASONS,
    GAIN,
    TERM,
    Results,
    driver_table,
    rank_drivers,
    wilson_interval,
)
from sim.io import save_figure
from sim.palette import (
    END_REASON_COLORS,
    GREY,
    STATUS_QUO_COLOR,
    actor_colors,
    cell_colors,
    series_colors,
)
from sim.scenario import Scenario

FIGURE_WIDTH = 10.0
MAX_JOINT_PANELS = 6
FIGURE_NAMES = ("agreement", "terms", "gains", "timing", "joint", "drivers")

AnyFigure = Figure | SubFigure


# --------------------------------------------------------------------------------------------
# Helpers


def new_figure(width: float, height: float) -> Figure:
    """A constrained-layout figure on an Agg canvas (no pyplot, no GUI backend)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _root(fig: AnyFigure) -> Figure:
    root = fig.figure if isinstance(fig, SubFigure) else fig
    assert isinstance(root, Figure)
    return root


def _cells(records: pd.DataFrame) -> list[int]:
    if "cell" not in records.columns:
        return [0]
    return sorted(int(c) for c in pd.unique(records["cell"]))


def _cell_frame(records: pd.DataFrame, cell: int) -> pd.DataFrame:
    if "cell" not in records.columns:
        return records
    return records[records["cell"] == cell]


def _label(labels: Mapping[int, str] | None, cell: int, width: int = 30) -> str:
    text = (labels or {}).get(cell, f"cell {cell}")
    return "\n".join(textwrap.wrap(text, width)) or text


def _n_text(records: pd.DataFrame) -> str:
    cells = _cells(records)
    text = f"N = {len(records):,} worlds"
    return text + (f" in {len(cells)} cells" if len(cells) > 1 else "")


def _title(name: str, what: str, records: pd.DataFrame) -> str:
    prefix = f"{name}: " if name else ""
    return "\n".join(textwrap.wrap(f"{prefix}{what} ({_n_text(records)})", 90))


def issue_ends(scenario: Scenario, issue: str, width: int = 56) -> str:
    """What 0 and 1 mean on an issue: one line if it fits in ``width`` characters, else two."""
    if issue not in scenario.issues:
        return "0 to 1"
    words = scenario.issues[issue]
    line = f"0 = {words.low}  ·  1 = {words.high}"
    if len(line) <= width:
        return line
    low = textwrap.wrap(f"0 = {words.low}", width)
    high = textwrap.wrap(f"1 = {words.high}", width)
    return "\n".join(low + high)


def issue_label(scenario: Scenario, issue: str, width: int = 56) -> str:
    """Axis label for an issue: its name, then what 0 and 1 mean."""
    return f"{issue}\n{issue_ends(scenario, issue, width)}"


UNIT_TICKS = ([0.0, 0.25, 0.5, 0.75, 1.0], ["0", "0.25", "0.5", "0.75", "1"])


def _grid(count: int, max_columns: int) -> tuple[int, int]:
    columns = min(count, max_columns)
    return math.ceil(count / columns), columns


def panel_grid(fig: AnyFigure, count: int, max_columns: int, **kwargs: Any) -> list[Axes]:
    rows, columns = _grid(count, max_columns)
    grid = fig.subplots(rows, columns, squeeze=False, **kwargs)
    axes = [ax for row in grid for ax in row]
    for extra in axes[count:]:
        extra.remove()
    return axes[:count]


def _actor_names(scenario: Scenario, records: pd.DataFrame) -> list[str]:
    present = {str(c)[len(GAIN) :] for c in records.columns if str(c).startswith(GAIN)}
    names = [a for a in scenario.actor_names if a in present]
    return names + sorted(present - set(names))


def _issue_names(scenario: Scenario, records: pd.DataFrame) -> list[str]:
    present = [str(c)[len(TERM) :] for c in records.columns if str(c).startswith(TERM)]
    names = [i for i in scenario.issue_names if i in present]
    return names + [i for i in present if i not in names]


def _legend_below(fig: AnyFigure, handles: Sequence[Any], columns: int = 4) -> None:
    if handles:
        # As many columns as fit across the figure: an entry at 'small' size takes about
        # 0.075 in per character of its label plus the marker.
        longest = max(len(str(h.get_label())) for h in handles)
        fitting = int(_root(fig).get_figwidth() / (0.075 * (longest + 6)))
        fig.legend(
            handles=list(handles),
            loc="outside lower center",
            ncols=max(1, min(columns, len(handles), fitting)),
            frameon=False,
            fontsize="small",
        )


# --------------------------------------------------------------------------------------------
# Agreement


def agreement_plot(
    records: pd.DataFrame,
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    fig: AnyFigure | None = None,
) -> Figure:
    """P(agreement) per cell with 95% Wilson intervals (left) and end-reason shares (right)."""
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
    present = set(records["end_reason"].astype(str))
    reasons = list(END_REASONS) + sorted(present - set(END_REASONS))
    for reason in reasons:
        shares = np.array(
            [
                float((_cell_frame(records, c)["end_reason"].astype(str) == reason).mean())
                if len(_cell_frame(records, c))
                else 0.0
                for c in cells
            ]
        )
        bars = ax_end.barh(
            y,
            shares,
            left=left,
            height=0.6,
            color=END_REASON_COLORS.get(reason, GREY),
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
    handles = [Patch(facecolor=END_REASON_COLORS.get(r, GREY), label=r) for r in reasons]
    _legend_below(fig, handles, columns=len(handles))
    fig.suptitle(_title(name, "agreement", records))
    return _root(fig)


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
    fig.suptitle(_title(name, f"agreed terms ({scenario.name})", records))
    return _root(fig)


# --------------------------------------------------------------------------------------------
# Gains


def _jitter_points(
    ax: Axes, values: np.ndarray, position: float, color: str, horizontal: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    if values.size > 300:
        values = rng.choice(values, 300, replace=False)
    offsets = position + rng.uniform(-0.18, 0.18, values.size)
    x, y = (values, offsets) if horizontal else (offsets, values)
    ax.scatter(x, y, s=6, color=color, alpha=0.35, linewidths=0, zorder=2)


BOX_STYLE: dict[str, Any] = {
    "showmeans": True,
    "medianprops": {"color": STATUS_QUO_COLOR, "lw": 1.5, "gid": "median"},
    "meanprops": {
        "gid": "mean",
        "marker": "D",
        "markerfacecolor": "white",
        "markeredgecolor": STATUS_QUO_COLOR,
        "ms": 6,
    },
}


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
    for several cells.  Worlds without a deal have gain 0.
    """
    actors = _actor_names(scenario, records)
    if not actors:
        raise ValueError("the records have no gain.<actor> columns")
    colors = actor_colors(scenario.actor_names + [a for a in actors if a not in scenario.actors])
    cells = _cells(records)
    what = "gain over reservation utility (0 without a deal)"
    if len(cells) == 1:
        if fig is None:
            fig = new_figure(FIGURE_WIDTH, 4.5)
        ax = fig.subplots()
        data = [records[GAIN + a].to_numpy(dtype=float) for a in actors]
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
        ax.set_xlabel("actor (box: quartiles, line: median, diamond: mean; whiskers: 5–95%)")
    else:
        if fig is None:
            fig = new_figure(FIGURE_WIDTH, 1.8 + 0.5 * len(cells))
        axes = fig.subplots(1, len(actors), sharey=True, squeeze=False)[0]
        y = np.arange(len(cells))[::-1].astype(float)
        for ax, actor in zip(axes, actors, strict=True):
            data = [_cell_frame(records, c)[GAIN + actor].to_numpy(dtype=float) for c in cells]
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
        axes[0].set_yticks(y, [_label(labels, c, 24) for c in cells])
        for ax in axes[1:]:
            ax.tick_params(axis="y", left=False, labelleft=False)
        fig.supxlabel(
            what + "\nbox: quartiles, line: median, diamond: mean; whiskers: 5–95%",
            fontsize="medium",
        )
    fig.suptitle(_title(name, "gains", records))
    return _root(fig)


# --------------------------------------------------------------------------------------------
# Timing


def timing_plot(
    records: pd.DataFrame,
    scenario: Scenario,
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Cumulative share of worlds that have agreed by each round, per cell.

    The curves are the empirical CDF of the agreement round scaled by P(agreement), so each
    ends at its cell's agreement rate.
    """
    if ax is None:
        fig: AnyFigure = new_figure(FIGURE_WIDTH, 4.5)
        ax = fig.subplots()
    else:
        parent = ax.get_figure()
        assert parent is not None
        fig = parent
    cells = _cells(records)
    max_round = max(
        int(records["round"].max()) if len(records) else 1, scenario.protocol.max_rounds
    )
    grid = np.arange(0, max_round + 1)
    for color, cell in zip(cell_colors(len(cells)), cells, strict=True):
        frame = _cell_frame(records, cell)
        rounds = np.sort(frame.loc[frame["agreed"].astype(bool), "round"].to_numpy(dtype=float))
        share = np.searchsorted(rounds, grid, side="right") / max(len(frame), 1)
        ax.step(
            grid,
            share,
            where="post",
            color=color,
            lw=2,
            label=_label(labels, cell, 40),
            gid=f"timing:{cell}",
        )
    ax.axvline(
        scenario.protocol.max_rounds,
        color=GREY,
        ls=":",
        lw=1.5,
        label=f"deadline (round {scenario.protocol.max_rounds})",
    )
    ax.set_xlim(0, max_round + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("round")
    ax.set_ylabel("share of worlds agreed by this round")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    fig.suptitle(_title(name, "time to agreement", records))
    return _root(fig)


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


# --------------------------------------------------------------------------------------------
# Drivers


def parameter_label(column: str) -> str:
    """``param.actors.russia.war_cost`` → ``actors.russia.war_cost (sampled)``."""
    path = column[len("param.") :] if column.startswith("param.") else column
    return f"{path} (sampled)"


def drivers_plot(
    records: pd.DataFrame,
    param_columns: Sequence[str],
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
    bins: int = 10,
    max_panels: int = 9,
    fig: AnyFigure | None = None,
) -> Figure:
    """P(agreement) per quantile bin of each sampled parameter, 95% Wilson intervals, per cell.

    Panels are ordered by :func:`sim.analysis.rank_drivers` (absolute Spearman correlation with
    agreement, shown above each panel); with more than ``max_panels`` parameters only the
    strongest are shown.
    """
    if not param_columns:
        raise ValueError("no sampled parameters to plot")
    total = len(param_columns)
    ranked = rank_drivers(records, param_columns)[:max_panels]
    scores = dict(ranked)
    param_columns = [column for column, _ in ranked]
    cells = _cells(records)
    rows, _ = _grid(len(param_columns), 3)
    if fig is None:
        fig = new_figure(FIGURE_WIDTH, 1.4 + 3.0 * rows + (0.4 if len(cells) > 1 else 0.0))
    axes = panel_grid(fig, len(param_columns), 3, sharey=True)
    colors = cell_colors(len(cells))
    for ax, column in zip(axes, param_columns, strict=True):
        for color, cell in zip(colors, cells, strict=True):
            table = driver_table(_cell_frame(records, cell), [column], bins)
            if table.empty:
                continue
            p = table["p_agreement"].to_numpy(dtype=float)
            ax.errorbar(
                table["center"],
                p,
                yerr=[
                    p - table["ci_low"].to_numpy(dtype=float),
                    table["ci_high"].to_numpy(dtype=float) - p,
                ],
                color=color,
                marker="o",
                ms=4,
                capsize=3,
                lw=1.5,
                gid=f"driver:{column}:{cell}",
            )
        ax.set_ylim(0.0, 1.0)
        ax.set_title(f"|Spearman ρ| = {scores[column]:.2f}", fontsize="small")
        ax.set_xlabel("\n".join(textwrap.wrap(parameter_label(column), 44)))
        ax.set_ylabel("P(agreement), 95% interval")
        ax.grid(alpha=0.3)
    _, columns = _grid(len(param_columns), 3)
    for index, ax in enumerate(axes):
        if index % columns:
            ax.set_ylabel("")
            ax.tick_params(axis="y", labelleft=False)
    if len(cells) > 1:
        handles = [
            Line2D([], [], color=c, marker="o", label=_label(labels, cell, 40))
            for c, cell in zip(colors, cells, strict=True)
        ]
        _legend_below(fig, handles, columns=3)
    shown = (
        f"top {len(param_columns)} of {total} sampled parameters"
        if total > len(param_columns)
        else f"{bins} quantile bins"
    )
    fig.suptitle(_title(name, f"what drives agreement ({shown})", records))
    return _root(fig)


# --------------------------------------------------------------------------------------------
# One run's trajectory


def _series(rows: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    return np.array([float(r.get(key, math.nan)) for r in rows], dtype=float)


def trajectory_figure(
    trajectory: Sequence[Mapping[str, Any]],
    scenario: Scenario,
    *,
    record: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Figure:
    """One negotiation round by round: thresholds and offered utilities per actor (top),
    offered terms and status quo per issue (bottom), the agreement round marked."""
    if not trajectory:
        raise ValueError("the trajectory is empty")
    rows = list(trajectory)
    rounds = np.array([int(r["round"]) for r in rows])
    fig = new_figure(FIGURE_WIDTH, 8.5)
    ax_u, ax_x = fig.subplots(2, 1, sharex=True)
    actors = scenario.actor_names
    a_colors = actor_colors(actors)
    for actor in actors:
        color = a_colors[actor]
        ax_u.plot(
            rounds,
            _series(rows, f"threshold.{actor}"),
            color=color,
            ls="--",
            lw=1.5,
            gid=f"threshold:{actor}",
        )
        ax_u.plot(
            rounds,
            _series(rows, f"offer_utility.{actor}"),
            color=color,
            ls="-",
            marker="o",
            ms=4,
            lw=1.2,
            gid=f"offer_utility:{actor}",
        )
        ax_u.plot(
            rounds,
            _series(rows, f"reservation.{actor}"),
            color=color,
            ls=":",
            lw=1.0,
            gid=f"reservation:{actor}",
        )
    ax_u.set_ylabel("utility")
    ax_u.grid(alpha=0.3)
    style = [
        Line2D([], [], color=GREY, ls="-", marker="o", ms=4, label="utility of the offer"),
        Line2D([], [], color=GREY, ls="--", label="acceptance threshold"),
        Line2D([], [], color=GREY, ls=":", label="reservation (no deal)"),
    ]
    actor_handles = [Line2D([], [], color=a_colors[a], lw=3, label=a) for a in actors]
    ax_u.legend(
        handles=actor_handles + style,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        fontsize="small",
        frameon=False,
    )

    issues = scenario.issue_names
    colors = series_colors(len(issues))
    issue_handles = []
    for color, issue in zip(colors, issues, strict=True):
        ax_x.plot(
            rounds,
            _series(rows, f"offer.{issue}"),
            color=color,
            marker="o",
            ms=4,
            lw=1.2,
            gid=f"offer:{issue}",
        )
        ax_x.plot(
            rounds,
            _series(rows, f"status_quo.{issue}"),
            color=color,
            ls=":",
            lw=1.2,
            gid=f"status_quo:{issue}",
        )
        words = scenario.issues[issue]
        text = f"{issue}: 0 = {words.low}, 1 = {words.high}"
        issue_handles.append(
            Line2D([], [], color=color, marker="o", ms=4, label="\n".join(textwrap.wrap(text, 34)))
        )
    issue_handles.append(Line2D([], [], color=GREY, ls=":", label="status quo"))
    ax_x.legend(
        handles=issue_handles,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        fontsize="small",
        frameon=False,
    )
    ax_x.set_ylim(-0.03, 1.03)
    ax_x.set_ylabel(
        issue_label(scenario, issues[0]) if len(issues) == 1 else "offered term (0–1; see legend)"
    )
    ax_x.set_xlabel("round")
    ax_x.grid(alpha=0.3)

    accepted = [int(r["round"]) for r in rows if bool(r.get("accepted", False))]
    for ax in (ax_u, ax_x):
        for agreed_round in accepted[:1]:
            ax.axvline(
                agreed_round, color=STATUS_QUO_COLOR, lw=1.5, alpha=0.7, gid="agreement_round"
            )
    if accepted:
        ax_u.annotate(
            f"agreement, round {accepted[0]}",
            xy=(accepted[0], 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
            fontsize="small",
        )
    if title is None:
        where = ""
        if record is not None:
            where = f" — world {record.get('world', '?')}, seed {record.get('seed', '?')}"
        ending = (
            f"agreement in round {accepted[0]}"
            if accepted
            else f"{(record or {}).get('end_reason', 'no agreement')} in round {rounds[-1]}"
        )
        title = f"{scenario.name}: one negotiation{where} ({ending})"
    fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------------------------
# All figures of a results folder


def figures(results: Results, *, cells: Sequence[int] | None = None) -> dict[str, Figure]:
    """Every figure that applies to a results folder (joint needs two issues, drivers a
    sampled parameter), keyed by name."""
    chosen = results.select(cells)
    records = chosen.runs
    scenario = chosen.scenario_for(chosen.cell_ids[0])
    labels = chosen.labels()
    name = chosen.name
    made: dict[str, Figure] = {
        "agreement": agreement_plot(records, labels=labels, name=name),
    }
    if _issue_names(scenario, records):
        made["terms"] = terms_plot(records, scenario, labels=labels, name=name)
    if _actor_names(scenario, records):
        made["gains"] = gains_plot(records, scenario, labels=labels, name=name)
    made["timing"] = timing_plot(records, scenario, labels=labels, name=name)
    if len(_issue_names(scenario, records)) >= 2:
        made["joint"] = joint_plot(records, scenario, labels=labels, name=name)
    params = [c for c in chosen.param_columns if records[c].nunique(dropna=True) > 1]
    if params:
        made["drivers"] = drivers_plot(records, params, labels=labels, name=name)
    return made


def write_all_figures(
    results: Results,
    out_dir: str | Path,
    fmt: str = "png",
    *,
    cells: Sequence[int] | None = None,
    dpi: int = 150,
) -> list[Path]:
    """Write every applicable figure to ``out_dir/<name>.<fmt>`` and return the paths."""
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unsupported format {fmt!r}; use png, svg or pdf")
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for figure_name, figure in figures(results, cells=cells).items():
        path = directory / f"{figure_name}.{fmt}"
        save_figure(figure, path, format=fmt, dpi=dpi)
        paths.append(path)
    return paths
