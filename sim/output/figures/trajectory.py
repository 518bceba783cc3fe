"""Figure: one world's round-by-round trajectory (offers, thresholds, status quo)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.core.records import OFFER, OFFER_UTILITY, RESERVATION, STATUS_QUO, THRESHOLD
from sim.output.figures.base import FIGURE_WIDTH, issue_label, new_figure
from sim.output.figures.implementation_phase import draw_implementation
from sim.output.palette import GREY, STATUS_QUO_COLOR, actor_colors, series_colors
from sim.scenario.schema import Scenario

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
    implementation: Sequence[Mapping[str, Any]] = (),
) -> Figure:
    """One negotiation round by round: thresholds and offered utilities per actor (top),
    offered terms and status quo per issue (bottom), the agreement round marked; then, shaded,
    the deal's implementation periods (each actor's value of war and the moving balance)."""
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
            _series(rows, THRESHOLD + actor),
            color=color,
            ls="--",
            lw=1.5,
            gid=f"threshold:{actor}",
        )
        ax_u.plot(
            rounds,
            _series(rows, OFFER_UTILITY + actor),
            color=color,
            ls="-",
            marker="o",
            ms=4,
            lw=1.2,
            gid=f"offer_utility:{actor}",
        )
        ax_u.plot(
            rounds,
            _series(rows, RESERVATION + actor),
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
            _series(rows, OFFER + issue),
            color=color,
            marker="o",
            ms=4,
            lw=1.2,
            gid=f"offer:{issue}",
        )
        ax_x.plot(
            rounds,
            _series(rows, STATUS_QUO + issue),
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
    ax_x.set_xlabel("round" if not implementation else "round, then implementation period")
    ax_x.xaxis.set_major_locator(MaxNLocator(integer=True))  # rounds are whole numbers
    draw_implementation(ax_u, ax_x, implementation, scenario, int(rounds[-1]))
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
