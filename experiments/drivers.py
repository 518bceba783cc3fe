"""What drives the Alaska library's outcomes: variance shares and comparative statics.

Regenerates the tables of docs/model.md, section "What drives the outcome (measured)":

    python experiments/drivers.py                          # print the tables (Markdown)
    python experiments/drivers.py --update docs/model.md   # rewrite the block between markers

1. **Variance shares.**  Each shipped experiment (``experiments/*.yaml``) is run exactly as
   ``parley sweep`` runs it (same seed, same sampled parameters per world), with ``--runs``
   worlds for the one-cell baseline experiment and ``--cell-runs`` per cell of the others.  For
   ``agreed`` (a signed and ratified deal), ``signed`` and ``durable`` (all worlds) and for each
   agreed term and the weeks to agreement (worlds that agreed), the table gives the adjusted R²
   of an additive quadratic regression on every sampled parameter (and the cell), the
   first-order share of each parameter from binned conditional means
   (:func:`sim.analysis.drivers.first_order_share`), and for ``agreed`` and ``durable`` the
   shares summed by group (the clock, exponents, war costs, ...).
2. **Comparative statics.**  On the ``baseline-uncertainty`` priors, the same worlds are run
   again with one thing changed (a war cost raised by one prior sd, the front's drift, Trump's
   threat, the width of the beliefs, a veto or the ratifiers removed, a variant, the horizon,
   ...): the paired difference in P(signed), P(agreed), P(durable), the mean weeks to agreement
   and the mean agreed line of control, with 95% intervals (common random numbers: world w is
   the same world in both runs), next to the direction the scenario's evidence argues for.

Reading only the library (no command-line tool), so the numbers are those of the code checked
out.  ``--workers`` runs cells and changes in parallel processes (each world's record does not
depend on it).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import brentq

from sim.analysis.drivers import (
    first_order_share,
    paired_conditional_difference,
    paired_difference,
    regression_r2,
)
from sim.core.beliefs import VALID_RANGE
from sim.core.fields import sampleable_fields
from sim.core.runner import run_batch
from sim.distributions.inversion import Distribution
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
KEPT = (
    "agreed",
    "signed",
    "ratified",
    "durable",
    "reneged_by",
    "weeks",
    "rejections",
    "offers",
    "end_reason",
    "failure",
)


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
    """The cell's worlds 0..runs-1: sampled parameters (as drawn) and outcome records (as
    ``parley sweep``).

    ``scenario`` replaces the cell's scenario and ``shift`` edits the sampled parameters, both
    keeping the worlds (and so every random draw) the same.
    """
    worlds = np.arange(runs, dtype=np.int64)
    drawn = sample_design(experiment.design, cell.parameters, experiment.seed, runs, worlds)
    sampled = drawn if shift is None else shift(dict(drawn))
    records = run_batch(scenario or cell.scenario, worlds, seed=experiment.seed, overrides=sampled)
    kept = {c: np.asarray(v) for c, v in records.items() if c in KEPT or c.startswith("term.")}
    return flatten(cell.parameters, drawn), kept


def parallel(task: Callable[[Any], Any], items: Sequence[Any], workers: int) -> list[Any]:
    """``[task(item) for item in items]``, in ``workers`` processes when more than one."""
    if workers <= 1 or len(items) <= 1:
        return [task(item) for item in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(task, items))


# ---------------------------------------------------------------------------------------------
# 1. Variance shares

GROUPS: tuple[tuple[str, str], ...] = (
    ("breakdown hazard (the clock)", r"^protocol\.breakdown_probability$"),
    ("concession exponents β", r"\.strategy\.beta$"),
    ("endurances (the cost clock)", r"\.strategy\.endurance$"),
    ("war costs (Moscow's and Kyiv's private)", r"\.war_cost$"),
    ("discount factors", r"\.discount$"),
    ("saliences", r"\.salience\."),
    ("positions", r"\.position\."),
    ("capabilities", r"\.capability$"),
    ("battlefield (status quo, drift, volatility)", r"^(issues|dynamics)\."),
    ("ratifier thresholds", r"^ratification\."),
    ("reneging costs", r"^implementation\."),
    ("cell (factors, scenarios)", r"^cell$"),
)
ALL_WORLDS = ("agreed", "signed", "durable")
GROUPED = ("agreed", "durable")


def _short(column: str) -> str:
    return column.removeprefix("param.").removeprefix("actors.").replace("strategy.", "")


def _cell_task(item: tuple[str, int, int]) -> tuple[Sampled, Columns]:
    name, index, runs = item
    experiment = load_experiment(REPO / "experiments" / f"{name}.yaml")
    return run_cell(experiment, experiment.cells[index], runs)


def experiment_frame(
    name: str,
    runs: int,
    workers: int = 1,
    results: Sequence[tuple[Sampled, Columns]] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """All cells of an experiment stacked: (inputs by column, outcomes by column); ``results``
    are the cells' runs when already made."""
    experiment = load_experiment(REPO / "experiments" / f"{name}.yaml")
    if results is None:
        items = [(name, c.index, runs) for c in experiment.cells]
        results = parallel(_cell_task, items, workers)
    inputs: dict[str, list[np.ndarray]] = {}
    outcomes: dict[str, list[np.ndarray]] = {}
    for cell, (params, records) in zip(experiment.cells, results, strict=True):
        for column, values in params.items():
            inputs.setdefault(column, []).append(np.asarray(values, dtype=float))
        if len(experiment.cells) > 1:
            inputs.setdefault("cell", []).append(np.full(runs, float(cell.index)))
        for column in (*ALL_WORLDS, "weeks", *[c for c in records if c.startswith("term.")]):
            outcomes.setdefault(column, []).append(np.asarray(records[column], dtype=float))
    stacked_in = {c: np.concatenate(v) for c, v in inputs.items()}
    stacked_out = {c: np.concatenate(v) for c, v in outcomes.items()}
    return stacked_in, stacked_out


