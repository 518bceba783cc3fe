"""One negotiation as the page shows it: each round's thresholds, no-deal values and proposal,
then what became of a signed deal (ratification at home, the implementation phase).

Reads a row of the model's trajectory (:attr:`sim.core.model.NegotiationModel.trajectory`) and applies
the model's own acceptance rule (utility of the offer at least the threshold, within
:data:`sim.core.tolerances.FEASIBILITY_TOLERANCE`) to say who accepted; a signing's verdicts and
the implementation path are the model's own draws (:mod:`sim.core.after_signing`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.arrays import BoolArray, FloatArray
from sim.core.batch import WorldBatch
from sim.core.implementation import Commitment
from sim.core.ratification import Ratifiers, approval_probabilities
from sim.core.records import OFFER, OFFER_UTILITY, RESERVATION, STATUS_QUO, THRESHOLD
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class ActorInRound:
    """One actor in one round: its no-deal value, threshold, the offer's utility, its answer."""

    actor: str
    name: str
    veto: bool
    reservation: float
    threshold: float
    offer_utility: float
    accepts: bool | None  # None when there was no offer

    @property
    def margin(self) -> float:
        """How far the offer's utility is above (or below) the threshold."""
        return self.offer_utility - self.threshold


@dataclass(frozen=True)
class TermInRound:
    """One issue in one round: the proposed term and the status quo, with the axis' meaning."""

    issue: str
    offer: float
    status_quo: float
    low: str
    high: str


@dataclass(frozen=True)
class RoundView:
    """A round of one world: who proposed what, and who accepted."""

    world: int
    round: int
    proposer: str
    offered: bool
    agreed: bool
    actors: tuple[ActorInRound, ...]
    terms: tuple[TermInRound, ...]

    @property
    def accepted_by(self) -> list[str]:
        """The actors whose threshold the offer met."""
        return [a.actor for a in self.actors if a.accepts]


def round_view(row: Mapping[str, Any], scenario: Scenario) -> RoundView:
    """The page's view of one trajectory row of ``scenario``."""
    offered = bool(row["offered"])
    actors = []
    for key, actor in scenario.actors.items():
        utility = float(row[OFFER_UTILITY + key])
        threshold = float(row[THRESHOLD + key])
        accepts = (
            None
            if not offered or math.isnan(utility)
            else utility >= threshold - FEASIBILITY_TOLERANCE
        )
        actors.append(
            ActorInRound(
                actor=key,
                name=actor.name,
                veto=actor.veto,
                reservation=float(row[RESERVATION + key]),
                threshold=threshold,
                offer_utility=utility,
                accepts=accepts,
            )
        )
    terms = tuple(
        TermInRound(
            issue=issue,
            offer=float(row[OFFER + issue]),
            status_quo=float(row[STATUS_QUO + issue]),
            low=spec.low,
            high=spec.high,
        )
        for issue, spec in scenario.issues.items()
    )
    return RoundView(
        world=int(row["world"]),
        round=int(row["round"]),
        proposer=str(row["proposer"]),
        offered=offered,
        agreed=bool(row["accepted"]),
        actors=tuple(actors),
        terms=terms,
    )


# --------------------------------------------------------------------------------------------
# After the signature: ratification at home, then implementation


@dataclass(frozen=True)
class Verdict:
    """One domestic ratifier's verdict on a signed package, and how likely approval was."""

    ratifier: str
    name: str
    actor: str
    p_approve: float
    approved: bool


@dataclass(frozen=True)
class Signing:
    """A package signed at the table in some round, and every ratifier's verdict on it."""

    round: int
    verdicts: tuple[Verdict, ...]

    @property
    def ratified(self) -> bool:
        """Every ratifier approved (the deal takes effect)."""
        return all(v.approved for v in self.verdicts)

    @property
    def rejected_by(self) -> list[str]:
        """The names of the ratifiers that rejected the package."""
        return [v.name for v in self.verdicts if not v.approved]


def signing_view(
    scenario: Scenario, round_: int, package: FloatArray, rejected: BoolArray
) -> Signing:
    """The verdicts on ``package`` (K,) signed in ``round_``: ``rejected`` (R,) as the model drew
    them, beside each ratifier's approval probability (Putnam 1988; :mod:`sim.core.ratification`)."""
    ratifiers = Ratifiers.of(scenario)
    if ratifiers is None:
        return Signing(round_, ())
    p = approval_probabilities(ratifiers, np.asarray(package, dtype=np.float64)[None, :])[0]
    assert scenario.ratification is not None
    bodies = scenario.ratification.ratifiers
    actors = list(scenario.actors.values())
    verdicts = tuple(
        Verdict(
            ratifier=key,
            name=bodies[key].name or key,
            actor=actors[int(ratifiers.actor[r])].name,
            p_approve=float(p[r]),
            approved=not bool(rejected[r]),
        )
        for r, key in enumerate(ratifiers.names)
    )
    return Signing(round_, verdicts)


@dataclass(frozen=True)
class Period:
    """One implementation period: the balance on each issue, each actor's value of war, who
    reneged."""

    period: int
    balance: dict[str, float]
    war_value: dict[str, float]
    reneged: tuple[str, ...]


@dataclass(frozen=True)
class Implementation:
    """A ratified deal's implementation phase (Fearon 1995): an actor reneges once its value of
    war exceeds what the deal gives it plus its cost of reneging (its ``limit``)."""

    required: int
    limit: dict[str, float]
    periods: tuple[Period, ...]

    @property
    def reneged_by(self) -> tuple[str, ...]:
        """Who reneged (empty while the deal holds)."""
        return next((p.reneged for p in self.periods if p.reneged), ())

    @property
    def durable(self) -> bool:
        """The deal survived every period with no one reneging."""
        return len(self.periods) == self.required and not self.reneged_by


def implementation_view(
    scenario: Scenario, batch: WorldBatch, terms: FloatArray, path: list[dict[str, Any]]
) -> Implementation | None:
    """The implementation phase of one world's deal ``terms`` (K,) from the model's path rows
    (:attr:`sim.core.after_signing.AfterSigning.path`); None without an implementation phase."""
    commitment = Commitment.of(scenario)
    if commitment is None:
        return None
    x = np.asarray(terms, dtype=np.float64)[None, :]
    linear = np.broadcast_to(batch.structure.linear, batch.capability.shape)
    limit = (
        utilities(x, batch.position[:1], batch.salience[:1], linear[:1])
        + commitment.reneging_costs(x, batch.reneging_cost[:1])
    )[0]
    names = {key: actor.name for key, actor in scenario.actors.items()}
    periods = tuple(
        Period(
            period=int(row["period"]),
            balance={issue: float(row[STATUS_QUO + issue]) for issue in scenario.issues},
            war_value={names[key]: float(row[RESERVATION + key]) for key in scenario.actors},
            reneged=tuple(names[key] for key in str(row["reneged"]).split("+") if key),
        )
        for row in path
    )
    return Implementation(
        required=commitment.periods,
        limit={names[key]: float(limit[a]) for a, key in enumerate(scenario.actors)},
        periods=periods,
    )


def proposer_name(view: RoundView, scenario: Scenario) -> str:
    """Who put the round's package on the table: an actor's name, or the neutral mediator (a
    mediated protocol without a mediating actor records no proposer)."""
    author = scenario.actors.get(view.proposer)
    return "the neutral mediator" if author is None else author.name
