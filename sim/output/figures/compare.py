"""Figure: two result sets compared issue by issue."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from sim.analysis.compare import Side, _agreed_terms
from sim.core.records import TERM


def comparison_figure(a: Side, b: Side, *, bins: int = 40) -> Any:
    """Overlaid histograms of each issue's agreed terms for A and B, medians dashed."""
    from matplotlib.patches import Patch

    from sim.output.figures.base import UNIT_TICKS, issue_ends, new_figure, panel_grid
    from sim.output.palette import BLUE

    columns_b = {str(c) for c in b.records.columns}
    issues = [i for i in a.scenario.issue_names if TERM + i in a.records and TERM + i in columns_b]
    if not issues:
        raise ValueError("the two sides share no issue")
    rows = math.ceil(len(issues) / 2)
    fig = new_figure(10.0, 1.8 + 3.0 * rows)
    axes = panel_grid(fig, len(issues), 2)
    edges = np.linspace(0.0, 1.0, bins + 1).tolist()
    colors = {"A": "#4D4D4D", "B": BLUE}
    for ax, issue in zip(axes, issues, strict=True):
        for key, side in (("A", a), ("B", b)):
            values = _agreed_terms(side.records, issue)
            if values.size == 0:
                continue
            ax.hist(
                values,
                bins=edges,
                density=True,
                histtype="stepfilled",
                alpha=0.3,
                color=colors[key],
                gid=f"compare:{issue}:{key}",
            )
            ax.hist(values, bins=edges, density=True, histtype="step", lw=1.5, color=colors[key])
            ax.axvline(
                float(np.median(values)),
                color=colors[key],
                ls="--",
                lw=1.5,
                gid=f"median:{issue}:{key}",
            )
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks(*UNIT_TICKS)
        ax.set_title(issue, fontweight="bold")
        ax.set_xlabel(issue_ends(a.scenario, issue, 52))
        ax.set_ylabel("density of agreed terms")
    handles = [
        Patch(
            facecolor=colors["A"],
            alpha=0.5,
            label="A: " + textwrap.shorten(a.label, 60, placeholder="…"),
        ),
        Patch(
            facecolor=colors["B"],
            alpha=0.5,
            label="B: " + textwrap.shorten(b.label, 60, placeholder="…"),
        ),
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize="small"
    )
    fig.suptitle(
        f"Agreed terms, A vs B (N = {len(a.records):,} and {len(b.records):,} worlds; "
        "dashed: medians)"
    )
    return fig
