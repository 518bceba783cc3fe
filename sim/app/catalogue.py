"""Which judgement calls the page offers for a scenario: per actor, the protocol, the deal's fate.

Per actor: war cost, concession speed (beta), patience (discount), capability, veto, the others'
belief about a private no-deal value (its spread and location, and its fixed truth) and one
salience per issue.  Then the protocol: the breakdown hazard, the deadline, the mediator's step,
who proposes, whether the war goes on during the talks (fighting), the decision rule (a quota of
k actors, or unanimity of the vetoes) and the mediator.  Then, where the scenario has them, the
deal's fate after signing: each domestic ratifier's threshold and spread (Putnam 1988), what a
rejection does (the talks end or resume), the implementation phase's length and each actor's
cost of reneging (Fearon 1998).  Bounds come from the scenario schema
(:func:`sim.app.controls.field_bounds`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from sim.app.controls import (
    SALIENCE_MEANING,
    UNIT,
    Bounds,
    Control,
    field_bounds,
    literal_choices,
    number_control,
    widened,
)
from sim.scenario.commitment import Implementation, Ratification
from sim.scenario.messages import model_arm, type_at
from sim.scenario.overrides import value_at
from sim.scenario.private import PRIVATE_RANGES
from sim.scenario.schema import Actor, Private, Protocol, Scenario, Strategy

PROTOCOL_GROUP = "Protocol"
AFTER_SIGNING_GROUP = "After signing: ratification and implementation"
NO_QUOTA = "none: every veto player must accept"
NEUTRAL_MEDIATOR = "neutral (no actor)"

# (field path within an actor, label, owning model and field, slider range)
_ACTOR_NUMBERS: tuple[tuple[str, str, type[BaseModel], str, tuple[float, float, float]], ...] = (
    ("war_cost", "war cost per round", Actor, "war_cost", (0.0, 0.3, 0.005)),
    ("strategy.beta", "concession speed β", Strategy, "beta", (0.1, 4.0, 0.05)),
    ("discount", "patience (discount per round)", Actor, "discount", (0.5, 1.0, 0.005)),
    ("capability", "capability", Actor, "capability", (0.0, 1.0, 0.01)),
)

ENDURANCE = (0.5, 20.0, 0.05)  # slider of a cost-clock actor's endurance

_PROTOCOL_NUMBERS: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("breakdown_probability", "breakdown hazard (weekly, without a deal)", (0.0, 0.2, 0.005)),
    ("refusal_breakdown", "breakdown after a refused offer (beyond the hazard)", (0.0, 1.0, 0.01)),
    ("max_rounds", "deadline (rounds)", (1.0, 60.0, 1.0)),
    ("mediation_step", "mediator's step per round (mediated protocol)", (0.01, 0.3, 0.01)),
)

_SPREAD_SLIDERS: dict[str, tuple[float, float, float]] = {
    "sd": (0.005, 0.2, 0.005),
    "concentration": (1.0, 200.0, 1.0),
}

_RATIFIER_NUMBERS: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("threshold", "utility at which approval is 50:50 (-1: always approves)", (-1.0, 1.0, 0.01)),
    ("spread", "spread of the approval probability", (0.0, 0.5, 0.005)),
)


def controls_for(scenario: Scenario) -> list[Control]:
    """The page's controls for ``scenario``: per actor, the protocol, then after signing.

    A slider is widened when the scenario's value lies outside its default range.
    """
    data = scenario.model_dump()
    names = {key: actor.name for key, actor in scenario.actors.items()}
    controls: list[Control] = []
    for key, actor in scenario.actors.items():
        controls += _actor_controls(data, key, actor, scenario.issue_names)
    controls += ratifier_controls(data, names)
    controls += protocol_controls(data, names)
    controls += after_signing_controls(data, names)
    return controls


def _actor_controls(
    data: Mapping[str, Any], key: str, actor: Actor, issues: list[str]
) -> list[Control]:
    group = actor.name
    controls = [
        number_control(data, f"actors.{key}.{field}", label, group, model, name, slider)
        for field, label, model, name, slider in _ACTOR_NUMBERS
    ]
    controls.append(Control(f"actors.{key}.veto", "veto", group, kind="switch"))
    if actor.strategy.endurance is not None:  # a cost clock: how much war it bears
        path = f"actors.{key}.strategy.endurance"
        label = "endurance (war cost borne before full concession)"
        controls.append(number_control(data, path, label, group, Strategy, "endurance", ENDURANCE))
    if actor.private is not None:
        controls += private_controls(actor.private, f"actors.{key}.private", group)
    controls += [
        Control(
            f"actors.{key}.salience.{issue}",
            f"salience: {issue}",
            group,
            bounds=UNIT,
            meaning=SALIENCE_MEANING,
        )
        for issue in issues
    ]
    return controls


def protocol_controls(data: Mapping[str, Any], actor_names: Mapping[str, str]) -> list[Control]:
    """The breakdown hazard, deadline, mediator's step, who proposes, fighting, quota, mediator."""
    group = PROTOCOL_GROUP
    controls = [
        number_control(data, f"protocol.{name}", label, group, Protocol, name, slider)
        for name, label, slider in _PROTOCOL_NUMBERS
    ]
    quotas = tuple(range(1, len(actor_names) + 1))
    controls += [
        Control(
            "protocol.kind",
            "who proposes",
            group,
            kind="choice",
            choices=literal_choices(Protocol, "kind"),
        ),
        Control("protocol.fighting", "the war goes on during the talks", group, kind="switch"),
        Control(
            "protocol.quota",
            "decision rule: k actors holding k/n of the capability",
            group,
            kind="choice",
            choices=(NO_QUOTA, *(f"{k} of {len(quotas)}" for k in quotas)),
            values=(None, *quotas),
        ),
        Control(
            "protocol.mediator",
            "mediator (mediated protocol)",
            group,
            kind="choice",
            choices=(NEUTRAL_MEDIATOR, *actor_names.values()),
            values=(None, *actor_names),
        ),
    ]
    return controls


