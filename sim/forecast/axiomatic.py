"""The axiomatic forecasts' bargaining problem: the veto players over [0, 1]^K from no deal.

The veto players (whose consent every deal needs) bargain over packages in [0, 1]^K; the
disagreement point is each one's no-deal value at round 1 (:func:`sim.core.status_quo.reservations_at`).
Bargaining weights are uniform, proportional to capability, or given per actor.  Shared by the
``nash`` and ``kalai-smorodinsky`` forecasts and ``parley zopa``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np

from sim.errors import did_you_mean
from sim.forecast.registry import WeightRule
from sim.forecast.solutions import FloatArray, Parties, Solutions, bargaining_solutions
from sim.scenario.limits import number_message
from sim.scenario.schema import Scenario


def bargaining_weights(scenario: Scenario, weights: str | Mapping[str, float]) -> dict[str, float]:
    """The veto players' bargaining weights, normalised to sum to 1.

    ``weights`` is "uniform", "capability" or a mapping actor -> weight (every veto player must
    be given a non-negative weight; other actors are not allowed).
    """
    veto = scenario.veto_players
    if isinstance(weights, Mapping):
        unknown = [name for name in weights if name not in veto]
        if unknown:
            hint = did_you_mean(unknown[0], veto)
            raise ValueError(
                f"bargaining weight for '{unknown[0]}', which is not a veto player "
                f"(veto players: {', '.join(veto)})" + (f"; {hint}" if hint else "")
            )
        missing = [name for name in veto if name not in weights]
        if missing:
            raise ValueError(f"no bargaining weight given for veto player '{missing[0]}'")
        raw = {name: float(weights[name]) for name in veto}
        if any(value < 0 for value in raw.values()):
            raise ValueError("bargaining weights must not be negative")
    elif weights == "uniform":
        raw = {name: 1.0 for name in veto}
    elif weights == "capability":
        raw = {name: scenario.actors[name].capability for name in veto}
    else:
        raise ValueError(f"unknown weights '{weights}': use 'capability' or 'uniform'")
    total = sum(raw.values())
    if total <= 0 and weights == "capability":
        raise ValueError("the veto players' capabilities are all zero; use uniform weights instead")
    if total <= 0:
        raise ValueError("the veto players' bargaining weights are all zero")
    return {name: value / total for name, value in raw.items()}


def parse_weights(text: str) -> WeightRule | dict[str, float]:
    """``capability``, ``uniform`` or ``actor=weight,actor=weight,...`` as bargaining weights."""
    if text == "capability":
        return "capability"
    if text == "uniform":
        return "uniform"
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, equals, value = (item.strip() for item in part.partition("="))
        try:
            if not equals or not name:
                raise ValueError
            weight = float(value)
        except ValueError:
            raise ValueError(
                f"'{part}' is not actor=weight; use capability, uniform or e.g. russia=2,us=1"
            ) from None
        problem = number_message(weight)  # the input boundary's rule for every number
        if problem is not None:
            raise ValueError(f"'{part}': the weight is {problem}")
        if name in weights:
            raise ValueError(f"'{name}' is given two weights; give each actor one")
        weights[name] = weight
    return weights


def default_starts(scenario: Scenario, parties: Parties) -> list[FloatArray]:
    """Packages to start the searches from: the middle, the status quo and every ideal point."""
    issues = scenario.issue_names
    status_quo = np.array([scenario.issues[k].status_quo for k in issues], dtype=np.float64)
    return [np.full(len(issues), 0.5), status_quo, *parties.position]


_RECENT: dict[tuple[str, str], Solutions] = {}
_RECENT_SIZE = 8


def scenario_solutions(
    scenario: Scenario, weights: str | Mapping[str, float] = "capability"
) -> Solutions:
    """The Nash and Kalai-Smorodinsky packages of the scenario's veto players at round 1.

    The last few answers are remembered (keyed by the scenario's content and the weights), so
    the ``nash`` and ``kalai-smorodinsky`` forecasts of one scenario solve it once.
    """
    key = (
        scenario.model_dump_json(),
        repr(sorted(weights.items()) if isinstance(weights, Mapping) else weights),
    )
    if key not in _RECENT:
        if len(_RECENT) >= _RECENT_SIZE:
            _RECENT.pop(next(iter(_RECENT)))
        _RECENT[key] = _solve(scenario, weights)
    return _RECENT[key]


def _solve(scenario: Scenario, weights: str | Mapping[str, float]) -> Solutions:
    from sim.core.status_quo import reservations_at

    veto = scenario.veto_players
    weight_of = bargaining_weights(scenario, weights)
    reservation = reservations_at(scenario, 1)
    parties = Parties.of(scenario, veto)
    floor = np.array([reservation[name] for name in veto])
    weight = np.array([weight_of[name] for name in veto])
    return bargaining_solutions(parties, floor, weight, default_starts(scenario, parties))


def solution_terms(
    scenario: Scenario,
    weights: str | Mapping[str, float],
    solution: Literal["nash", "kalai_smorodinsky"],
) -> FloatArray:
    """The chosen solution's package as (1, K) terms; NaN when there is no deal space."""
    package = getattr(scenario_solutions(scenario, weights), solution)
    if package is None:
        return np.full((1, len(scenario.issues)), np.nan)
    result: FloatArray = np.asarray(package, dtype=np.float64)[None, :]
    return result
