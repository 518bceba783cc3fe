"""What drives durability: the funnel (signed -> ratified -> durable) of the variants, and of the
baseline with one ratification or implementation number changed.

Regenerates the tables of docs/model.md, section "What drives durability (measured)":

    python experiments/durability_drivers.py                          # print the tables
    python experiments/durability_drivers.py --update docs/model.md   # rewrite the block

1. **Variants.**  ``experiments/durability.yaml`` run as ``parley sweep`` runs it (its seed, its
   priors on war costs and the breakdown hazard, ``--runs`` worlds per cell, the same worlds in
   every cell): P(signed), P(ratified), P(durable) with 95% Wilson intervals, and the paired
   change in P(durable) against the baseline cell with its 95% interval, next to the direction
   the variant's evidence argues.
2. **One number at a time.**  The baseline scenario itself (no priors) on worlds
   0..``--case-runs``-1, again with one ratification or implementation number changed (a
   ratifier's threshold, the reneging costs, Europe's rearmament, the length of the phase, no
   ratifiers), the same worlds in every row; who reneged, as a share of the ratified deals.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drivers import REPO, parallel, run_cell, update  # noqa: E402

from sim.analysis.drivers import paired_difference  # noqa: E402
from sim.analysis.statistics import wilson_interval  # noqa: E402
from sim.core.runner import run_batch  # noqa: E402
from sim.experiment.loader import load_experiment  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

BEGIN, END = "<!-- durability:begin -->", "<!-- durability:end -->"
Edit = Callable[[dict[str, Any]], None]
Columns = Mapping[str, np.ndarray]

# The direction each variant's evidence argues for P(durable), against the baseline cell.
EXPECTED: dict[str, tuple[int, str]] = {
    "fragile-truce": (
        -1,
        "nothing verified, nobody to respond: truces collapse more (Fortna 2003)",
    ),
    "referendum": (
        -1,
        "a vote on the line: fewer deals pass, or the terms that pass leave the others less (Putnam 1988)",
    ),
    "security-guarantees": (
        +1,
        "a guarantee given raises the price of reneging (Walter 1997; Fortna 2003)",
    ),
    "guarantees-on-the-table": (
        0,
        "none argued: harder to sign (Moscow opposes them), sturdier once signed (Walter 1997)",
    ),
}
"""The direction each variant's evidence argues for P(durable), against the baseline cell (0: the
evidence argues effects of both signs, and the table reports the change without a verdict)."""
SIGNS = {+1: "+", -1: "−", 0: "±"}


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


KEPT = ("signed", "ratified", "durable", "reneged_by")


def _share(k: int, n: int) -> str:
    low, high = wilson_interval(k, n)
    return f"{100 * k / max(n, 1):.1f}% [{100 * low:.1f}, {100 * high:.1f}]"


def funnel(columns: Columns) -> list[str]:
    """P(signed), P(ratified), P(durable) with 95% Wilson intervals, as table cells."""
    return [_share(int(np.sum(columns[s])), int(np.size(columns[s]))) for s in KEPT[:3]]


def lasting(columns: Columns) -> str:
    """P(durable | ratified): the share of ratified deals that last, with its Wilson interval."""
    return _share(int(np.sum(columns["durable"])), int(np.sum(columns["ratified"])))


def reneged(columns: Columns) -> str:
    """Who reneged, as a share of the ratified deals."""
    ratified = np.asarray(columns["ratified"], dtype=bool)
    counts: dict[str, int] = {}
    for name in np.asarray(columns["reneged_by"])[ratified]:
        if name:
            counts[str(name)] = counts.get(str(name), 0) + 1
    total = max(int(ratified.sum()), 1)
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    shares = [(name, 100 * count / total) for name, count in ordered]
    # A share that rounds to 0% is still someone who reneged: shown as "<1%".
    return ", ".join(f"{n} {s:.0f}%" if s >= 0.5 else f"{n} <1%" for n, s in shares) or "nobody"


def _pp(estimate: tuple[float, float, float]) -> str:
    mid, low, high = (100 * v for v in estimate)
    return f"{mid:+.1f} [{low:+.1f}, {high:+.1f}]"


def _variant_task(item: tuple[int, int]) -> dict[str, np.ndarray]:
    index, runs = item
    experiment = load_experiment(REPO / "experiments" / "durability.yaml")
    return dict(run_cell(experiment, experiment.cells[index], runs)[1])


def _case_task(item: tuple[int, int]) -> dict[str, np.ndarray]:
    index, runs = item
    records = run_batch(variant(load_scenario("alaska-summit"), CASES[index][1]), np.arange(runs))
    return {c: np.asarray(records[c]) for c in KEPT}


def variant_rows(runs: int, workers: int) -> list[str]:
    """The variants' funnel, with the paired change in P(durable) against the baseline."""
    experiment = load_experiment(REPO / "experiments" / "durability.yaml")
    results = parallel(_variant_task, [(c.index, runs) for c in experiment.cells], workers)
    base = results[0]
    rows = []
    for cell, columns in zip(experiment.cells, results, strict=True):
        name = cell.scenario.name
        if name not in EXPECTED:
            rows.append(
                f"| {name} (baseline) | {' | '.join(funnel(columns))} | {lasting(columns)} "
                "| — | — | — |"
            )
            continue
        sign, evidence = EXPECTED[name]
        delta = paired_difference(base["durable"], columns["durable"])
        rows.append(
            f"| {name} | {' | '.join(funnel(columns))} | {lasting(columns)} | {_pp(delta)} | "
            f"{SIGNS[sign]}: {evidence} | {_verdict(sign, delta[1], delta[2])} |"
        )
    return rows


