"""The scenario: typed, frozen, validated description of one negotiation.

A scenario names the issues (each on [0, 1] with labelled ends and a status quo), the actors
(positions, saliences, capability, veto, utility shape, no-deal value, patience, strategy and the
article evidence for every number), the bargaining protocol and the war dynamics.  Files are read
by :mod:`sim.scenario.loader`, which maps every problem found here back to a file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from sim.distributions.priors import Prior
from sim.errors import Loc
from sim.frozen import Frozen
from sim.scenario.commitment import Implementation, Ratification, commitment_problems
from sim.scenario.limits import MAX_ACTORS, MAX_ISSUES, MAX_ROUNDS
from sim.scenario.private import private_problems

SALIENCE_TOLERANCE = 1e-6
MAX_ROUND_WEEKS = 520.0
"""Longest round, in weeks (ten years)."""


class Issue(Frozen):
    """One negotiated dimension on [0, 1]; ``low`` and ``high`` say what 0 and 1 mean."""

    description: str = ""
    low: str = Field(description="what a value of 0 means")
    high: str = Field(description="what a value of 1 means")
    status_quo: float = Field(ge=0.0, le=1.0, description="where the issue stands with no deal")
    evidence: dict[str, str] = Field(default_factory=dict)


class Strategy(Frozen):
    """How an actor sets its acceptance threshold each round."""

    kind: Literal["concession", "equilibrium"] = "concession"
    beta: float = Field(
        default=1.0, gt=0.0, description="concession exponent: <1 Boulware, >1 Conceder"
    )
    endurance: float | None = Field(
        default=None,
        gt=0.0,
        le=1.0e6,
        description=(
            "war cost the actor bears (its weekly war cost times the weeks of war) before its"
            " concession reaches its no-deal value; absent: the protocol's deadline clock"
        ),
    )


class Private(Frozen):
    """A no-deal value the actor alone knows; the others share a belief about it (Fearon 1995).

    ``field`` is the private number (the war cost, or an explicit reservation), ``belief`` the
    distribution the others believe it is drawn from.  By default each world draws the truth from
    the belief (a common prior); ``truth`` fixes it apart from the belief (misperception).
    """

    field: Literal["war_cost", "reservation"] = "war_cost"
    belief: Prior
    truth: float | None = None


class Actor(Frozen):
    """One party to the negotiation."""

    name: str
    capability: float = Field(default=1.0, ge=0.0)
    veto: bool = True
    utility: Literal["linear", "quadratic"] = "quadratic"
    position: dict[str, float]
    salience: dict[str, float]
    reservation: float | None = Field(
        default=None, ge=-1.0, le=1.0, description="explicit no-deal utility; derived if absent"
    )
    war_cost: float = Field(default=0.0, ge=0.0, le=1.0)
    discount: float = Field(default=1.0, gt=0.0, le=1.0)
    strategy: Strategy = Field(default_factory=Strategy)
    private: Private | None = None
    evidence: dict[str, str] = Field(default_factory=dict)

    @property
    def rho(self) -> float:
        """The exponent of the distance term: 1 for linear, 2 for quadratic utility."""
        return 1.0 if self.utility == "linear" else 2.0


class Protocol(Frozen):
    """Who proposes (or mediates), how many rounds, the decision rule, and the risk of collapse."""

    kind: Literal["alternating", "random-proposer", "mediated"] = "random-proposer"
    recognition: Literal["uniform", "capability"] | dict[str, float] = "capability"
    order: list[str] | None = None
    max_rounds: int = Field(default=40, ge=1, le=MAX_ROUNDS)
    breakdown_probability: float = Field(
        default=0.0, ge=0.0, lt=1.0, description="weekly hazard that talks without a deal collapse"
    )
    refusal_breakdown: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="probability that a refused offer ends the talks, on top of the hazard",
    )
    round_weeks: float = Field(
        default=1.0, gt=0.0, le=MAX_ROUND_WEEKS, description="weeks per round"
    )
    deadline_weeks: float | None = Field(
        default=None,
        ge=0.0,
        le=MAX_ROUNDS * MAX_ROUND_WEEKS,  # the longest talks the model can follow
        description="weeks to the parties' deadline; absent: the last round (max_rounds)",
    )
    fighting: bool = Field(
        default=False,
        description="each round without a deal yields every actor the war's flow payoff",
    )
    mediator: str | None = Field(
        default=None, description="the actor who mediates (mediated protocol); none: neutral"
    )
    mediation_step: float = Field(
        default=0.05, gt=0.0, le=1.0, description="how far the mediator moves the text per round"
    )
    quota: int | None = Field(
        default=None,
        ge=1,
        description="k of n: a deal also needs the accepting actors to hold k/n of all capability",
    )
    evidence: dict[str, str] = Field(default_factory=dict)


class IssueDynamics(Frozen):
    """Random-walk movement of an issue's status quo between rounds (the war going on)."""

    drift: float = Field(default=0.0, ge=-1.0, le=1.0)
    volatility: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: dict[str, str] = Field(default_factory=dict)