def shares_table(
    name: str, inputs: Mapping[str, np.ndarray], outcomes: Mapping[str, np.ndarray], bins: int
) -> tuple[list[str], dict[str, dict[str, float]]]:
    """Markdown rows for one experiment, and the grouped first-order shares of ``agreed`` and
    ``durable``."""
    agreed = outcomes["agreed"].astype(bool)
    rows: list[str] = []
    grouped: dict[str, dict[str, float]] = {}
    terms = sorted(c for c in outcomes if c.startswith("term."))
    for target in [*ALL_WORLDS, *terms, "weeks"]:
        mask = np.ones(agreed.size, bool) if target in ALL_WORLDS else agreed
        if mask.sum() < 2 * bins:
            continue
        y = outcomes[target][mask]
        xs = {c: v[mask] for c, v in inputs.items()}
        regressors = [v for c, v in xs.items() if c != "cell"]
        if "cell" in xs:
            cells = xs["cell"]
            regressors += [(cells == k).astype(float) for k in np.unique(cells)[1:]]
        r2 = regression_r2(y, regressors)
        shares = {c: first_order_share(y, v, bins) for c, v in xs.items()}
        top = sorted(shares.items(), key=lambda item: -item[1])[:3]
        label = target if target in ALL_WORLDS else f"{target} (agreed)"
        rows.append(
            f"| {name} | {label} | {int(mask.sum()):,} | {r2:.1%} | "
            + ", ".join(f"{_short(c)} {s:.1%}" for c, s in top)
            + " |"
        )
        if target in GROUPED:
            grouped[target] = {
                group: sum(
                    s for c, s in shares.items() if re.search(pattern, c.removeprefix("param."))
                )
                for group, pattern in GROUPS
            }
    return rows, grouped


# ---------------------------------------------------------------------------------------------
# 2. Comparative statics on the baseline-uncertainty priors

OUTCOMES = ("agreed", "durable", "territory")


@dataclass(frozen=True)
class Change:
    """One comparative-statics row: what changes, and the direction its evidence argues for
    each of P(agreed), P(durable) and the mean agreed line of control (+1 up, −1 down, 0 about
    unchanged, None: the evidence argues no direction)."""

    label: str
    expected: dict[str, int | None]
    evidence: str
    scenario: Callable[[Scenario], Scenario] | None = None
    shift: Callable[[Sampled], Sampled] | None = None
    tolerance: dict[str, float] = field(default_factory=dict)


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


def edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[Scenario], Scenario]:
    """A scenario change made on the scenario's data, validated again."""

    def apply(scenario: Scenario) -> Scenario:
        data = scenario.model_dump()
        edit(data)
        return Scenario.model_validate(data)

    return apply