def _verdict(sign: int, low: float, high: float) -> str:
    """— where no direction is argued, ≈ 0 where the interval covers 0, else ✓ when it lies on
    the argued side and ✗ when on the other."""
    if sign == 0:
        return "—"
    if low <= 0 <= high:
        return "≈ 0"
    return "✓" if (low > 0) == (sign > 0) else "✗"


def case_rows(runs: int, workers: int) -> list[str]:
    """The baseline with one number changed at a time."""
    results = parallel(_case_task, [(i, runs) for i in range(len(CASES))], workers)
    base = results[0]
    rows = []
    for (label, _), columns in zip(CASES, results, strict=True):
        delta = (
            "—"
            if label == "baseline"
            else _pp(paired_difference(base["durable"], columns["durable"]))
        )
        rows.append(f"| {label} | {' | '.join(funnel(columns))} | {delta} | {reneged(columns)} |")
    return rows


def tables(runs: int, case_runs: int, workers: int) -> str:
    """The Markdown block: both tables with the command and world counts that made them."""
    started = time.monotonic()
    variants = variant_rows(runs, workers)
    cases = case_rows(case_runs, workers)
    minutes = (time.monotonic() - started) / 60
    return "\n".join(
        [
            BEGIN,
            f"Generated by `python experiments/durability_drivers.py --update docs/model.md "
            f"--runs {runs} --case-runs {case_runs}` ({minutes:.0f} "
            f"minute{'' if round(minutes) == 1 else 's'} with {workers} "
            f"worker{'s' if workers > 1 else ''} on the shared two-core machine).",
            "",
            f"**The variants** (`experiments/durability.yaml`, seed 9, {runs:,} worlds per cell, "
            "the same worlds in every cell): the funnel with 95% Wilson intervals, and the paired "
            "change in P(durable) against the baseline with its 95% interval; ✓ when the interval "
            "lies on the side the evidence argues.  P(durable | ratified) is the share of "
            "ratified deals that last the phase.",
            "",
            "| scenario | P(signed) | P(ratified) | P(durable) | P(durable \\| ratified) "
            "| ΔP(durable), points | expected (evidence) | |",
            "|---|---|---|---|---|---|---|---|",
            *variants,
            "",
            f"**One number at a time** (the baseline scenario, no priors, worlds "
            f"0..{case_runs - 1:,}, the same worlds in every row): the funnel, the paired change "
            "in P(durable) against the baseline, and who reneged (share of ratified deals).",
            "",
            "| change | P(signed) | P(ratified) | P(durable) | ΔP(durable), points | who reneges |",
            "|---|---|---|---|---|---|",
            *cases,
            END,
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the tables, or write them into a Markdown file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20_000, help="worlds per variant cell")
    parser.add_argument("--case-runs", type=int, default=5_000, help="worlds per one-number row")
    parser.add_argument("--workers", type=int, default=1, help="parallel processes")
    parser.add_argument("--update", type=Path, help="Markdown file whose block to rewrite")
    args = parser.parse_args(argv)
    block = tables(args.runs, args.case_runs, args.workers)
    if args.update:
        update(args.update, block, BEGIN, END)
    else:
        sys.stdout.write(block + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
