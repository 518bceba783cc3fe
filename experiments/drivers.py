"""What drives the Alaska library's outcomes: variance shares and comparative statics.

Regenerates the tables of docs/model.md, section "What drives the outcome (measured)":

    python experiments/drivers.py                          # print the tables (Markdown)
    python experiments/drivers.py --update docs/model.md   # rewrite the block between markers

1. **Variance shares.**  Each shipped experiment (``experiments/*.yaml``) is run exactly as
   ``parley sweep`` runs it (same seed, same sampled parameters per world), with ``--runs``
   worlds per cell (20,000 by default).  For ``agreed`` (all worlds) and for each agreed term and
   the round of agreement (worlds that agreed), the table gives the adjusted R² of an additive
   quadratic regression on every sampled parameter (and the cell), the first-order share of each
   parameter from binned conditional means (:func:`sim.analysis.drivers.first_order_share`), and
   for ``agreed`` the shares summed by group (the clock, exponents, war costs, ...).
2. **Comparative statics.**  On the ``baseline-uncertainty`` priors, the same worlds are run
   again with one thing changed (a war cost raised by one prior sd, the front's drift, Trump's
   threat as the ``severe-consequences`` variant, a veto removed, the horizon doubled, ...): the
   paired difference in P(agreement), in the mean round of agreement and in the mean agreed
   territory, with 95% intervals (common random numbers: world w is the same world in both runs),
   next to the direction the scenario's evidence argues for.

Reading only the library (no command-line tool), so the numbers are those of the code checked
out; a run takes a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.drivers import (
    first_order_share,
    paired_conditional_difference,
    paired_difference,
    regression_r2,
)
from sim.core.fields import sampleable_fields
from sim.core.runner import run_batch
from sim.experiment.cells import apply_factors
from sim.experiment.loader import load_experiment
from sim.experiment.quantiles import sample_design
from sim.experiment.sampling import flatten
from sim.experiment.spec import Cell, Experiment
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[1]
EXPERIMENTS = (
    "baseline-uncertainty",
    "battlefield-momentum",
    "sanctions-pressure",
    "veto-structure",
)
BEGIN, END = "<!-- drivers:begin -->", "<!-- drivers:end -->"
Columns = Mapping[str, np.ndarray]
Sampled = dict[str, np.ndarray]


# ---------------------------------------------------------------------------------------------
# Running a cell as the sweep does


def run_cell(
    experiment: Experiment,
    cell: Cell,
    runs: int,
    *,
    scenario: Scenario | None = None,
    shift: Callable[[Sampled], Sampled] | None = None,
) -> tuple[Sampled, Columns]:
    """The cell's worlds 0..runs-1: sampled parameters and outcome records (as ``parley sweep``).

    ``scenario`` replaces the cell's scenario and ``shift`` edits the sampled parameters, both
    keeping the worlds (and so every random draw) the same.
    """
    worlds = np.arange(runs, dtype=np.int64)
    sampled = sample_design(experiment.design, cell.parameters, experiment.seed, runs, worlds)
    if shift is not None:
        sampled = shift(dict(sampled))
    records = run_batch(scenario or cell.scenario, worlds, seed=experiment.seed, overrides=sampled)
    return flatten(cell.parameters, sampled), records


# ---------------------------------------------------------------------------------------------
# 1. Variance shares

GROUPS: tuple[tuple[str, str], ...] = (
    ("breakdown probability (the clock)", r"^protocol\.breakdown_probability$"),
    ("concession exponents β", r"\.strategy\.beta$"),
    ("war costs", r"\.war_cost$"),
    ("discount factors", r"\.discount$"),
    ("saliences", r"\.salience\."),
    ("positions", r"\.position\."),
    ("capabilities", r"\.capability$"),
    ("battlefield (status quo, drift, volatility)", r"^(issues|dynamics)\."),
    ("cell (factors, scenarios)", r"^cell$"),
)


def _short(column: str) -> str:
    return column.removeprefix("param.").removeprefix("actors.").replace("strategy.", "")


def experiment_frame(name: str, runs: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """All cells of an experiment stacked: (inputs by column, outcomes by column)."""
    experiment = load_experiment(REPO / "experiments" / f"{name}.yaml")
    inputs: dict[str, list[np.ndarray]] = {}
    outcomes: dict[str, list[np.ndarray]] = {}
    for cell in experiment.cells:
        params, records = run_cell(experiment, cell, runs)
        for column, values in params.items():
            inputs.setdefault(column, []).append(np.asarray(values, dtype=float))
        if len(experiment.cells) > 1:
            inputs.setdefault("cell", []).append(np.full(runs, float(cell.index)))
        for column in ("agreed", "round", *[c for c in records if c.startswith("term.")]):
            outcomes.setdefault(column, []).append(np.asarray(records[column], dtype=float))
    stacked_in = {c: np.concatenate(v) for c, v in inputs.items()}
    stacked_out = {c: np.concatenate(v) for c, v in outcomes.items()}
    return stacked_in, stacked_out


def shares_table(
    name: str, inputs: Mapping[str, np.ndarray], outcomes: Mapping[str, np.ndarray], bins: int
) -> tuple[list[str], dict[str, float]]:
    """Markdown rows for one experiment, and the grouped first-order shares of ``agreed``."""
    agreed = outcomes["agreed"].astype(bool)
    rows: list[str] = []
    grouped: dict[str, float] = {}
    targets = ["agreed", *sorted(c for c in outcomes if c.startswith("term.")), "round"]
    for target in targets:
        mask = np.ones(agreed.size, bool) if target == "agreed" else agreed
        y = outcomes[target][mask]
        xs = {c: v[mask] for c, v in inputs.items()}
        regressors = [v for c, v in xs.items() if c != "cell"]
        if "cell" in xs:
            cells = xs["cell"]
            regressors += [(cells == k).astype(float) for k in np.unique(cells)[1:]]
        r2 = regression_r2(y, regressors)
        shares = {c: first_order_share(y, v, bins) for c, v in xs.items()}
        top = sorted(shares.items(), key=lambda item: -item[1])[:3]
        label = target if target == "agreed" else f"{target} (agreed)"
        rows.append(
            f"| {name} | {label} | {int(mask.sum()):,} | {r2:.1%} | "
            + ", ".join(f"{_short(c)} {s:.1%}" for c, s in top)
            + " |"
        )
        if target == "agreed":
            for group, pattern in GROUPS:
                grouped[group] = sum(
                    s for c, s in shares.items() if re.search(pattern, c.removeprefix("param."))
                )
    return rows, grouped


# ---------------------------------------------------------------------------------------------
# 2. Comparative statics on the baseline-uncertainty priors


@dataclass(frozen=True)
class Change:
    """One comparative-statics row: what changes, and the direction its evidence argues."""

    label: str
    expected_p: int | None  # +1 raises P(agreement), -1 lowers it, 0 leaves it about unchanged,
    # None: the evidence argues no direction
    expected_territory: int | None  # the same for the mean agreed line of control (+1: Russia's)
    evidence: str
    scenario: Callable[[Scenario], Scenario] | None = None
    shift: Callable[[Sampled], Sampled] | None = None


def add(
    path: str, delta: float, low: float = 0.0, high: float = 1.0
) -> Callable[[Sampled], Sampled]:
    """Shift one sampled parameter by ``delta`` in every world (clipped to its valid range)."""

    def apply(sampled: Sampled) -> Sampled:
        sampled[path] = np.clip(sampled[path] + delta, low, high)
        return sampled

    return apply


def both(*shifts: Callable[[Sampled], Sampled]) -> Callable[[Sampled], Sampled]:
    """Apply several shifts in turn."""

    def apply(sampled: Sampled) -> Sampled:
        for shift in shifts:
            sampled = shift(sampled)
        return sampled

    return apply


def variant(name: str) -> tuple[Callable[[Scenario], Scenario], Callable[[Sampled], Sampled]]:
    """A library variant on the same worlds: its scenario, and every sampled scalar it changes
    shifted by its change (so a prior centred on the baseline's value is centred on the
    variant's, as the variant means)."""
    scenario = load_scenario(REPO / "scenarios" / f"{name}.yaml")

    def shift(sampled: Sampled) -> Sampled:
        mine = sampleable_fields(scenario)
        for path, values in list(sampled.items()):
            field = mine.get(path)
            base = BASE_FIELDS.get(path)
            if field is None or base is None or field.kind != "scalar":
                continue
            new, old = field.base[0], base.base[0]
            if new is not None and old is not None and new != old:
                sampled[path] = field.range.clip(values + (new - old))
        return sampled

    return (lambda _: scenario), shift


BASE_FIELDS = sampleable_fields(load_scenario(REPO / "scenarios" / "alaska-summit.yaml"))


def changes() -> list[Change]:
    """The comparative-statics rows of docs/model.md."""
    threat_scenario, threat_shift = variant("severe-consequences")
    sd = 0.04  # the war-cost prior's sd in baseline-uncertainty
    rows = [
        Change(
            f"Russia's war cost +{sd}",
            +1,
            -1,
            "costlier war widens the bargaining range (Fearon 1995); Moscow needs the deal more",
            shift=add("actors.russia.war_cost", sd),
        ),
        Change(
            f"US war cost +{sd}",
            +1,
            None,
            "costlier war widens the range",
            shift=add("actors.us.war_cost", sd),
        ),
        Change(
            f"Ukraine's war cost +{sd}",
            +1,
            +1,
            "costlier war widens the range; Kyiv needs the deal more",
            shift=add("actors.ukraine.war_cost", sd),
        ),
        Change(
            f"Europe's war cost +{sd}",
            +1,
            None,
            "costlier war widens the range",
            shift=add("actors.nato.war_cost", sd),
        ),
        Change(
            f"every war cost +{sd}",
            +1,
            None,
            "costlier war widens the range",
            shift=both(
                *(add(f"actors.{a}.war_cost", sd) for a in ("russia", "us", "ukraine", "nato"))
            ),
        ),
        Change(
            "front drift +0.004/round (battlefield-momentum's pace)",
            None,
            +1,
            "Moscow's no-deal value rises and Kyiv's and Europe's fall (battlefield-momentum): "
            "deals cede more territory; more or fewer deals, the evidence does not say",
            shift=add("dynamics.territory.drift", 0.004, -1.0, 1.0),
        ),
        Change(
            "front drift −0.003/round (battlefield-stall's)",
            None,
            -1,
            "waiting no longer pays Moscow (battlefield-stall): deals cede less",
            shift=add("dynamics.territory.drift", -0.003, -1.0, 1.0),
        ),
        Change(
            "threat carried out (severe-consequences)",
            +1,
            -1,
            "only Moscow's no-deal value falls: a deal at least as likely, no later",
            scenario=threat_scenario,
            shift=threat_shift,
        ),
        Change(
            "Ukraine's veto removed",
            +1,
            +1,
            "fewer vetoes, never fewer acceptable packages",
            scenario=lambda s: apply_factors(s, {"actors.ukraine.veto": False}),
        ),
        Change(
            "Europe's veto removed",
            +1,
            None,
            "fewer vetoes, never fewer acceptable packages; "
            "the terms Europe would refuse are its own issues (neutrality, sanctions)",
            scenario=lambda s: apply_factors(s, {"actors.nato.veto": False}),
        ),
        Change(
            "both removed (bilateral-deal)",
            +1,
            +1,
            "a deal over Kyiv's and Europe's heads",
            scenario=lambda s: apply_factors(
                s, {"actors.ukraine.veto": False, "actors.nato.veto": False}
            ),
        ),
        Change(
            "horizon doubled (max_rounds × 2)",
            0,
            0,
            "a calendar, not a fact of the case: "
            "parties who would settle earlier must not settle less often (issue 8, item 2)",
            scenario=lambda s: apply_factors(s, {"protocol.max_rounds": 2 * s.protocol.max_rounds}),
        ),
        Change(
            "breakdown probability +0.04/round",
            -1,
            None,
            "the talks collapse sooner",
            shift=add("protocol.breakdown_probability", 0.04, 0.0, 0.99),
        ),
    ]
    return rows


def _verdict(expected: int | None, low: float, high: float, tolerance: float) -> str:
    if math.isnan(low):
        return "n/a"
    if expected is None:
        return "—"
    if expected == 0:
        return "✓" if low > -tolerance and high < tolerance else "✗"
    if (expected > 0 and low > 0) or (expected < 0 and high < 0):
        return "✓"
    if (expected > 0 and high < 0) or (expected < 0 and low > 0):
        return "✗"
    return "≈ 0"


def statics_rows(runs: int, n_boot: int) -> list[str]:
    """Markdown rows of the comparative-statics table."""
    experiment = load_experiment(REPO / "experiments" / "baseline-uncertainty.yaml")
    cell = experiment.cells[0]
    _, base = run_cell(experiment, cell, runs)
    rows = []
    sign = {1: "+", -1: "−", 0: "≈ 0", None: "no direction argued"}
    for change in changes():
        scenario = change.scenario(cell.scenario) if change.scenario else None
        _, other = run_cell(experiment, cell, runs, scenario=scenario, shift=change.shift)
        p = paired_difference(base["agreed"], other["agreed"])
        rnd = paired_conditional_difference(
            base["round"], base["agreed"], other["round"], other["agreed"], n_boot=n_boot
        )
        terr = paired_conditional_difference(
            base["term.territory"],
            base["agreed"],
            other["term.territory"],
            other["agreed"],
            n_boot=n_boot,
        )
        rows.append(
            f"| {change.label} | {_pp(p)} | {_num(rnd, '{:+.2f}')} | {_num(terr, '{:+.3f}')} | "
            f"P {sign[change.expected_p]}, territory {sign[change.expected_territory]}: "
            f"{change.evidence} | {_verdict(change.expected_p, p[1], p[2], 0.02)} / "
            f"{_verdict(change.expected_territory, terr[1], terr[2], 0.02)} |"
        )
    return rows


def _pp(estimate: tuple[float, float, float]) -> str:
    mid, low, high = (100 * v for v in estimate)
    return f"{mid:+.1f} [{low:+.1f}, {high:+.1f}]"


def _num(estimate: tuple[float, float, float], fmt: str) -> str:
    if math.isnan(estimate[0]):
        return "n/a"
    return f"{fmt.format(estimate[0])} [{fmt.format(estimate[1])}, {fmt.format(estimate[2])}]"


# ---------------------------------------------------------------------------------------------
# The block in docs/model.md


def tables(runs: int, bins: int, n_boot: int, names: Sequence[str]) -> str:
    """The Markdown block: both tables with the command that made them."""
    share_rows: list[str] = []
    grouped_rows: list[str] = []
    for name in names:
        inputs, outcomes = experiment_frame(name, runs)
        rows, grouped = shares_table(name, inputs, outcomes, bins)
        share_rows += rows
        grouped_rows.append(
            f"| {name} | " + " | ".join(f"{grouped[g]:.1%}" for g, _ in GROUPS) + " |"
        )
    lines = [
        BEGIN,
        f"Generated by `python experiments/drivers.py --update docs/model.md` ({runs:,} worlds per "
        f"cell, {bins} quantile bins, {n_boot} paired bootstrap replicates).",
        "",
        "**Variance shares.**  R²: adjusted R² of an additive quadratic regression on every sampled "
        "parameter (and the cell), the share that smooth main effects explain together; top "
        "drivers: the three largest first-order shares Var(E[Y | X])/Var(Y), from conditional "
        "means in quantile bins, adjusted for chance (salience lanes of one actor are dependent, "
        "so their shares overlap and are not summed with the others).",
        "",
        "| experiment | outcome | worlds | R² | top drivers (first-order share) |",
        "|---|---|---|---|---|",
        *share_rows,
        "",
        "First-order shares of `agreed`, summed by group:",
        "",
        "| experiment | " + " | ".join(g for g, _ in GROUPS) + " |",
        "|---|" + "---|" * len(GROUPS),
        *grouped_rows,
        "",
        "**Comparative statics** on the `baseline-uncertainty` priors (paired, the same "
        f"{runs:,} worlds in both runs): change in P(agreement) (percentage points), in the mean "
        "round of agreement and in the mean agreed line of control, with 95% intervals; the "
        "direction the evidence argues; ✓ when the interval lies on that side (for ≈ 0, within "
        "±2 points / ±0.02), ✗ when it lies on the other, ≈ 0 when it covers 0.",
        "",
        "| change | ΔP(agreement), points | Δ round | Δ territory | expected (evidence) | P / territory |",
        "|---|---|---|---|---|---|",
        *statics_rows(runs, n_boot),
        END,
    ]
    return "\n".join(lines)


def update(path: Path, block: str) -> None:
    """Replace the block between the markers in ``path`` (which must hold both markers)."""
    text = path.read_text(encoding="utf-8")
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise SystemExit(f"{path}: no '{BEGIN}' ... '{END}' block to replace")
    path.write_text(text[:start] + block + text[stop + len(END) :], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the tables, or write them into a Markdown file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20_000, help="worlds per cell")
    parser.add_argument("--bins", type=int, default=20, help="quantile bins per parameter")
    parser.add_argument("--boot", type=int, default=1000, help="paired bootstrap replicates")
    parser.add_argument("--experiments", nargs="*", default=list(EXPERIMENTS))
    parser.add_argument("--update", type=Path, help="Markdown file whose block to rewrite")
    args = parser.parse_args(argv)
    block = tables(args.runs, args.bins, args.boot, args.experiments)
    if args.update:
        update(args.update, block)
    else:
        sys.stdout.write(block + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__: list[Any] = ["main", "tables", "run_cell", "changes"]