def variant(name: str) -> tuple[Callable[[Scenario], Scenario], Callable[[Sampled], Sampled]]:
    """A library variant on the same worlds: its scenario, and every sampled scalar it changes
    shifted by its change (so a prior centred on the baseline's value is centred on the
    variant's, as the variant means)."""
    scenario = load_scenario(REPO / "scenarios" / f"{name}.yaml")
    base_fields = sampleable_fields(load_scenario(REPO / "scenarios" / "alaska-summit.yaml"))

    def shift(sampled: Sampled) -> Sampled:
        mine = sampleable_fields(scenario)
        for path, values in list(sampled.items()):
            field_ = mine.get(path)
            base = base_fields.get(path)
            if field_ is None or base is None:
                continue
            grown = field_.lanes[: len(base.lanes)] == base.lanes
            if field_.kind == "salience" and grown and len(field_.lanes) > len(base.lanes):
                # a variant's new issue: its weight as the variant gives it, the sampled
                # priorities over the others scaled down to make room (as the variant does)
                added = np.array(
                    [
                        w
                        for k, w in zip(field_.lanes, field_.base, strict=True)
                        if k not in base.lanes
                    ]
                )
                extra = np.tile(np.asarray(added, dtype=float), (values.shape[0], 1))
                sampled[path] = np.hstack([values * (1.0 - added.sum()), extra])
                continue
            if field_.kind != "scalar":
                continue
            new, old = field_.base[0], base.base[0]
            if new is not None and old is not None and new != old:
                sampled[path] = field_.range.clip(values + (new - old))
        return sampled

    return (lambda _: scenario), shift


def _widen_beliefs(factor: float) -> Callable[[dict[str, Any]], None]:
    """Every normal belief's sd times ``factor``, its centre moved so that the believed mean
    (of the normal truncated to the field's valid range) stays put: a mean-preserving spread
    (Rothschild & Stiglitz 1970), so the row measures more uncertainty and not a belief that the
    actor hurts more (a wider normal truncated at 0 has a higher mean: 0.077 against 0.062 for
    Moscow's cost)."""

    def edit(data: dict[str, Any]) -> None:
        for actor in data["actors"].values():
            private = actor.get("private")
            if not private or private["belief"].get("dist") != "normal":
                continue
            belief = private["belief"]
            low, high = VALID_RANGE[private["field"]]
            centre = belief.get("mean")
            if centre is None:
                centre = actor["war_cost" if private["field"] == "war_cost" else "reservation"]
            sd = belief["sd"]
            belief["mean"] = _same_mean_centre(low, high, centre, sd, sd * factor)
            belief["sd"] = sd * factor

    return edit


def _same_mean_centre(low: float, high: float, centre: float, sd: float, wide: float) -> float:
    """The centre of a normal of sd ``wide`` truncated to [low, high] whose mean is that of the
    normal (centre, sd) truncated alike (the truncated mean rises with the centre)."""
    target = Distribution("normal", low, high, (centre, sd)).mean()

    def gap(mean: float) -> float:
        return Distribution("normal", low, high, (mean, wide)).mean() - target

    result: float = brentq(gap, low - 5.0 * wide, high, xtol=1e-12)
    return result


def _no_private(data: dict[str, Any]) -> None:
    for actor in data["actors"].values():
        actor["private"] = None


def _calendar(data: dict[str, Any]) -> None:
    for actor in data["actors"].values():
        actor["strategy"]["endurance"] = None


def scale(path: str, factor: float) -> Callable[[Sampled], Sampled]:
    """Multiply one sampled parameter by ``factor`` in every world."""

    def apply(sampled: Sampled) -> Sampled:
        sampled[path] = sampled[path] * factor
        return sampled

    return apply


def _no_ratifiers(data: dict[str, Any]) -> None:
    data["ratification"] = None


def shift_all(
    pattern: str, delta: float, low: float = 0.0, high: float = 1.0
) -> Callable[[Sampled], Sampled]:
    """Shift every sampled parameter whose path matches ``pattern`` by ``delta`` (clipped)."""

    def apply(sampled: Sampled) -> Sampled:
        for path in [p for p in sampled if re.search(pattern, p)]:
            sampled[path] = np.clip(sampled[path] + delta, low, high)
        return sampled

    return apply


def drop(pattern: str) -> Callable[[Sampled], Sampled]:
    """Leave out every sampled parameter whose path matches ``pattern`` (a field the changed
    scenario no longer has)."""

    def apply(sampled: Sampled) -> Sampled:
        return {p: v for p, v in sampled.items() if not re.search(pattern, p)}

    return apply


