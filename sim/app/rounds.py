"""One round of one negotiation as the page shows it: thresholds, no-deal values, the proposal.

Reads a row of the model's trajectory (:attr:`sim.core.model.NegotiationModel.trajectory`) and applies
the model's own acceptance rule (utility of the offer at least the threshold, within
:data:`sim.core.tolerances.FEASIBILITY_TOLERANCE`) to say who accepted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.core.records import OFFER, OFFER_UTILITY, RESERVATION, STATUS_QUO, THRESHOLD
from sim.core.tolerances import FEASIBILITY_TOLERANCE
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
