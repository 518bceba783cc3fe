"""Every forecast of a scenario side by side with the simulation's own answer.

For each model: its term per issue (the median over worlds, with the 5-95% band, for models whose
answer differs between worlds), each actor's utility of that package (with the scenario's own
numbers), and whether it gives every veto player at least its round-1 no-deal value.  The
simulation row is a quick batch of the scenario's worlds on the Mesa model (its agreed terms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from sim.arrays import FloatArray
from sim.core.batch import build_batch
from sim.core.records import AGREED, TERM
from sim.core.runner import run_batch
from sim.core.status_quo import reservations_at
from sim.forecast.registry import Options, actor_utilities, model_named, models
from sim.scenario.schema import Scenario

BAND = (5.0, 95.0)
SIMULATION = "simulation"


@dataclass(frozen=True)
class Row:
    """One model's forecast: terms, 5-95% band, share of worlds agreed, utilities, verdict."""

    model: str
    summary: str
    terms: dict[str, float]
    band: dict[str, tuple[float, float]] | None
    agreed: float | None
    utilities: dict[str, float]
    beats_no_deal: bool | None
    note: str = ""


@dataclass(frozen=True)
class ForecastTable:
    """The forecasts of one scenario; ``reservation`` is each actor's round-1 no-deal value."""

    scenario: str
    issues: tuple[str, ...]
    actors: tuple[str, ...]
    veto_players: tuple[str, ...]
    ideal: dict[str, dict[str, float]]
    reservation: dict[str, float]
    runs: int
    seed: int
    options: dict[str, Any]
    rows: list[Row] = field(default_factory=list)

    def row(self, model: str) -> Row:
        """The row of ``model``."""
        return next(row for row in self.rows if row.model == model)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (NaN as None)."""
        plain: dict[str, Any] = _plain(asdict(self))
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _summarise(
    name: str,
    summary: str,
    terms: FloatArray,
    scenario: Scenario,
    reservation: dict[str, float],
) -> Row:
    """A row from per-world terms (N, K), NaN where a world has no answer."""
    issues, actors = scenario.issue_names, scenario.actor_names
    answered = ~np.isnan(terms).any(axis=1)
    many = terms.shape[0] > 1
    agreed = float(answered.mean()) if many else None
    if not answered.any():
        nan = dict.fromkeys(issues, float("nan"))
        note = "no package beats every veto player's no-deal value" if not many else "no deal"
        return Row(
            name, summary, nan, None, agreed, dict.fromkeys(actors, float("nan")), None, note
        )
    kept = terms[answered]
    median = np.median(kept, axis=0)
    band = None
    if many:
        low, high = np.percentile(kept, BAND, axis=0)
        band = {k: (float(lo), float(hi)) for k, lo, hi in zip(issues, low, high, strict=True)}
    values = actor_utilities(median[None, :], build_batch(scenario, [0]))[0]
    utility = {a: float(v) for a, v in zip(actors, values, strict=True)}
    beats = all(utility[a] >= reservation[a] - 1e-9 for a in scenario.veto_players)
    return Row(
        name,
        summary,
        {k: float(v) for k, v in zip(issues, median, strict=True)},
        band,
        agreed,
        utility,
        beats,
    )


def forecast_table(
    scenario: Scenario,
    runs: int = 1000,
    options: Options | None = None,
    names: Sequence[str] | None = None,
) -> ForecastTable:
    """Run the simulation (``runs`` worlds) and every chosen model (default: all registered).

    A model that cannot run on the scenario (e.g. mediation with equilibrium strategies) gets a
    row with no terms and the reason as its note.  Unknown names raise UnknownModelError.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    options = options or Options()
    chosen = [model_named(name) for name in (names if names is not None else list(models()))]
    reservation = reservations_at(scenario, 1)
    worlds = np.arange(runs, dtype=np.int64)
    columns = run_batch(scenario, worlds)
    simulated = np.column_stack([columns[TERM + k] for k in scenario.issue_names])
    simulated[~np.asarray(columns[AGREED], dtype=bool)] = np.nan  # signed but not ratified
    rows = [
        _summarise(SIMULATION, "the Mesa model of the scenario", simulated, scenario, reservation)
    ]
    one_world = build_batch(scenario, [0])
    many_worlds = None
    for model in chosen:
        if model.stochastic and many_worlds is None:
            many_worlds = build_batch(scenario, worlds)
        batch = many_worlds if model.stochastic and many_worlds is not None else one_world
        try:
            terms = np.asarray(model.predict(scenario, batch, options), dtype=np.float64)
        except ValueError as error:
            nan = dict.fromkeys(scenario.issue_names, float("nan"))
            utilities = dict.fromkeys(scenario.actor_names, float("nan"))
            note = str(error).splitlines()[0] if str(error) else type(error).__name__
            rows.append(Row(model.name, model.summary, nan, None, None, utilities, None, note))
            continue
        rows.append(_summarise(model.name, model.summary, terms, scenario, reservation))
    return ForecastTable(
        scenario=scenario.name,
        issues=tuple(scenario.issue_names),
        actors=tuple(scenario.actor_names),
        veto_players=tuple(scenario.veto_players),
        ideal={a: dict(spec.position) for a, spec in scenario.actors.items()},
        reservation=reservation,
        runs=runs,
        seed=scenario.seed,
        options={
            "weights": options.weights
            if isinstance(options.weights, str)
            else dict(options.weights),
            "rounds": options.rounds,
            "persistence": options.persistence,
        },
        rows=rows,
    )
