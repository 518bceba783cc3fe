"""Figure: one world's round-by-round trajectory (thresholds and offers, terms and status quo).

Colour means one thing throughout: the actor (its thresholds, its value of each offer, and the
offers it proposed); line style tells the quantities apart.  Each issue has its own panel, named
with what its 0 and 1 mean, so no two labels compete for one axis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.core.records import OFFER, OFFER_UTILITY, PROPOSER, RESERVATION, STATUS_QUO, THRESHOLD
from sim.output.figures.base import FIGURE_WIDTH, issue_ends, new_figure
from sim.output.figures.implementation_phase import draw_implementation
from sim.output.palette import GREY, STATUS_QUO_COLOR, actor_colors
from sim.scenario.schema import Scenario

ACTOR_LINES = (  # (prefix, line style, marker, width, label)
    (THRESHOLD, "--", "", 1.5, "acceptance threshold"),
    (OFFER_UTILITY, "-", "o", 1.2, "utility of the offer"),
    (RESERVATION, ":", "", 1.0, "no-deal value"),
)


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
    """One negotiation round by round: each actor's threshold, value of the offer and no-deal
    value (top), then one panel per issue with the offered term (coloured by who proposed it)
    and the status quo; the agreement round marked; then, shaded, the deal's implementation
    periods (each actor's value of war and the moving balance)."""
    if not trajectory:
        raise ValueError("the trajectory is empty")
    rows = list(trajectory)
    rounds = np.array([int(r["round"]) for r in rows])
    issues = scenario.issue_names
    columns = 1 if len(issues) <= 2 else 2
    issue_rows = math.ceil(len(issues) / columns)
    fig = new_figure(FIGURE_WIDTH, 4.4 + 1.7 * issue_rows)
    grid = fig.add_gridspec(1 + issue_rows, columns, height_ratios=[2.4] + [1.0] * issue_rows)
    ax_u = fig.add_subplot(grid[0, :])
    issue_axes = [
        fig.add_subplot(grid[1 + k // columns, k % columns], sharex=ax_u)
        for k in range(len(issues))
    ]
    colors = actor_colors(scenario.actor_names)
    _utilities(ax_u, rows, rounds, scenario.actor_names, colors)
    for ax, issue in zip(issue_axes, issues, strict=True):
        _issue_panel(ax, rows, rounds, issue, scenario, colors, 100 if columns == 1 else 52)
    last = int(rounds[-1])
    draw_implementation(
        ax_u, dict(zip(issues, issue_axes, strict=True)), implementation, scenario, last
    )
    for ax in [ax_u, *issue_axes]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # rounds are whole numbers
        ax.set_xlim(left=0.5)
        ax.grid(alpha=0.3)
    for ax in issue_axes[: len(issues) - columns]:
        ax.tick_params(labelbottom=False)
    for ax in issue_axes[-columns:]:
        ax.set_xlabel("round" if not implementation else "round, then implementation period")
    accepted = [int(r["round"]) for r in rows if bool(r.get("accepted", False))]
    _mark_agreement(ax_u, issue_axes, accepted)
    fig.suptitle(title if title is not None else _title(scenario, record, accepted, last))
    return fig


def _utilities(
    ax: Axes,
    rows: Sequence[Mapping[str, Any]],
    rounds: np.ndarray,
    actors: Sequence[str],
    colors: Mapping[str, str],
) -> None:
    """Each actor's threshold, value of the offer and no-deal value, in its own colour."""
    for actor in actors:
        for prefix, style, marker, width, _ in ACTOR_LINES:
            ax.plot(
                rounds,
                _series(rows, prefix + actor),
                color=colors[actor],
                ls=style,
                marker=marker or None,
                ms=4,
                lw=width,
                gid=f"{prefix.rstrip('.')}:{actor}",
            )
    ax.set_ylabel("utility")
    handles = [Line2D([], [], color=colors[a], lw=3, label=a) for a in actors]
    handles += [
        Line2D([], [], color=GREY, ls=style, marker=marker or None, ms=4, label=label)
        for _, style, marker, _, label in ACTOR_LINES
    ]
    handles += [
        Line2D(
            [],
            [],
            color=GREY,
            ls="",
            marker="o",
            ms=5,
            label="term offered (below;\ncolour: who proposed)",
        ),
        Line2D([], [], color=STATUS_QUO_COLOR, ls=":", label="status quo (below)"),
    ]
    ax.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        fontsize="small",
        frameon=False,
    )


def _issue_panel(
    ax: Axes,
    rows: Sequence[Mapping[str, Any]],
    rounds: np.ndarray,
    issue: str,
    scenario: Scenario,
    colors: Mapping[str, str],
    width: int,
) -> None:
    """One issue: the offered term each round (a dot in the proposer's colour, joined by a
    thin grey line) and the status quo (black, dotted)."""
    offered = _series(rows, OFFER + issue)
    ax.plot(rounds, offered, color=GREY, lw=0.8, gid=f"offer:{issue}")
    proposers = [str(r.get(PROPOSER, "")) for r in rows]
    dots = [colors.get(p, GREY) for p in proposers]
    ax.scatter(rounds, offered, c=dots, s=18, zorder=3, gid=f"offer_by:{issue}")
    ax.plot(
        rounds,
        _series(rows, STATUS_QUO + issue),
        color=STATUS_QUO_COLOR,
        ls=":",
        lw=1.2,
        gid=f"status_quo:{issue}",
    )
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([0.0, 0.5, 1.0])
    ax.set_title(f"{issue}\n{issue_ends(scenario, issue, width)}", fontsize="small", loc="left")


def _mark_agreement(ax_u: Axes, issue_axes: Sequence[Axes], accepted: Sequence[int]) -> None:
    """A vertical line at the round of agreement in every panel, named once at the top."""
    if not accepted:
        return
    for ax in (ax_u, *issue_axes):
        ax.axvline(accepted[0], color=STATUS_QUO_COLOR, lw=1.5, alpha=0.7, gid="agreement_round")
    ax_u.annotate(
        f"agreement, round {accepted[0]}",
        xy=(accepted[0], 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -12),
        textcoords="offset points",
        ha="right",
        fontsize="small",
    )


def _title(
    scenario: Scenario, record: Mapping[str, Any] | None, accepted: Sequence[int], last: int
) -> str:
    where = ""
    if record is not None:
        where = f" — world {record.get('world', '?')}, seed {record.get('seed', '?')}"
    ending = (
        f"agreement in round {accepted[0]}"
        if accepted
        else f"{(record or {}).get('end_reason', 'no agreement')} in round {last}"
    )
    return f"{scenario.name}: one negotiation{where} ({ending})"
