"""Figure: scenario discovery -- PRIM's coverage/density trade-off and the chosen box's limits.

Per cell, two panels: the peeling trajectory (coverage against density, coloured by the number of
restricted inputs, the chosen box ringed), and the chosen box's limits on each restricted input,
drawn on the input's sampled range scaled to [0, 1], with the quasi-p-value of each restriction
(Bryant & Lempert 2010).
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.discovery_results import CellDiscovery, DiscoveryReport
from sim.output.figures.base import FIGURE_WIDTH, AnyFigure, _root, new_figure, wrap_path
from sim.output.palette import BLUE, GREY, VERMILLION

MAX_CELLS = 4


def discovery_plot(
    report: DiscoveryReport, *, max_cells: int = MAX_CELLS, fig: AnyFigure | None = None
) -> Figure:
    """Trade-off curve and box limits for the first ``max_cells`` cells of ``report``."""
    analyses = list(report.analyses[:max_cells])
    if not analyses:
        raise ValueError("the report holds no analysis to plot")
    restricted = max(max(1, len(a.prim.limits)) for a in analyses)
    if fig is None:
        fig = new_figure(FIGURE_WIDTH, 0.8 + len(analyses) * max(3.2, 1.2 + 0.45 * restricted))
    grid = fig.subplots(len(analyses), 2, squeeze=False, width_ratios=[1, 1.3])
    for (tradeoff, limits), analysis in zip(grid, analyses, strict=True):
        _tradeoff(tradeoff, analysis)
        _limits(limits, analysis)
    fig.suptitle(
        "\n".join(textwrap.wrap(f"{report.name}: where does '{report.target}' hold?", 90)),
        fontsize=11,
    )
    return _root(fig)


def _tradeoff(ax: Axes, analysis: CellDiscovery) -> None:
    trajectory = analysis.prim.trajectory
    points = ax.scatter(
        trajectory["coverage"], trajectory["density"], c=trajectory["restricted"], cmap="viridis",
        s=18, gid="discovery-trajectory",
    )  # fmt: skip
    chosen = trajectory.iloc[analysis.prim.chosen]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=140, facecolors="none",
               edgecolors=VERMILLION, linewidths=2, gid="discovery-chosen",
               label=f"chosen box {analysis.prim.chosen}")  # fmt: skip
    ax.axhline(analysis.prim.base_rate, color=GREY, linestyle="--", linewidth=1,
               label="share of all worlds")  # fmt: skip
    ax.set_xlabel("coverage (share of the target's worlds inside the box)", fontsize=9)
    ax.set_ylabel("density (share of the box's worlds meeting the target)", fontsize=9)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    colorbar = ax.figure.colorbar(points, ax=ax, pad=0.01)
    colorbar.set_label("restricted inputs", fontsize=8)
    ax.set_title("\n".join(textwrap.wrap(analysis.label, 45)), fontsize=10)


def _limits(ax: Axes, analysis: CellDiscovery) -> None:
    limits = analysis.prim.limits
    if not len(limits):
        ax.text(0.5, 0.5, "no input restricted", ha="center", va="center")
        ax.set_axis_off()
        return
    span = (limits["data_high"] - limits["data_low"]).replace(0.0, 1.0)
    low = ((limits["low"] - limits["data_low"]) / span).clip(0, 1)
    high = ((limits["high"] - limits["data_low"]) / span).clip(0, 1)
    y = np.arange(len(limits))[::-1]
    ax.barh(y, np.ones(len(limits)), height=0.5, color=GREY, alpha=0.25, label="sampled range")
    ax.barh(y, high - low, left=low, height=0.5, color=BLUE, alpha=0.85, label="box",
            gid="discovery-box")  # fmt: skip
    ax.set_ylim(-0.8, len(limits) - 0.2)
    for row, (name, item) in zip(y, limits.iterrows(), strict=True):
        ax.text(1.02, row, f"{item['low']:.3g} – {item['high']:.3g}  (qp {item['qp']:.0e})",
                va="center", fontsize=8)  # fmt: skip
        del name
    ax.set_yticks(y, [wrap_path(str(n), 30) for n in limits.index], fontsize=8)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.5, 1], ["min", "", "max"])
    ax.set_xlabel("each input's sampled range", fontsize=9)
    prim = analysis.prim
    ax.set_title(
        f"box: density {prim.density:.0%}, coverage {prim.coverage:.0%}, mass {prim.mass:.0%}",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="lower right")


__all__ = ["discovery_plot"]
