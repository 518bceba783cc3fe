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

Utilities are concave (linear or quadratic spatial losses, :mod:`sim.utility`), so the deal space
is convex and the Nash problem is a concave maximisation.  The kinks of linear utilities are
smoothed away exactly by the standard epigraph reformulation (|x_k - p_ik| <= t_ik), and each
problem is solved by SLSQP from several starting points; the best verified answer wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.analysis.zopa.optimise import (
    FEASIBILITY_TOLERANCE,
    _max_min_gain,
    _max_own_utility,
    _max_weighted_log_gain,
    _Parties,
)
from sim.analysis.zopa.volume import _sample_volume, _share
from sim.arrays import FloatArray
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    pass


Weights = Literal["capability", "uniform"]

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


def _expected_status_quo(scenario: Scenario, round_: int) -> dict[str, float]:
    """The status quo at the start of round T with the war moving by its expected drift.

    The same expectation :func:`sim.model.reservations_at` derives reservations from.
    """
    moved = {}
    for issue, spec in scenario.issues.items():
        drift = scenario.dynamics[issue].drift if issue in scenario.dynamics else 0.0
        moved[issue] = float(np.clip(spec.status_quo + drift * (round_ - 1), 0.0, 1.0))
    return moved


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


def bargaining_weights(scenario: Scenario, weights: Weights) -> dict[str, float]:
    """The veto players' Nash bargaining weights, normalised to sum to 1."""
    veto = scenario.veto_players
    if weights == "uniform":
        raw = {name: 1.0 for name in veto}
    elif weights == "capability":
        raw = {name: scenario.actors[name].capability for name in veto}
    else:
        raise ValueError(f"unknown weights '{weights}': use 'capability' or 'uniform'")
    total = sum(raw.values())
    if total <= 0:
        raise ValueError("the veto players' capabilities are all zero; use uniform weights instead")
    return {name: value / total for name, value in raw.items()}


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
    from sim.core.model import reservations_at, thresholds_at

    reservation = {name: float(v) for name, v in reservations_at(scenario, round_).items()}
    threshold = {name: float(v) for name, v in thresholds_at(scenario, round_).items()}
    status_quo = _expected_status_quo(scenario, round_)

    parties = _Parties.of(scenario, veto)
    floor = np.array([reservation[name] for name in veto])
    demand = np.array([threshold[name] for name in veto])
    weight = np.array([weight_of[name] for name in veto])
    ones = np.ones(len(veto))

    volume = _sample_volume(parties, floor, demand, scenario.seed, samples)
    starts = [
        volume.best_sample,
        np.full(len(issues), 0.5),
        np.array([status_quo[k] for k in issues]),
        *parties.position,
    ]
    central, margin = _max_min_gain(parties, floor, ones, starts)
    _, threshold_margin = _max_min_gain(parties, demand, ones, [central, *starts])
    exists = margin >= -FEASIBILITY_TOLERANCE

    def point(x: FloatArray) -> DealPoint:
        terms = {k: float(v) for k, v in zip(issues, x, strict=True)}
        return DealPoint(terms=terms, utilities=_point_utilities(scenario, terms))

    nash = kalai_smorodinsky = best_gain = None
    if margin > FEASIBILITY_TOLERANCE:
        feasible = [central] + [x for x in starts if np.all(parties.utilities(x[None])[0] > floor)]
        nash_x = _max_weighted_log_gain(parties, floor, weight, feasible)
        best = np.array(
            [_max_own_utility(parties, floor, i, [nash_x, central]) for i in range(len(veto))]
        )
        ks_x, _ = _max_min_gain(parties, floor, best - floor, [nash_x, central])
        nash, kalai_smorodinsky = point(nash_x), point(ks_x)
        best_gain = {name: float(b) for name, b in zip(veto, best, strict=True)}
    elif exists:
        # The deal space is a single package (or a sliver too thin to optimise over).
        nash = kalai_smorodinsky = point(central)

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
        exists=bool(exists),
        margin=float(margin),
        central=point(central),
        threshold_exists=bool(threshold_margin >= -FEASIBILITY_TOLERANCE),
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
