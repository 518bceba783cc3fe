"""Figure: which uncertain inputs decide an outcome -- ranked bars with their intervals.

One panel per (cell, outcome) of a :class:`~sim.analysis.sensitivity_results.SensitivityReport`:
total Sobol' indices (bars, 95% bootstrap interval) with the first-order index (dots, interval)
for a Sobol design, chance (the model's own draws) in grey; Morris mu* (bars, bootstrap interval) with sigma (dots); the PAWN median
(bars) with its range over conditioning slices and the 95% KS critical distance (dashed) below
which an input is indistinguishable from one the model ignores.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.sensitivity import CHANCE
from sim.analysis.sensitivity_results import CellSensitivity, SensitivityReport
from sim.output.figures.base import (
    FIGURE_WIDTH,
    AnyFigure,
    _root,
    new_figure,
    panel_grid,
    wrap_path,
)
from sim.output.palette import BLUE, GREY, ORANGE

MAX_PANELS = 6
MAX_INPUTS = 12

_AXIS = {
    "sobol": "Sobol' index (share of the outcome's variance)",
    "morris": "Morris mu* (mean |elementary effect| over the prior range)",
    "pawn": "PAWN index (KS distance of the conditional outcome)",
}


def sensitivity_plot(
    report: SensitivityReport,
    *,
    top: int = MAX_INPUTS,
    max_panels: int = MAX_PANELS,
    fig: AnyFigure | None = None,
) -> Figure:
    """Ranked bars with intervals for the first ``max_panels`` analyses of ``report``."""
    analyses = list(report.analyses[:max_panels])
    if not analyses:
        raise ValueError("the report holds no analysis to plot")
    inputs = max(min(top, len(a.table)) for a in analyses)
    columns = 2 if len(analyses) > 1 else 1
    rows = -(-len(analyses) // columns)
    if fig is None:
        fig = new_figure(FIGURE_WIDTH, 1.0 + rows * (0.9 + 0.32 * inputs))
    axes = panel_grid(fig, len(analyses), columns)
    for ax, analysis in zip(axes, analyses, strict=True):
        _panel(ax, analysis, top)
    fig.suptitle(
        f"{report.name}: which uncertain inputs decide the outcome "
        f"(design: {report.design}, method: {report.method})",
        fontsize=11,
    )
    return _root(fig)


def _panel(ax: Axes, analysis: CellSensitivity, top: int) -> None:
    table = analysis.table.head(top)
    names = [wrap_path(str(n), 34) for n in table["factor"]]
    y = np.arange(len(table))[::-1]
    if analysis.method == "sobol":
        for chance, color, label in ((False, BLUE, "total (ST)"), (True, GREY, "total: chance")):
            rows = (table["factor"] == CHANCE).to_numpy() == chance
            if rows.any():
                ax.barh(y[rows], table["ST"][rows], xerr=table["ST_conf"][rows], color=color,
                        alpha=0.85, capsize=2, label=label, gid="sensitivity-main")  # fmt: skip
        ax.errorbar(table["S1"], y, xerr=table["S1_conf"], fmt="o", color=ORANGE, capsize=2,
                    markersize=4, label="first-order (S1)", gid="sensitivity-second")  # fmt: skip
        ax.axvline(0.0, color=GREY, linewidth=0.8)
    elif analysis.method == "morris":
        ax.barh(y, table["mu_star"], xerr=table["mu_star_conf"], color=BLUE, alpha=0.85,
                capsize=2, label="mu*", gid="sensitivity-main")  # fmt: skip
        ax.plot(table["sigma"], y, "o", color=ORANGE, markersize=4, label="sigma",
                gid="sensitivity-second")  # fmt: skip
    else:
        low = table["median"] - table["minimum"]
        high = table["maximum"] - table["median"]
        ax.barh(y, table["median"], xerr=np.vstack([low, high]), color=BLUE, alpha=0.85,
                capsize=2, label="median over slices (whiskers: min-max)",
                gid="sensitivity-main")  # fmt: skip
        ax.axvline(float(table["threshold"].iloc[0]), color=GREY, linestyle="--", linewidth=1,
                   label="95% KS critical distance", gid="sensitivity-threshold")  # fmt: skip
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel(_AXIS[analysis.method], fontsize=9)
    ax.set_title(
        "\n".join(textwrap.wrap(f"{analysis.outcome} — {analysis.label}", 60)), fontsize=10
    )
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)


__all__ = ["sensitivity_plot"]
