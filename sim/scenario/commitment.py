"""The scenario's two-level game and commitment problem: domestic ratifiers and implementation.

``ratification`` lists domestic bodies (a parliament, a referendum, the US Congress, each EU
member for a unanimity rule) that must approve a signed package before it takes effect
(Putnam 1988).  Each belongs to one actor, has its own ideal points and saliences over some
issues, a threshold and a spread: it approves package x with probability
sigma((U_r(x) - threshold) / spread), a step at the threshold when the spread is 0.

``implementation`` is the period after a ratified deal in which the balance of power (the issues'
status quo, i.e. what war would bring) keeps moving, with drifts that may depend on the agreed
terms, and each party reneges when war is worth more than the deal plus its cost of reneging
(Fearon 1995; Powell 2006).  Both sections are optional; without them a signed deal is final.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import Field

from sim.errors import Loc
from sim.frozen import Frozen

MAX_IMPLEMENTATION_PERIODS = 1000
SALIENCE_SUM_TOLERANCE = 1e-6

PerPeriod = Annotated[float, Field(ge=-1.0, le=1.0)]
"""A change per period of a number on [0, 1] (an issue's balance, a war cost), or its slope in
an agreed term on [0, 1]: more than the whole scale per period is no rate at all."""
Spread = Annotated[float, Field(ge=0.0, le=1.0)]
"""A shock's s.d. per period on a [0, 1] scale (as ``dynamics``' volatility)."""
Cost = Annotated[float, Field(ge=0.0, le=1.0)]
"""A utility lost (utilities lie in [0, 1]: a cost of 1 already makes reneging never pay)."""


class Ratifier(Frozen):
    """A domestic body whose approval of a signed package is uncertain (Putnam 1988)."""

    actor: str = Field(description="the actor whose deal this body ratifies")
    name: str = ""
    utility: Literal["linear", "quadratic"] = "quadratic"
    position: dict[str, float] = Field(description="ideal points on the issues it cares about")
    salience: dict[str, float] = Field(description="weights on those issues, summing to 1")
    threshold: float = Field(ge=-1.0, le=1.0, description="utility at which approval is 50:50")
    spread: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="logistic scale of the approval probability; 0: a sharp cutoff",
    )
    evidence: dict[str, str] = Field(default_factory=dict)


class Ratification(Frozen):
    """Every domestic ratifier, and what happens when one rejects a signed deal."""

    on_rejection: Literal["end", "resume"] = Field(
        default="end", description="end: the talks end `not-ratified`; resume: they go on"
    )
    ratifiers: dict[str, Ratifier] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict)


class Implementation(Frozen):
    """The periods after a ratified deal in which the balance moves and parties may renege."""

    periods: int = Field(
        ge=1,
        le=MAX_IMPLEMENTATION_PERIODS,
        description="how many periods the deal must survive to count as durable",
    )
    drift: dict[str, PerPeriod] = Field(
        default_factory=dict, description="per issue: the balance's drift per period"
    )
    volatility: dict[str, Spread] = Field(
        default_factory=dict, description="per issue: the balance's shock s.d. per period"
    )
    term_drift: dict[str, dict[str, PerPeriod]] = Field(
        default_factory=dict,
        description="issue -> {term: slope}: extra drift per period per unit of an agreed term",
    )
    war_cost_drift: dict[str, PerPeriod] = Field(
        default_factory=dict, description="per actor: change of its war cost per period"
    )
    term_war_cost: dict[str, dict[str, PerPeriod]] = Field(
        default_factory=dict,
        description="actor -> {term: slope}: extra war-cost change per period per unit of a term",
    )
    reneging_cost: dict[str, Cost] = Field(
        default_factory=dict, description="per actor: the utility it loses by reneging"
    )
    term_cost: dict[str, dict[str, PerPeriod]] = Field(
        default_factory=dict,
        description="actor -> {term: slope}: extra reneging cost per unit of an agreed term",
    )
    anticipated: bool = Field(
        default=False,
        description=(
            "the table weighs each party's chance of keeping the deal through the phase, as an "
            "anticipated-only ratifier (Walter 1997); needs quadratic utilities; uses the "
            "scenario's ideals and saliences (a sweep's sampled war and reneging costs, not its "
            "sampled saliences)"
        ),
    )
    evidence: dict[str, str] = Field(default_factory=dict)


def commitment_problems(raw: Mapping[str, Any]) -> Iterator[tuple[Loc, str]]:
    """Cross references of ``ratification`` and ``implementation`` (raw, possibly invalid data)."""
    issues = raw.get("issues")
    actors = raw.get("actors")
    issue_names = list(issues) if isinstance(issues, Mapping) else None
    actor_names = list(actors) if isinstance(actors, Mapping) else None
    ratification = raw.get("ratification")
    if isinstance(ratification, Mapping):
        ratifiers = ratification.get("ratifiers")
        if isinstance(ratifiers, Mapping):
            for key, ratifier in ratifiers.items():
                if isinstance(ratifier, Mapping):
                    yield from _ratifier_problems(key, ratifier, issue_names, actor_names)
    implementation = raw.get("implementation")
    if isinstance(implementation, Mapping):
        yield from _implementation_problems(implementation, issue_names, actor_names)
        if implementation.get("anticipated") is True and isinstance(actors, Mapping):
            yield from _anticipation_problems(actors)


def _ratifier_problems(
    key: str,
    ratifier: Mapping[str, Any],
    issue_names: list[str] | None,
    actor_names: list[str] | None,
) -> Iterator[tuple[Loc, str]]:
    loc: Loc = ("ratification", "ratifiers", key)
    actor = ratifier.get("actor")
    if actor_names is not None and isinstance(actor, str) and actor not in actor_names:
        yield (*loc, "actor"), f"unknown actor '{actor}'"
    position, salience = ratifier.get("position"), ratifier.get("salience")
    for table in (position, salience):
        if not isinstance(table, Mapping):
            continue
        name = "position" if table is position else "salience"
        for issue, value in table.items():
            if issue_names is not None and issue not in issue_names:
                yield (*loc, name, issue), f"unknown issue '{issue}'"
            elif _is_number(value) and name == "position" and not 0.0 <= value <= 1.0:
                yield (*loc, name, issue), f"{value} is outside [0, 1]"
            elif _is_number(value) and name == "salience" and value < 0.0:
                yield (*loc, name, issue), f"{value} is negative"
    if isinstance(salience, Mapping) and all(_is_number(v) for v in salience.values()):
        total = float(sum(salience.values()))
        if abs(total - 1.0) > SALIENCE_SUM_TOLERANCE:
            yield (*loc, "salience"), f"saliences sum to {total:.6g}, not 1"
        if isinstance(position, Mapping):
            for issue, value in salience.items():
                if issue not in position and _is_number(value) and value > 0:
                    yield (*loc, "position"), f"missing issue '{issue}' (it has a salience)"


def _implementation_problems(
    implementation: Mapping[str, Any],
    issue_names: list[str] | None,
    actor_names: list[str] | None,
) -> Iterator[tuple[Loc, str]]:
    for table, kind in (
        ("drift", "issue"),
        ("volatility", "issue"),
        ("reneging_cost", "actor"),
        ("war_cost_drift", "actor"),
    ):
        yield from _named_keys(implementation, (table,), kind, issue_names, actor_names)
    for table, outer in (
        ("term_drift", "issue"),
        ("term_cost", "actor"),
        ("term_war_cost", "actor"),
    ):
        yield from _named_keys(implementation, (table,), outer, issue_names, actor_names)
        nested = implementation.get(table)
        if isinstance(nested, Mapping):
            for key in nested:
                yield from _named_keys(nested, (key,), "issue", issue_names, actor_names, table)


def _anticipation_problems(actors: Mapping[str, Any]) -> Iterator[tuple[Loc, str]]:
    """The table anticipates reneging with an actor's utility as a ratifier's: quadratic
    (:mod:`sim.core.anticipated_reneging`)."""
    for name, actor in actors.items():
        if isinstance(actor, Mapping) and actor.get("utility") == "linear":
            yield (
                ("implementation", "anticipated"),
                f"needs quadratic utilities, but actor '{name}' is linear",
            )


def _named_keys(
    owner: Mapping[str, Any],
    path: tuple[str, ...],
    kind: str,
    issue_names: list[str] | None,
    actor_names: list[str] | None,
    parent: str | None = None,
) -> Iterator[tuple[Loc, str]]:
    table = owner.get(path[0])
    names = issue_names if kind == "issue" else actor_names
    if not isinstance(table, Mapping) or names is None:
        return
    prefix: Loc = ("implementation", parent, *path) if parent else ("implementation", *path)
    for key in table:
        if key not in names:
            yield (*prefix, key), f"unknown {kind} '{key}'"


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