class Scenario(Frozen):
    """A complete negotiation scenario."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    extends: str | None = None
    issues: dict[str, Issue] = Field(min_length=1, max_length=MAX_ISSUES)
    actors: dict[str, Actor] = Field(min_length=2, max_length=MAX_ACTORS)
    protocol: Protocol = Field(default_factory=Protocol)
    dynamics: dict[str, IssueDynamics] = Field(default_factory=dict)
    ratification: Ratification | None = None
    implementation: Implementation | None = None
    seed: int = Field(default=0, ge=0, lt=2**63)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = list(cross_reference_problems(self.model_dump()))
        if problems:
            loc, message = problems[0]
            raise ValueError(f"{'.'.join(str(p) for p in loc)}: {message}")
        return self

    @property
    def issue_names(self) -> list[str]:
        """The issue keys, in file order."""
        return list(self.issues)

    @property
    def actor_names(self) -> list[str]:
        """The actor keys, in file order."""
        return list(self.actors)

    @property
    def veto_players(self) -> list[str]:
        """The keys of the actors that hold a veto."""
        return [key for key, actor in self.actors.items() if actor.veto]


def cross_reference_problems(raw: Mapping[str, Any]) -> Iterator[tuple[Loc, str]]:
    """Problems that need more than one field to see, found on raw (possibly invalid) data.

    Tolerant of wrong types: anything it cannot read is left to field validation.  Yields
    ``(location, message)``; the loader attaches file lines and "did you mean" hints.
    """
    issues = raw.get("issues")
    actors = raw.get("actors")
    issue_names = list(issues) if isinstance(issues, Mapping) else None
    actor_names = list(actors) if isinstance(actors, Mapping) else None
    protocol = raw.get("protocol")
    if isinstance(actors, Mapping) and issue_names is not None:
        for key, actor in actors.items():
            if isinstance(actor, Mapping):
                yield from _actor_table_problems(key, actor, issue_names)
    if isinstance(protocol, Mapping) and actor_names is not None:
        yield from _protocol_problems(protocol, actor_names)
    if isinstance(actors, Mapping):
        settings = protocol if isinstance(protocol, Mapping) else {}
        yield from _veto_and_capability_problems(actors, settings)
        yield from _equilibrium_problems(actors, settings)
        for key, actor in actors.items():
            if isinstance(actor, Mapping):
                yield from private_problems(key, actor)
    dynamics = raw.get("dynamics")
    if isinstance(dynamics, Mapping) and issue_names is not None:
        for issue in dynamics:
            if issue not in issue_names:
                yield ("dynamics", issue), f"unknown issue '{issue}'"
    yield from commitment_problems(raw)


def _actor_table_problems(
    key: str, actor: Mapping[str, Any], issue_names: list[str]
) -> Iterator[tuple[Loc, str]]:
    """An actor's position and salience tables: known issues, all issues, values in range."""
    for table in ("position", "salience"):
        values = actor.get(table)
        if not isinstance(values, Mapping):
            continue
        for issue in values:
            if issue not in issue_names:
                yield ("actors", key, table, issue), f"unknown issue '{issue}'"
        for issue in issue_names:
            if issue not in values:
                yield ("actors", key, table), f"missing issue '{issue}'"
        for issue, value in values.items():
            if not _is_number(value):
                continue
            if table == "position" and not 0.0 <= value <= 1.0:
                yield ("actors", key, table, issue), f"{value} is outside [0, 1]"
            if table == "salience" and value < 0.0:
                yield ("actors", key, table, issue), f"{value} is negative"
    salience = actor.get("salience")
    if isinstance(salience, Mapping) and all(_is_number(v) for v in salience.values()):
        total = float(sum(salience.values()))
        if abs(total - 1.0) > SALIENCE_TOLERANCE:
            yield ("actors", key, "salience"), f"saliences sum to {total:.6g}, not 1"


