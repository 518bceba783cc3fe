"""The forecast table as text: one block per issue, then every actor's utility under each model."""

from __future__ import annotations

import math

from sim.forecast.table import SIMULATION, ForecastTable, Row
from sim.scenario.schema import Scenario


def _term(row: Row, issue: str) -> str:
    value = row.terms[issue]
    if math.isnan(value):
        return "   -"
    text = f"{value:4.2f}"
    if row.band is not None:
        low, high = row.band[issue]
        text += f"  [{low:.2f}, {high:.2f}]"
    return text


def _agreed(row: Row) -> str:
    return f"{100 * row.agreed:.1f}% of worlds agree" if row.agreed is not None else ""


def describe(scenario: Scenario, table: ForecastTable) -> str:
    """A readable side-by-side account of every forecast of the scenario."""
    weights = table.options["weights"]
    if isinstance(weights, dict):
        weights = ", ".join(f"{actor}={value:g}" for actor, value in weights.items())
    lines = [
        f"Forecasts for {table.scenario}: simulation and mediated over {table.runs:,} worlds "
        f"(seed {table.seed}); median term [5-95% band]",
        f"Nash weights: {weights}; expected utility: {table.options['rounds']} rounds, "
        f"Q = {table.options['persistence']:g}",
    ]
    width = max(len(row.model) for row in table.rows)
    for issue in table.issues:
        spec = scenario.issues[issue]
        lines.extend(["", f"{issue}  (0: {spec.low}; 1: {spec.high})"])
        for row in table.rows:
            term = _term(row, issue)
            extra = _agreed(row) if row.model in (SIMULATION,) or row.agreed is not None else ""
            note = f"  ({row.note})" if row.note else ""
            lines.append(f"  {row.model:<{width}}  {term:<20}  {extra}{note}".rstrip())
        ideals = ", ".join(f"{a} {table.ideal[a][issue]:.2f}" for a in table.actors)
        lines.append(f"  {'ideal points':<{width}}  {ideals}")

    names = [a + ("*" if a in table.veto_players else "") for a in table.actors]
    column = max(8, *(len(n) for n in names))
    header = "".join(f"{n:>{column + 2}}" for n in names)
    lines.extend(
        [
            "",
            "Utility of each forecast (1 = the actor's ideal package; * holds a veto)",
            f"  {'':<{width}}{header}  beats every veto player's no deal?",
        ]
    )
    reservation = "".join(f"{table.reservation[a]:>{column + 2}.3f}" for a in table.actors)
    lines.append(f"  {'no deal':<{width}}{reservation}")
    for row in table.rows:
        values = "".join(
            f"{'-':>{column + 2}}" if math.isnan(v) else f"{v:>{column + 2}.3f}"
            for v in (row.utilities[a] for a in table.actors)
        )
        verdict = {True: "yes", False: "no", None: "-"}[row.beats_no_deal]
        lines.append(f"  {row.model:<{width}}{values}  {verdict}")
    return "\n".join(lines)