RATIFIERS = r"^ratification\.ratifiers\..*\.threshold$"
RENEGING = r"^implementation\.reneging_cost\."


def _expect(
    agreed: int | None, durable: int | None, territory: int | None
) -> dict[str, int | None]:
    return {"agreed": agreed, "durable": durable, "territory": territory}


def changes() -> list[Change]:
    """The comparative-statics rows of docs/model.md."""
    sd = 0.04  # the war-cost prior's sd in baseline-uncertainty
    costs = ("russia", "us", "ukraine", "nato")
    momentum, stall = 0.003 - 0.001, -0.0005 - 0.001  # the variants' weekly drift - baseline's
    rows = [
        Change(
            f"Russia's war cost +{sd} (its private truth)",
            _expect(+1, None, -1),
            "costlier war widens the bargaining range (Fearon 1995); Moscow needs the deal more",
            shift=add("actors.russia.war_cost", sd),
        ),
        Change(
            f"US war cost +{sd}",
            _expect(+1, None, None),
            "costlier war widens the range",
            shift=add("actors.us.war_cost", sd),
        ),
        Change(
            f"Ukraine's war cost +{sd} (its private truth)",
            _expect(+1, None, +1),
            "costlier war widens the range; Kyiv needs the deal more",
            shift=add("actors.ukraine.war_cost", sd),
        ),
        Change(
            f"Europe's war cost +{sd}",
            _expect(+1, +1, None),
            "costlier war widens the range; going back to war costs Europe more (Fearon 1995)",
            shift=add("actors.nato.war_cost", sd),
        ),
        Change(
            f"every war cost +{sd}",
            _expect(+1, +1, None),
            "costlier war widens the range and makes reneging dearer",
            shift=both(*(add(f"actors.{a}.war_cost", sd) for a in costs)),
        ),
        Change(
            f"front drift +{momentum:g}/week (battlefield-momentum's pace)",
            _expect(None, None, +1),
            "Moscow's value of fighting on rises, Kyiv's and Europe's fall (Powell 2004): deals "
            "leave Russia more of the regions; more or fewer deals, the evidence does not say",
            shift=add("dynamics.territory.drift", momentum, -1.0, 1.0),
        ),
        Change(
            f"front drift {stall:g}/week (battlefield-stall's)",
            _expect(None, None, -1),
            "waiting no longer pays Moscow (battlefield-stall): deals leave it less",
            shift=add("dynamics.territory.drift", stall, -1.0, 1.0),
        ),
        Change(
            "threat carried out (severe-consequences)",
            _expect(+1, None, -1),
            "Moscow's war cost doubles, in the open (truth and belief): a deal at least as "
            "likely, on terms less good for Moscow",
            *variant("severe-consequences"),
        ),
        Change(
            "beliefs about Moscow and Kyiv twice as wide (same believed mean)",
            _expect(-1, None, None),
            "more private information, more failed bargaining (Fearon 1995, risk-return)",
            scenario=edited(_widen_beliefs(2.0)),
        ),
        Change(
            "complete information (no private war costs)",
            _expect(+1, None, None),
            "without private information nothing is refused by mistake (Fearon 1995)",
            scenario=edited(_no_private),
        ),
        Change(
            "misperception (Kyiv's cost believed 0.25)",
            _expect(-1, None, +1),
            "misjudged resolve: offers to Kyiv too low, refused (Fearon 1995; misperception)",
            *variant("misperception"),
        ),
        Change(
            "Ukraine's veto removed",
            _expect(+1, None, +1),
            "fewer vetoes, never fewer acceptable packages (Tsebelis 2002)",
            scenario=lambda s: apply_factors(s, {"actors.ukraine.veto": False}),
        ),
        Change(
            "Europe's veto removed",
            _expect(+1, None, None),
            "fewer vetoes, never fewer acceptable packages; the terms Europe would refuse are "
            "its own issues (neutrality, sanctions)",
            scenario=lambda s: apply_factors(s, {"actors.nato.veto": False}),
        ),
        Change(
            "both removed (bilateral-deal)",
            _expect(+1, None, +1),
            "a deal over Kyiv's and Europe's heads",
            scenario=lambda s: apply_factors(
                s, {"actors.ukraine.veto": False, "actors.nato.veto": False}
            ),
        ),
        Change(
            "no ratifiers",
            _expect(+1, None, None),
            "a signature is final: no deal is lost at home (Putnam 1988)",
            scenario=edited(_no_ratifiers),
            shift=drop(RATIFIERS),
        ),
        Change(
            "every ratifier's threshold +0.03 (one prior sd)",
            _expect(-1, None, None),
            "tougher parliaments and voters shrink the win-sets (Putnam 1988)",
            shift=shift_all(RATIFIERS, 0.03),
        ),
        Change(
            "every reneging cost +0.015 (one prior sd)",
            _expect(None, +1, None),
            "walking away from a deal costs more: fewer deals broken (Fearon 1995; Fortna 2003)",
            shift=shift_all(RENEGING, 0.015),
        ),
        Change(
            "the line itself put to referendum (referendum)",
            _expect(None, -1, -1),
            "the ballot covers the line of control: deals leave Moscow less land (Schelling "
            "1960) and Europe pays the compensation; line and recognition together are harder "
            "to pass for some packages and easier for others, so no direction for the odds",
            *variant("referendum"),
        ),
        Change(
            "security guarantees given by the West (security-guarantees)",
            _expect(0, +1, 0),
            "a guarantee raises the price of reneging (Fortna 2003; Walter 1997); given outside "
            "the talks, it leaves them as they were",
            *variant("security-guarantees"),
        ),
        Change(
            "security guarantees on the table (guarantees-on-the-table)",
            _expect(None, None, None),
            "a sixth issue Moscow opposes: harder to sign, sturdier once signed (Walter 1997)",
            *variant("guarantees-on-the-table"),
        ),
        Change(
            "bare ceasefire (fragile-truce)",
            _expect(0, -1, 0),
            "nothing verified or guaranteed: truces collapse more (Fortna 2003); the talks are "
            "the baseline's",
            *variant("fragile-truce"),
        ),
        Change(
            "horizon doubled (max_rounds × 2)",
            _expect(+1, None, 0),
            "a calendar, not a fact of the case: parties who would settle earlier settle as "
            "before (issue 8, item 2); those whose war hurts too little to settle within 64 "
            "weeks may settle later",
            scenario=lambda s: apply_factors(s, {"protocol.max_rounds": 2 * s.protocol.max_rounds}),
            tolerance={"agreed": 0.02, "durable": 0.02},
        ),
        Change(
            "Washington's deadline a year later (deadline_weeks + 52, same horizon)",
            _expect(-1, None, None),
            "less deadline pressure: Washington concedes more slowly, so fewer deals come "
            "within the 64 weeks followed (Cramton & Tracy 1992; Ma & Manove 1993); the horizon "
            "is held fixed so that the row is the deadline's effect, not the calendar's",
            scenario=lambda s: apply_factors(
                s, {"protocol.deadline_weeks": (s.protocol.deadline_weeks or 0) + 52}
            ),
        ),
        Change(
            "Moscow's endurance +50%",
            _expect(-1, None, +1),
            "a Moscow that bears more war before conceding settles later, after more breakdown "
            "risk, and on its terms (Zartman 2000: no hurting stalemate yet)",
            shift=scale("actors.russia.strategy.endurance", 1.5),
        ),
        Change(
            "Kyiv's endurance +50%",
            _expect(None, None, -1),
            "a Kyiv that holds out longer concedes less land; the odds move only where Kyiv, "
            "not Moscow, sets the pace",
            shift=scale("actors.ukraine.strategy.endurance", 1.5),
        ),
        Change(
            "every clock the calendar (no endurance: the deadline clock of 0.2)",
            _expect(None, None, None),
            "the mechanism's own contribution: on the calendar every curve reaches its no-deal "
            "value at week 63 whatever the war costs",
            scenario=edited(_calendar),
            shift=drop(r"\.strategy\.endurance$"),
        ),
        Change(
            "breakdown hazard +0.02/week",
            _expect(-1, -1, None),
            "the talks collapse sooner",
            shift=add("protocol.breakdown_probability", 0.02, 0.0, 0.99),
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


def _change_task(item: tuple[int | None, int]) -> tuple[Sampled, Columns]:
    index, runs = item
    experiment = load_experiment(REPO / "experiments" / "baseline-uncertainty.yaml")
    cell = experiment.cells[0]
    if index is None:
        return run_cell(experiment, cell, runs)
    change = changes()[index]
    scenario = change.scenario(cell.scenario) if change.scenario else None
    return run_cell(experiment, cell, runs, scenario=scenario, shift=change.shift)


def activity_rows(label: str, records: Columns) -> str:
    """One row of the mechanism table: the funnel, why talks ended, how often offers were refused."""
    n = records["agreed"].size
    reasons = np.asarray(records["end_reason"]).astype(str)
    failure = np.asarray(records["failure"]).astype(str)
    rejections = np.asarray(records["rejections"], dtype=float)

    def share(mask: np.ndarray) -> str:
        return f"{100 * mask.mean():.1f}%"

    return (
        f"| {label} | {n:,} | {share(records['signed'].astype(bool))} | "
        f"{share(records['agreed'].astype(bool))} | {share(records['durable'].astype(bool))} | "
        f"{share(reasons == 'breakdown')} | {share(reasons == 'deadline')} | "
        f"{share(reasons == 'not-ratified')} | {share(failure == 'no-offer')} | "
        f"{share(failure == 'rejected')} | {share(rejections > 0)} | "
        f"{share((rejections > 0) & records['agreed'].astype(bool))} |"
    )


def statics_rows(
    runs: int, n_boot: int, workers: int = 1
) -> tuple[list[str], list[str], tuple[Sampled, Columns]]:
    """Markdown rows of the comparative-statics table and of the mechanism table, and the
    baseline run (the ``baseline-uncertainty`` experiment's own worlds)."""
    rows_ = changes()
    items = [(None, runs), *[(i, runs) for i in range(len(rows_))]]
    results = parallel(_change_task, items, workers)
    base, others = results[0][1], [records for _, records in results[1:]]
    rows, activity = [], [activity_rows("baseline", base)]
    sign = {1: "+", -1: "−", 0: "≈ 0", None: "none argued"}
    for change, other in zip(rows_, others, strict=True):
        activity.append(activity_rows(change.label, other))
        signed = paired_difference(base["signed"], other["signed"])
        agreed = paired_difference(base["agreed"], other["agreed"])
        durable = paired_difference(base["durable"], other["durable"])
        weeks = paired_conditional_difference(
            base["weeks"], base["agreed"], other["weeks"], other["agreed"], n_boot=n_boot
        )
        terr = paired_conditional_difference(
            base["term.territory"],
            base["agreed"],
            other["term.territory"],
            other["agreed"],
            n_boot=n_boot,
        )
        estimates = {"agreed": agreed, "durable": durable, "territory": terr}
        verdicts = " / ".join(
            _verdict(
                change.expected[o],
                estimates[o][1],
                estimates[o][2],
                change.tolerance.get(o, 0.02),
            )
            for o in OUTCOMES
        )
        expected = ", ".join(f"{o} {sign[change.expected[o]]}" for o in OUTCOMES)
        rows.append(
            f"| {change.label} | {_pp(signed)} | {_pp(agreed)} | {_pp(durable)} | "
            f"{_num(weeks, '{:+.1f}')} | {_num(terr, '{:+.3f}')} | "
            f"{expected}: {change.evidence} | {verdicts} |"
        )
    return rows, activity, results[0]


def _pp(estimate: tuple[float, float, float]) -> str:
    mid, low, high = (100 * v for v in estimate)
    return f"{mid:+.1f} [{low:+.1f}, {high:+.1f}]"


def _num(estimate: tuple[float, float, float], fmt: str) -> str:
    if math.isnan(estimate[0]):
        return "n/a"
    return f"{fmt.format(estimate[0])} [{fmt.format(estimate[1])}, {fmt.format(estimate[2])}]"


# ---------------------------------------------------------------------------------------------
# The block in docs/model.md


def tables(
    runs: int,
    bins: int,
    n_boot: int,
    names: Sequence[str],
    cell_runs: int | None = None,
    workers: int = 1,
) -> str:
    """The Markdown block: the tables with the command and world counts that made them."""
    started = time.monotonic()
    cell_runs = cell_runs or runs
    share_rows: list[str] = []
    grouped_rows: list[str] = []
    statics, activity, base = statics_rows(runs, n_boot, workers)
    for name in names:
        experiment = load_experiment(REPO / "experiments" / f"{name}.yaml")
        per_cell = runs if len(experiment.cells) == 1 else cell_runs
        known = [base] if name == "baseline-uncertainty" else None
        inputs, outcomes = experiment_frame(name, per_cell, workers, known)
        rows, grouped = shares_table(name, inputs, outcomes, bins)
        share_rows += rows
        grouped_rows += [
            f"| {name} | {target} | " + " | ".join(f"{shares[g]:.1%}" for g, _ in GROUPS) + " |"
            for target, shares in grouped.items()
        ]
    minutes = (time.monotonic() - started) / 60
    lines = [
        BEGIN,
        f"Generated by `python experiments/drivers.py --update docs/model.md --runs {runs} "
        f"--cell-runs {cell_runs}` ({runs:,} worlds for the one-cell experiment and for each "
        f"comparative-statics run, {cell_runs:,} per cell of the others; {bins} quantile bins, "
        f"{n_boot} paired bootstrap replicates; {minutes:.0f} minutes with {workers} worker"
        f"{'s' if workers > 1 else ''} on the shared two-core machine).",
        "",
        "**Variance shares.**  R²: adjusted R² of an additive quadratic regression on every sampled "
        "parameter (and the cell), the share that smooth main effects explain together; top "
        "drivers: the three largest first-order shares Var(E[Y | X])/Var(Y), from conditional "
        "means in quantile bins, adjusted for chance (salience lanes of one actor are dependent, "
        "so their shares overlap and are not summed with the others).  `agreed` is a signed and "
        "ratified deal; `durable` one that also survives the implementation phase.",
        "",
        "| experiment | outcome | worlds | R² | top drivers (first-order share) |",
        "|---|---|---|---|---|",
        *share_rows,
        "",
        "First-order shares of `agreed` and `durable`, summed by group:",
        "",
        "| experiment | outcome | " + " | ".join(g for g, _ in GROUPS) + " |",
        "|---|---|" + "---|" * len(GROUPS),
        *grouped_rows,
        "",
        "**Comparative statics** on the `baseline-uncertainty` priors (paired, the same "
        f"{runs:,} worlds in both runs): change in P(signed), P(agreed) (signed and ratified) and "
        "P(durable) (percentage points), in the mean weeks to agreement and in the mean agreed "
        "line of control, with 95% intervals; the direction the evidence argues; ✓ when the "
        "interval lies on that side (for ≈ 0, within ±2 points / ±0.02), ✗ when it lies on the "
        "other, ≈ 0 when it covers 0, — when the evidence argues no direction.",
        "",
        "| change | ΔP(signed) | ΔP(agreed) | ΔP(durable) | Δ weeks | Δ territory "
        "| expected (evidence) | agreed / durable / territory |",
        "|---|---|---|---|---|---|---|---|",
        *statics,
        "",
        "**Which mechanisms are at work** in the same runs: the funnel, how the talks ended "
        "(breakdown by the hazard, the deadline, a deal rejected at home), why talks without a "
        "deal failed (no offer ever made, or offers refused), and how often anybody refused an "
        "offer (so that the others learned from it).",
        "",
        "| run | worlds | signed | agreed | durable | breakdown | deadline | not ratified "
        "| failed: no offer | failed: refused | any refusal | refusal, then deal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *activity,
        END,
    ]
    return "\n".join(lines)


def update(path: Path, block: str, begin: str = BEGIN, end: str = END) -> None:
    """Replace the block between the markers in ``path`` (which must hold both markers)."""
    text = path.read_text(encoding="utf-8")
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise SystemExit(f"{path}: no '{begin}' ... '{end}' block to replace")
    path.write_text(text[:start] + block + text[stop + len(end) :], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the tables, or write them into a Markdown file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20_000, help="worlds per statics run")
    parser.add_argument("--cell-runs", type=int, help="worlds per cell of multi-cell experiments")
    parser.add_argument("--bins", type=int, default=20, help="quantile bins per parameter")
    parser.add_argument("--boot", type=int, default=1000, help="paired bootstrap replicates")
    parser.add_argument("--workers", type=int, default=1, help="parallel processes")
    parser.add_argument("--experiments", nargs="*", default=list(EXPERIMENTS))
    parser.add_argument("--update", type=Path, help="Markdown file whose block to rewrite")
    args = parser.parse_args(argv)
    block = tables(args.runs, args.bins, args.boot, args.experiments, args.cell_runs, args.workers)
    if args.update:
        update(args.update, block)
    else:
        sys.stdout.write(block + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__: list[Any] = ["main", "tables", "run_cell", "changes"]
