"""What drives durability: the baseline's funnel (signed -> ratified -> durable), one change at a time.

Regenerates the table of docs/model.md, section "What drives durability (measured)":

    python experiments/durability_drivers.py

The baseline scenario is run on worlds 0..4,999 (its own seed) and again with one ratification or
implementation number changed (a ratifier's threshold, the reneging costs, Europe's rearmament,
the length of the phase, no ratifiers); the same worlds in every row (common random numbers).
Each row gives P(signed), P(ratified), P(durable) with 95% Wilson intervals and who reneged, as a
share of the ratified deals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.analysis.statistics import wilson_interval
from sim.core.runner import run_batch
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

N = 5000
Edit = Callable[[dict[str, Any]], None]


def variant(base: Scenario, edit: Edit) -> Scenario:
    """The baseline with one edit applied to its data, validated again."""
    data = base.model_dump()
    edit(data)
    return Scenario.model_validate(data)


def set_value(path: list[str], value: Any) -> Edit:
    """An edit that sets one field."""

    def edit(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def scale_costs(factor: float) -> Edit:
    """An edit that scales every reneging cost."""

    def edit(data: dict[str, Any]) -> None:
        costs = data["implementation"]["reneging_cost"]
        data["implementation"]["reneging_cost"] = {k: v * factor for k, v in costs.items()}

    return edit


def no_ratifiers(data: dict[str, Any]) -> None:
    """An edit that removes every domestic ratifier."""
    data["ratification"] = None


def unchanged(data: dict[str, Any]) -> None:
    """The baseline itself."""


RATIFIER = ["ratification", "ratifiers"]
CASES: list[tuple[str, Edit]] = [
    ("baseline", unchanged),
    (
        "referendum threshold 0.90 (baseline 0.92)",
        set_value([*RATIFIER, "ukraine_referendum", "threshold"], 0.90),
    ),
    ("referendum threshold 0.94", set_value([*RATIFIER, "ukraine_referendum", "threshold"], 0.94)),
    (
        "EU frontline threshold 0.86 (baseline 0.88)",
        set_value([*RATIFIER, "eu_frontline", "threshold"], 0.86),
    ),
    ("EU frontline threshold 0.90", set_value([*RATIFIER, "eu_frontline", "threshold"], 0.90)),
    (
        "Congress threshold 0.96 (baseline 0.97)",
        set_value([*RATIFIER, "us_congress", "threshold"], 0.96),
    ),
    ("Congress threshold 0.98", set_value([*RATIFIER, "us_congress", "threshold"], 0.98)),
    ("reneging costs halved", scale_costs(0.5)),
    ("reneging costs doubled", scale_costs(2.0)),
    (
        "Europe's war cost falls 0.004/quarter (baseline 0.006)",
        set_value(["implementation", "war_cost_drift", "nato"], -0.004),
    ),
    (
        "Europe's war cost falls 0.008/quarter",
        set_value(["implementation", "war_cost_drift", "nato"], -0.008),
    ),
    ("implementation 6 quarters (baseline 12)", set_value(["implementation", "periods"], 6)),
    ("implementation 24 quarters", set_value(["implementation", "periods"], 24)),
    ("no ratifiers", no_ratifiers),
]


def row(label: str, columns: dict[str, Any]) -> str:
    """One Markdown row: the funnel with intervals and who reneged."""
    cells = []
    for stage in ("signed", "ratified", "durable"):
        k = int(columns[stage].sum())
        low, high = wilson_interval(k, N)
        cells.append(f"{100 * k / N:.1f}% [{100 * low:.1f}, {100 * high:.1f}]")
    ratified = columns["ratified"]
    counts: dict[str, int] = {}
    for name in columns["reneged_by"][ratified]:
        if name:
            counts[name] = counts.get(name, 0) + 1
    total = max(int(ratified.sum()), 1)
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    who = ", ".join(f"{name} {100 * count / total:.0f}%" for name, count in ordered) or "nobody"
    return f"| {label} | {' | '.join(cells)} | {who} |"


def main() -> None:
    """Print the table."""
    base = load_scenario("alaska-summit")
    worlds = np.arange(N)
    print(
        "| change | P(signed) | P(ratified) | P(durable) | who reneges (share of ratified deals) |"
    )
    print("|---|---|---|---|---|")
    for label, edit in CASES:
        print(row(label, run_batch(variant(base, edit), worlds)))


if __name__ == "__main__":
    main()
