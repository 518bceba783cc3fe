"""The zone of possible agreement: the packages every veto player prefers to no deal.

For a scenario at round T this module finds

* whether any package x in [0, 1]^K gives every veto player i at least its reservation utility
  d_i at round T (the *deal space*, or ZOPA), and separately whether any package meets every veto
  player's current acceptance threshold;
* the asymmetric Nash (1950) bargaining point over the deal space, argmax sum_i w_i log(U_i - d_i)
  (Kalai 1977 for the weighted form; Binmore, Rubinstein & Wolinsky 1986 for why it predicts
  patient bargaining with a risk of breakdown), and the Kalai & Smorodinsky (1975) point, where
  every veto player gets the same share of its best possible gain;
* two-dimensional slices of the deal space through the Nash point, one per pair of issues;
* the deal space's volume as a share of the issue space, by Monte Carlo with its standard error.

Utilities are concave (linear or quadratic spatial losses, :mod:`sim.core.utility`), so the deal space
is convex and the Nash problem is a concave maximisation.  The kinks of linear utilities are
smoothed away exactly by the standard epigraph reformulation (|x_k - p_ik| <= t_ik), and each
problem is solved by SLSQP from several starting points; the best verified answer wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.zopa.volume import _sample_volume, _share
from sim.arrays import FloatArray
from sim.core.status_quo import expected_status_quo_of, reservations_at, thresholds_at
from sim.core.tolerances import OPTIMUM_TOLERANCE
from sim.core.utility import utilities
from sim.forecast.axiomatic import bargaining_weights
from sim.forecast.registry import WeightRule
from sim.forecast.solutions import (
    Parties,
    bargaining_solutions,
    max_min_gain,
)
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    pass


Weights = WeightRule

"""A package meets a floor if every veto player's utility is at least floor - this."""


@dataclass(frozen=True)
class DealPoint:
    """A package (issue -> value) and every actor's utility there."""

    terms: dict[str, float]
    utilities: dict[str, float]


@dataclass(frozen=True)
class ZopaResult:
    """The zone of possible agreement of one scenario at one round.

    ``margin`` is the largest, over packages, of the smallest surplus U_i(x) - d_i over the veto
    players: >= 0 exactly when the deal space exists (how far inside it its most central package
    lies), < 0 when it does not (how far the most nearly acceptable package falls short).
    ``threshold_margin`` is the same against the round's acceptance thresholds.
    """

    scenario: str
    round: int
    weights: Weights
    issues: tuple[str, ...]
    actors: tuple[str, ...]
    veto_players: tuple[str, ...]
    status_quo: dict[str, float]
    reservation: dict[str, float]
    threshold: dict[str, float]
    bargaining_weight: dict[str, float]
    exists: bool
    margin: float
    central: DealPoint
    threshold_exists: bool
    threshold_margin: float
    nash: DealPoint | None
    kalai_smorodinsky: DealPoint | None
    best_gain: dict[str, float] | None
    volume: float
    volume_se: float
    threshold_volume: float
    threshold_volume_se: float
    samples: int
    seed: int

    @property
    def anchor(self) -> dict[str, float]:
        """Where the slices are taken: the Nash point, or the most nearly acceptable package."""
        return (self.nash or self.central).terms

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of everything in the result."""
        result = asdict(self)
        result["issues"] = list(self.issues)
        result["actors"] = list(self.actors)
        result["veto_players"] = list(self.veto_players)
        return result


# --- reservations and thresholds -------------------------------------------------------------


def _point(scenario: Scenario, x: FloatArray) -> DealPoint:
    """A package as a :class:`DealPoint`."""
    terms = {k: float(v) for k, v in zip(scenario.issue_names, x, strict=True)}
    return DealPoint(terms=terms, utilities=_point_utilities(scenario, terms))


def _point_utilities(scenario: Scenario, terms: Mapping[str, float]) -> dict[str, float]:
    """Every actor's utility of one package."""
    issues = scenario.issue_names
    specs = list(scenario.actors.values())
    x = np.array([[terms[k] for k in issues]], dtype=np.float64)
    position = np.array([[[a.position[k] for k in issues] for a in specs]], dtype=np.float64)
    salience = np.array([[[a.salience[k] for k in issues] for a in specs]], dtype=np.float64)
    linear = np.array([[a.utility == "linear" for a in specs]], dtype=bool)
    values = utilities(x, position, salience, linear)[0]
    return {name: float(v) for name, v in zip(scenario.actors, values, strict=True)}


# --- the public entry points -----------------------------------------------------------------


def zone_of_agreement(
    scenario: Scenario,
    round_: int = 1,
    weights: Weights = "capability",
    samples: int = 200_000,
) -> ZopaResult:
    """The zone of possible agreement of ``scenario`` at round ``round_`` (1-based)."""
    if round_ < 1:
        raise ValueError(f"round must be at least 1, got {round_}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    issues = scenario.issue_names
    veto = scenario.veto_players
    weight_of = bargaining_weights(scenario, weights)

    reservation = {name: float(v) for name, v in reservations_at(scenario, round_).items()}
    threshold = {name: float(v) for name, v in thresholds_at(scenario, round_).items()}
    status_quo = expected_status_quo_of(scenario, round_)

    parties = Parties.of(scenario, veto)
    floor = np.array([reservation[name] for name in veto])
    demand = np.array([threshold[name] for name in veto])
    weight = np.array([weight_of[name] for name in veto])

    volume = _sample_volume(parties, floor, demand, scenario.seed, samples)
    starts = [
        volume.best_sample,
        np.full(len(issues), 0.5),
        np.array([status_quo[k] for k in issues]),
        *parties.position,
    ]
    solutions = bargaining_solutions(parties, floor, weight, starts)
    central, margin = solutions.central, solutions.margin
    _, threshold_margin = max_min_gain(parties, demand, np.ones(len(veto)), [central, *starts])

    def point(x: FloatArray | None) -> DealPoint | None:
        return None if x is None else _point(scenario, x)

    best_gain = None
    if solutions.best_utility is not None:
        best_gain = {name: float(b) for name, b in zip(veto, solutions.best_utility, strict=True)}
    nash = point(solutions.nash)
    kalai_smorodinsky = (
        nash
        if solutions.kalai_smorodinsky is solutions.nash
        else point(solutions.kalai_smorodinsky)
    )

    share, share_se = _share(volume.inside, samples)
    threshold_share, threshold_se = _share(volume.threshold_inside, samples)
    return ZopaResult(
        scenario=scenario.name,
        round=round_,
        weights=weights,
        issues=tuple(issues),
        actors=tuple(scenario.actor_names),
        veto_players=tuple(veto),
        status_quo=status_quo,
        reservation=reservation,
        threshold=threshold,
        bargaining_weight=weight_of,
        exists=solutions.exists,
        margin=float(margin),
        central=_point(scenario, central),
        threshold_exists=bool(threshold_margin >= -OPTIMUM_TOLERANCE),
        threshold_margin=float(threshold_margin),
        nash=nash,
        kalai_smorodinsky=kalai_smorodinsky,
        best_gain=best_gain,
        volume=share,
        volume_se=share_se,
        threshold_volume=threshold_share,
        threshold_volume_se=threshold_se,
        samples=samples,
        seed=scenario.seed,
    )
