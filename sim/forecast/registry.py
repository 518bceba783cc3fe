"""The forecasting models side by side: one module per model, one registration each.

A model is a function ``predict(scenario, batch, options) -> terms`` returning predicted terms,
shape (N, K) for a batch of N worlds or (1, K) for a model that reads only the scenario's own
numbers (``per_world=False``).  A model module calls :func:`register` once at import; the
built-in modules are listed in ``BUILTIN`` (the SALib pattern: every method has the same call
shape).  :func:`forecast` runs one model and adds every actor's utility of its terms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from sim.core.batch import WorldBatch
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]

BUILTIN = ("compromise", "nash", "kalai_smorodinsky", "expected_utility", "mediated")
"""The modules (under :mod:`sim.forecast`) whose import registers the built-in models."""

WeightRule = Literal["capability", "uniform"]


@dataclass(frozen=True)
class Options:
    """Settings the models share: bargaining weights, expected-utility rounds and Q."""

    weights: WeightRule | Mapping[str, float] = "capability"
    rounds: int = 10
    persistence: float = 1.0


Predict = Callable[[Scenario, WorldBatch, Options], FloatArray]


@dataclass(frozen=True)
class Model:
    """A registered forecasting model: its name, a one-line summary, and how to run it."""

    name: str
    summary: str
    predict: Predict
    per_world: bool = False
    stochastic: bool = False
    """Whether worlds with the same numbers still differ (it runs the Mesa model's draws)."""


@dataclass(frozen=True)
class Prediction:
    """A model's predicted terms (N, K) and every actor's utility of them (N, A)."""

    model: str
    issues: tuple[str, ...]
    actors: tuple[str, ...]
    terms: FloatArray
    utilities: FloatArray
    per_world: bool = False


_MODELS: dict[str, Model] = {}


def register(model: Model) -> Model:
    """Add a model to the registry (a name may be registered only once)."""
    if model.name in _MODELS and _MODELS[model.name] is not model:
        raise ValueError(f"a forecasting model named '{model.name}' is already registered")
    _MODELS[model.name] = model
    return model


def _load_builtin() -> None:
    for module in BUILTIN:
        import_module(f"sim.forecast.{module}")


def models() -> dict[str, Model]:
    """Every registered model by name: the built-in ones in ``BUILTIN`` order, then the others
    in the order they registered (whatever order their modules were imported in)."""
    _load_builtin()

    def rank(model: Model) -> int:
        module = model.predict.__module__.rsplit(".", 1)[-1]
        return BUILTIN.index(module) if module in BUILTIN else len(BUILTIN)

    return {model.name: model for model in sorted(_MODELS.values(), key=rank)}


class UnknownModelError(ValueError):
    """A model name that is not registered."""


def model_named(name: str) -> Model:
    """The registered model called ``name``; an :class:`UnknownModelError` says what exists."""
    known = models()
    if name in known:
        return known[name]
    from difflib import get_close_matches

    close = get_close_matches(name, list(known), n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise UnknownModelError(f"unknown forecasting model '{name}' (known: {', '.join(known)}){hint}")


def actor_utilities(terms: FloatArray, batch: WorldBatch) -> FloatArray:
    """Every actor's utility (N, A) of terms (N, K) or (1, K), with the batch's numbers.

    A (1, K) prediction is valued with the batch's first world (the scenario's own numbers).
    """
    rows = terms.shape[0]
    linear = np.broadcast_to(batch.structure.linear, (rows, len(batch.structure.actors)))
    values = utilities(
        np.nan_to_num(terms, nan=0.5), batch.position[:rows], batch.salience[:rows], linear
    )
    missing: NDArray[np.bool_] = np.any(np.isnan(terms), axis=1)
    result: FloatArray = np.where(missing[:, None], np.nan, values)
    return result


def forecast(
    scenario: Scenario, batch: WorldBatch, name: str, options: Options | None = None
) -> Prediction:
    """Run the model called ``name`` on a scenario and its batch of worlds."""
    model = model_named(name)
    terms = np.asarray(model.predict(scenario, batch, options or Options()), dtype=np.float64)
    return Prediction(
        model=model.name,
        issues=batch.structure.issues,
        actors=batch.structure.actors,
        terms=terms,
        utilities=actor_utilities(terms, batch),
        per_world=model.per_world,
    )
