"""The implementation phase drawn after a trajectory's last round (reads the run's rows only)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from sim.output.palette import STATUS_QUO_COLOR, actor_colors
from sim.scenario.schema import Scenario

PHASE_SHADE = "#f2efe6"


def draw_implementation(
    ax_utility: Axes,
    issue_axes: Mapping[str, Axes],
    periods: Sequence[Mapping[str, Any]],
    scenario: Scenario,
    last_round: int,
) -> None:
    """Shade the implementation periods after ``last_round`` and draw each actor's value of
    going back to war (top, in its colour) and the moving balance (in each issue's panel, black
    like the status quo); mark a collapse (Fearon 1995)."""
    if not periods:
        return
    x = last_round + np.array([int(row["period"]) for row in periods], dtype=float)
    for ax in (ax_utility, *issue_axes.values()):
        ax.axvspan(last_round + 0.5, x[-1] + 0.5, color=PHASE_SHADE, zorder=0, gid="implementation")
    colors = actor_colors(scenario.actor_names)
    for actor in scenario.actor_names:
        values = [float(row.get(f"reservation.{actor}", math.nan)) for row in periods]
        ax_utility.plot(
            x, values, color=colors[actor], ls=":", marker="x", ms=4, lw=1.0, gid=f"war:{actor}"
        )
    for issue, ax in issue_axes.items():
        values = [float(row.get(f"status_quo.{issue}", math.nan)) for row in periods]
        ax.plot(
            x,
            values,
            color=STATUS_QUO_COLOR,
            ls=":",
            marker="x",
            ms=4,
            lw=1.0,
            gid=f"balance:{issue}",
        )
    ax_utility.annotate(
        "implementation",
        xy=(last_round + 0.6, 0.02),
        xycoords=("data", "axes fraction"),
        fontsize="small",
    )
    reneged = [row for row in periods if row.get("reneged")]
    for row in reneged[:1]:
        at = last_round + int(row["period"])
        for ax in (ax_utility, *issue_axes.values()):
            ax.axvline(at, color=STATUS_QUO_COLOR, ls="--", lw=1.5, gid="collapse")
        ax_utility.annotate(
            f"collapse: {row['reneged']} reneged",
            xy=(at, 0.9),
            xycoords=("data", "axes fraction"),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            fontsize="small",
        )
