"""Figure: two actors' outcomes against each other (e.g. Russia against Ukraine) in the worlds
with a deal, with each actor's no-deal line: who gains, who concedes, and who would rather walk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from sim.core.records import GAIN
from sim.output.figures.base import FIGURE_WIDTH, _cell_frame, _cells, _label, _title, new_figure
from sim.output.palette import GREY, cell_colors

MAX_POINTS = 4_000
PREFERRED = ("russia", "ukraine")


def default_scatter_actors(actors: Sequence[str]) -> tuple[str, str] | None:
    """Russia against Ukraine when both are present, else the first two actors."""
    if all(a in actors for a in PREFERRED):
        return PREFERRED
    return (actors[0], actors[1]) if len(actors) >= 2 else None


def utility_scatter_plot(
    records: pd.DataFrame,
    actors: tuple[str, str],
    *,
    labels: Mapping[int, str] | None = None,
    name: str = "",
) -> Figure:
    """Each deal as a point: actor x's gain over its no-deal utility against actor y's, one
    colour per cell; the lines at 0 are each actor's no-deal value (a point left of or below
    them is a deal that actor accepted although it was worse off than walking away in that
    world's draw, which a veto player never does)."""
    x_actor, y_actor = actors
    fig = new_figure(FIGURE_WIDTH * 0.7, 6.0)
    ax = fig.subplots()
    cells = _cells(records)
    for color, cell in zip(cell_colors(len(cells)), cells, strict=True):
        frame = _cell_frame(records, cell)
        deals = frame[frame["agreed"].astype(bool)]
        if len(deals) > MAX_POINTS:
            deals = deals.sample(MAX_POINTS, random_state=0)
        ax.scatter(
            deals[GAIN + x_actor].to_numpy(dtype=float),
            deals[GAIN + y_actor].to_numpy(dtype=float),
            s=6,
            alpha=0.35,
            color=color,
            lw=0,
            label=f"{_label(labels, cell, 40)} ({int(frame['agreed'].sum()):,} deals)",
            gid=f"deals:{cell}",
        )
    ax.axvline(0.0, color=GREY, lw=1.2, ls="--", gid=f"no-deal:{x_actor}")
    ax.axhline(0.0, color=GREY, lw=1.2, ls="--", gid=f"no-deal:{y_actor}")
    x_low, x_high = ax.get_xlim()
    y_low, y_high = ax.get_ylim()
    ax.text(0.0, y_high, f" {x_actor}'s no-deal line", va="top", ha="left", fontsize="small")
    ax.text(x_high, 0.0, f"{y_actor}'s no-deal line ", va="bottom", ha="right", fontsize="small")
    ax.set_xlim(min(x_low, -0.05), x_high)
    ax.set_ylim(min(y_low, -0.05), y_high)
    ax.set_xlabel(f"{x_actor}: gain over its no-deal utility")
    ax.set_ylabel(f"{y_actor}: gain over its no-deal utility")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small", frameon=False, markerscale=3)
    fig.suptitle(_title(name, f"{x_actor} against {y_actor} in each deal", records, width=60))
    return fig


def gains_of(records: pd.DataFrame) -> list[str]:
    """The actors with a ``gain.<actor>`` column, in order."""
    return [str(c)[len(GAIN) :] for c in records.columns if str(c).startswith(GAIN)]