def _protocol_problems(
    protocol: Mapping[str, Any], actor_names: list[str]
) -> Iterator[tuple[Loc, str]]:
    """The protocol's proposer order and recognition weights name actors; its rules fit."""
    order = protocol.get("order")
    if isinstance(order, list):
        for index, name in enumerate(order):
            if name not in actor_names:
                yield ("protocol", "order", index), f"unknown actor '{name}'"
    recognition = protocol.get("recognition")
    if isinstance(recognition, Mapping):
        for name, value in recognition.items():
            if name not in actor_names:
                yield ("protocol", "recognition", name), f"unknown actor '{name}'"
            elif _is_number(value) and value < 0:
                yield ("protocol", "recognition", name), f"{value} is negative"
        weights = [v for v in recognition.values() if _is_number(v)]
        if weights and sum(weights) <= 0:
            yield ("protocol", "recognition"), "recognition weights must not all be zero"
    kind = protocol.get("kind", "random-proposer")
    if kind == "alternating" and not order:
        yield ("protocol", "order"), "the alternating protocol needs an 'order' of actors"
    yield from _decision_problems(protocol, actor_names)


def _veto_and_capability_problems(
    actors: Mapping[str, Any], protocol: Mapping[str, Any]
) -> Iterator[tuple[Loc, str]]:
    """Someone must hold a veto (or a quota decide), and capability recognition needs capability."""
    vetoes = [a for a in actors.values() if isinstance(a, Mapping) and a.get("veto", True)]
    if not vetoes and protocol.get("quota") is None:
        yield ("actors",), "at least one actor must hold a veto (or set protocol.quota)"
    if protocol.get("recognition") in (None, "capability"):
        caps = [a.get("capability", 1.0) for a in actors.values() if isinstance(a, Mapping)]
        if caps and all(_is_number(c) for c in caps) and sum(caps) <= 0:
            yield ("actors",), "capability-based recognition needs some capability > 0"


def _equilibrium_problems(
    actors: Mapping[str, Any], protocol: Mapping[str, Any]
) -> Iterator[tuple[Loc, str]]:
    """The equilibrium strategy needs a proposer protocol and impatience."""
    p_break = protocol.get("breakdown_probability", 0.0)
    q_break = protocol.get("refusal_breakdown", 0.0)
    mediated = protocol.get("kind") == "mediated"
    for key, actor in actors.items():
        if not isinstance(actor, Mapping):
            continue
        strategy = actor.get("strategy")
        if not (isinstance(strategy, Mapping) and strategy.get("kind") == "equilibrium"):
            continue
        discount = actor.get("discount", 1.0)
        if mediated:
            yield (
                ("actors", key, "strategy", "kind"),
                "the equilibrium strategy needs a proposer protocol (alternating or "
                "random-proposer), not the mediated one",
            )
        if not (_is_number(discount) and _is_number(p_break)):
            continue  # the field's own check reports a value that is not a number
        patience = (1.0 - p_break) * (1.0 - (q_break if _is_number(q_break) else 0.0))
        if discount * patience >= 1.0:
            yield (
                ("actors", key, "discount"),
                "the equilibrium strategy needs impatience: discount < 1, "
                "protocol.breakdown_probability > 0 or protocol.refusal_breakdown > 0",
            )


def _decision_problems(
    protocol: Mapping[str, Any], actor_names: list[str]
) -> Iterator[tuple[Loc, str]]:
    """The mediator must be an actor of a mediated protocol; a quota at most the actor count."""
    mediator = protocol.get("mediator")
    if mediator is not None:
        if mediator not in actor_names:
            yield ("protocol", "mediator"), f"unknown actor '{mediator}'"
        kind = protocol.get("kind", "random-proposer")
        if kind != "mediated":
            yield (
                ("protocol", "mediator"),
                f"only the mediated protocol has a mediator (protocol.kind is '{kind}')",
            )
    quota = protocol.get("quota")
    if isinstance(quota, int) and not isinstance(quota, bool) and quota > len(actor_names):
        yield (
            ("protocol", "quota"),
            f"quota {quota} is larger than the number of actors ({len(actor_names)})",
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