def after_signing_controls(
    data: Mapping[str, Any], actor_names: Mapping[str, str]
) -> list[Control]:
    """What a ratifier's rejection does, the implementation's length and each reneging cost.

    None for a scenario without ratification or an implementation phase.
    """
    group = AFTER_SIGNING_GROUP
    controls: list[Control] = []
    if isinstance(value_at(data, "ratification"), Mapping):
        controls.append(
            Control(
                "ratification.on_rejection",
                "a ratifier's rejection: the talks end, or resume",
                group,
                kind="choice",
                choices=literal_choices(Ratification, "on_rejection"),
            )
        )
    if isinstance(value_at(data, "implementation"), Mapping):
        path = "implementation.periods"
        label = "implementation periods a deal must survive"
        slider = (1.0, 52.0, 1.0)
        controls.append(number_control(data, path, label, group, Implementation, "periods", slider))
        for key, name in actor_names.items():
            path = f"implementation.reneging_cost.{key}"
            controls.append(
                Control(
                    path,
                    f"{name}: cost of reneging",
                    group,
                    bounds=Bounds(0.0),
                    slider=widened((0.0, 0.2, 0.005), value_at(data, path)),
                    default=0.0,
                )
            )
    return controls


def ratifier_controls(
    data: Mapping[str, Any], actor_names: Mapping[str, str], root: type[BaseModel] = Scenario
) -> list[Control]:
    """Each domestic ratifier's threshold and spread, in the group of the actor it belongs to.

    Read from the scenario's data (``ratification.ratifiers``), with bounds from the ratifier's
    schema under ``root``; a scenario without ratifiers has none.
    """
    ratifiers = value_at(data, "ratification.ratifiers")
    if not isinstance(ratifiers, Mapping):
        return []
    controls: list[Control] = []
    for key, ratifier in ratifiers.items():
        schema = model_arm(type_at(root, ("ratification", "ratifiers", key)))
        if schema is None or not isinstance(ratifier, Mapping):
            continue
        group = actor_names.get(str(ratifier.get("actor")), "Ratification")
        for name, label, slider in _RATIFIER_NUMBERS:
            if name in schema.model_fields:
                path = f"ratification.ratifiers.{key}.{name}"
                title = f"ratifier {ratifier.get('name') or key}: {label}"
                controls.append(number_control(data, path, title, group, schema, name, slider))
    return controls


def private_controls(private: Private, prefix: str, group: str) -> list[Control]:
    """The numbers of the others' belief about a private no-deal value, and its fixed truth.

    The belief's own bounds come from its distribution's schema (an ``sd`` > 0); its location
    numbers (``low``, ``mode``, ``high``, ``mean``) and the truth from the private field's range.
    """
    belief = private.belief
    valid = PRIVATE_RANGES[private.field]
    field_range = Bounds(valid.low, valid.high, valid.low_open, valid.high_open)
    controls: list[Control] = []
    data = private.model_dump()
    for name in type(belief).model_fields:
        value = getattr(belief, name)
        if name == "dist" or not isinstance(value, float):
            continue
        bounds = field_bounds(type(belief), name)
        if bounds == Bounds() or name == "mean":
            bounds = field_range
        default = _SPREAD_SLIDERS.get(
            name, (field_range.low or 0.0, field_range.high or 1.0, 0.005)
        )
        controls.append(
            Control(
                f"{prefix}.belief.{name}",
                f"others' belief on {private.field} ({belief.dist}): {name}",
                group,
                bounds=bounds,
                slider=widened(default, value_at(data, f"belief.{name}")),
            )
        )
    if private.truth is not None:
        controls.append(
            Control(
                f"{prefix}.truth",
                f"true {private.field} (the others do not know it)",
                group,
                bounds=field_range,
                slider=widened((0.0, 0.3, 0.005), private.truth),
            )
        )
    return controls
