"""Parley as an EMA Workbench model, with an evaluator that runs a whole design in one batched
call (Kwakkel 2017, "The Exploratory Modeling Workbench", Environmental Modelling & Software 96).

    from ema_workbench import RealParameter, perform_experiments
    from sim.ema import ParleyEvaluator, parley_model

    model = parley_model("alaska-summit", [RealParameter("actors.russia.war_cost", 0.02, 0.2)])
    with ParleyEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=1_000)

Uncertainties are named by a scenario field's dotted path (any field a sweep can sample); the
outcomes are columns of the results (docs/results-schema.md): ``agreed`` (1 or 0), ``round``,
``term.<issue>`` and ``gain.<actor>`` by default.  Every experiment runs world ``world`` of the
scenario's seed (common random numbers across the design), so the model is deterministic, and
EMA's own evaluators (one call per experiment) give the same outcomes as :class:`ParleyEvaluator`.
Needs the ``ema`` extra (``pip install 'parley-sim[ema]'``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sim.core.records import GAIN, TERM
from sim.core.runner import run_batch
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

with warnings.catch_warnings():  # EMA warns at import about its optional parallel back ends
    warnings.simplefilter("ignore")
    from ema_workbench import Model, ScalarOutcome
    from ema_workbench.em_framework.evaluators import BaseEvaluator
    from ema_workbench.em_framework.points import experiment_generator


def _identifier(name: str) -> str:
    """A Python name for a dotted path (EMA passes uncertainties as keyword arguments)."""
    return name.replace(".", "__").replace("-", "_")


def default_outcomes(scenario: Scenario) -> list[str]:
    """``agreed``, ``round``, each issue's agreed term and each actor's gain."""
    return [
        "agreed",
        "round",
        *(TERM + issue for issue in scenario.issue_names),
        *(GAIN + actor for actor in scenario.actor_names),
    ]


def evaluate(
    scenario: Scenario,
    values: dict[str, np.ndarray],
    outcomes: Sequence[str],
    world: int,
    n: int,
) -> dict[str, np.ndarray]:
    """The outcomes of ``n`` runs in one batch: run i takes ``values[path][i]`` for every
    uncertain path, all of them world ``world``."""
    columns = run_batch(scenario, np.full(n, world, dtype=np.int64), overrides=values)
    return {name: np.asarray(columns[name], dtype=np.float64) for name in outcomes}


class ParleyModel(Model):  # type: ignore[misc]
    """An EMA ``Model`` for a Parley scenario: one world per call for EMA's own evaluators, and
    the scenario, paths and world that :class:`ParleyEvaluator` batches."""

    def __init__(
        self,
        name: str,
        scenario: Scenario,
        uncertainties: Sequence[Any],
        outcomes: Sequence[str],
        world: int,
    ) -> None:
        self.parley_scenario = scenario
        self.parley_world = world
        self.parley_outcomes = list(outcomes)
        self.parley_paths = {_identifier(u.name): u.name for u in uncertainties}
        super().__init__(name, function=self._one_world)
        for parameter in uncertainties:
            parameter.variable_name = [_identifier(parameter.name)]
        self.uncertainties = list(uncertainties)
        self.outcomes = [
            ScalarOutcome(o, variable_name=_identifier(o)) for o in self.parley_outcomes
        ]

    def _one_world(self, **kwargs: float) -> dict[str, float]:
        values = {self.parley_paths[k]: np.array([v], dtype=np.float64) for k, v in kwargs.items()}
        found = evaluate(self.parley_scenario, values, self.parley_outcomes, self.parley_world, 1)
        return {_identifier(name): float(column[0]) for name, column in found.items()}


def parley_model(
    scenario: str | os.PathLike[str] | Scenario,
    uncertainties: Sequence[Any],
    *,
    outcomes: Sequence[str] | None = None,
    world: int = 0,
    name: str = "parley",
) -> ParleyModel:
    """An EMA Workbench model of ``scenario`` (a name, a path or a :class:`Scenario`) over
    ``uncertainties`` (EMA parameters named by field path)."""
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    chosen = list(outcomes) if outcomes is not None else default_outcomes(loaded)
    return ParleyModel(name, loaded, uncertainties, chosen, world)


class ParleyEvaluator(BaseEvaluator):  # type: ignore[misc]
    """An EMA evaluator that runs all of a design's experiments of a :class:`ParleyModel` in one
    vectorised batch (:func:`sim.core.runner.run_batch`), then reports each to EMA."""

    def initialize(self) -> None:
        """Nothing to start: the batch runs in this process."""

    def finalize(self) -> None:
        """Nothing to stop."""

    def evaluate_experiments(
        self,
        scenarios: Any,
        policies: Any,
        callback: Callable[[Any, dict[str, float]], None],
        combine: str = "factorial",
        **kwargs: Any,
    ) -> None:
        """Run every experiment of the design in one batch per model, then call ``callback``."""
        experiments = list(experiment_generator(scenarios, self._msis, policies, combine=combine))
        models = {model.name: model for model in self._msis}
        for model_name, model in models.items():
            mine = [e for e in experiments if e.model_name == model_name]
            if not mine:
                continue
            values = {
                path: np.array([float(e.scenario[path]) for e in mine], dtype=np.float64)
                for path in model.parley_paths.values()
            }
            found = evaluate(
                model.parley_scenario, values, model.parley_outcomes, model.parley_world, len(mine)
            )
            for i, experiment in enumerate(mine):
                callback(experiment, {name: float(column[i]) for name, column in found.items()})
