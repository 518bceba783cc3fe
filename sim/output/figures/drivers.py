"""Figure: how agreement varies with the sampled parameters that drive it most."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.drivers import driver_table, rank_drivers, signed_effects
from sim.output.figures.base import (
    FIGURE_WIDTH,
    AnyFigure,
    _cell_frame,
    _cells,
    _grid,
    _label,
    _legend_below,
    _root,
    _title,
    new_figure,
    panel_grid,
    parameter_label,
)
from sim.output.palette import cell_colors


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

    Panels are ordered by :func:`sim.analysis.drivers.rank_drivers` (the largest absolute
    Spearman correlation with agreement over the cells); above each panel the signed
    correlation of every cell (:func:`sim.analysis.drivers.signed_effects`), so a parameter that
    helps in one cell and hurts in another shows it.  With more than ``max_panels`` parameters
    only the strongest are shown.
    """
    if not param_columns:
        raise ValueError("no sampled parameters to plot")
    total = len(param_columns)
    ranked = rank_drivers(records, param_columns)[:max_panels]
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
        effects = signed_effects(records, column)
        if len(cells) == 1:
            title = f"Spearman ρ = {next(iter(effects.values()), 0.0):+.2f}"
        else:
            shown_effects = ", ".join(f"{cell}: {rho:+.2f}" for cell, rho in effects.items())
            title = "\n".join(textwrap.wrap(f"Spearman ρ per cell  {shown_effects}", 44))
        ax.set_title(title, fontsize="small", gid=f"effects:{column}")
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
