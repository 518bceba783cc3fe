"""The judgement calls the page lets a user change, and the check of a value typed into one.

Each :class:`Control` names a scenario field by its dotted path (the same paths as ``--set``).
Its accepted range is read from the scenario schema (:mod:`sim.scenario.schema`), so the page refuses
exactly what a scenario file may not contain; the slider range is only the page's default view.
A typed value that cannot be used raises :class:`ValueRefused` with a message the page shows
next to the control.  Saliences are kept summing to 1 by :func:`rebalanced_salience`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel

from sim.errors import did_you_mean
from sim.scenario.messages import model_arm, type_at
from sim.scenario.overrides import value_at
from sim.scenario.private import PRIVATE_RANGES
from sim.scenario.schema import Actor, Private, Protocol, Scenario, Strategy

ControlKind = Literal["number", "switch", "choice"]

SALIENCE_DECIMALS = 6
"""Saliences the page rebalances are rounded to this many decimals (the largest absorbs the rest)."""

SALIENCE_MEANING = "a salience is the issue's share of the actor's attention"


class ValueRefused(ValueError):
    """A value typed into the page that cannot be used; its message is shown next to the control."""


@dataclass(frozen=True)
class Bounds:
    """The values a numeric field accepts: ``low``/``high`` (None: unbounded), open or closed."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def problem(self, value: float) -> str | None:
        """Why ``value`` is outside the bounds, or None if it is inside."""
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            if self.low == 0 and value < 0:
                return f"{_number(value)} is negative; it must be {self._range()}"
            return f"{_number(value)} is too small; it must be {self._range()}"
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            return f"{_number(value)} is too large; it must be {self._range()}"
        return None

    def _range(self) -> str:
        low = None if self.low is None else ("> " if self.low_open else "≥ ") + _number(self.low)
        high = (
            None if self.high is None else ("< " if self.high_open else "≤ ") + _number(self.high)
        )
        return " and ".join(part for part in (low, high) if part is not None)


def field_bounds(model: type[BaseModel], name: str) -> Bounds:
    """The numeric bounds pydantic enforces on ``model.name`` (``ge``/``gt``/``le``/``lt``)."""
    bounds = Bounds()
    for item in model.model_fields[name].metadata:
        if isinstance(item, annotated_types.Ge):
            bounds = Bounds(float(item.ge), bounds.high, False, bounds.high_open)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            bounds = Bounds(float(item.gt), bounds.high, True, bounds.high_open)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            bounds = Bounds(bounds.low, float(item.le), bounds.low_open, False)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Lt):
            bounds = Bounds(bounds.low, float(item.lt), bounds.low_open, True)  # type: ignore[arg-type]
    return bounds


@dataclass(frozen=True)
class Control:
    """One judgement call on the page: a scenario field, how it is shown and what it accepts."""

    path: str
    label: str
    group: str
    kind: ControlKind = "number"
    bounds: Bounds = Bounds()
    slider: tuple[float, float, float] = (0.0, 1.0, 0.01)
    integer: bool = False
    choices: tuple[str, ...] = ()
    meaning: str = ""  # said before a refusal of an out-of-range value

    @property
    def key(self) -> str:
        """A name safe for HTML ids and CSS classes (the path with dots as dashes)."""
        return self.path.replace(".", "-")


_UNIT = Bounds(0.0, 1.0)

# (field path within an actor, label, owning model and field, slider range)
_ACTOR_NUMBERS: tuple[tuple[str, str, type[BaseModel], str, tuple[float, float, float]], ...] = (
    ("war_cost", "war cost per round", Actor, "war_cost", (0.0, 0.3, 0.005)),
    ("strategy.beta", "concession speed β", Strategy, "beta", (0.1, 4.0, 0.05)),
    ("discount", "patience (discount per round)", Actor, "discount", (0.5, 1.0, 0.005)),
    ("capability", "capability", Actor, "capability", (0.0, 1.0, 0.01)),
)


_PROTOCOL_NUMBERS: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("breakdown_probability", "breakdown risk after a failed round", (0.0, 0.2, 0.005)),
    ("max_rounds", "deadline (rounds)", (1.0, 60.0, 1.0)),
    ("mediation_step", "mediator's step per round (mediated protocol)", (0.01, 0.3, 0.01)),
)


def controls_for(scenario: Scenario) -> list[Control]:
    """The page's controls for ``scenario``: per actor, then the protocol.

    Per actor: war cost, concession speed (beta), patience (discount), capability, veto, the
    numbers of the others' belief about a private no-deal value (its spread) and one salience
    per issue; then the breakdown risk, the deadline, the mediator's step and the
    protocol kind.  A slider
    is widened when the scenario's value lies outside its default range.
    """
    controls: list[Control] = []
    data = scenario.model_dump()
    for key, actor in scenario.actors.items():
        group = actor.name
        for field, label, model, name, slider in _ACTOR_NUMBERS:
            controls.append(
                _number_control(data, f"actors.{key}.{field}", label, group, model, name, slider)
            )
        controls.append(Control(f"actors.{key}.veto", "veto", group, kind="switch"))
        if actor.private is not None:
            controls += _private_controls(actor.private, f"actors.{key}.private", group)
        for issue in scenario.issues:
            controls.append(
                Control(
                    f"actors.{key}.salience.{issue}",
                    f"salience: {issue}",
                    group,
                    bounds=_UNIT,
                    meaning=SALIENCE_MEANING,
                )
            )
    controls += ratifier_controls(data, {key: a.name for key, a in scenario.actors.items()})
    protocol = "Protocol"
    for name, label, slider in _PROTOCOL_NUMBERS:
        path = f"protocol.{name}"
        controls.append(_number_control(data, path, label, protocol, Protocol, name, slider))
    controls += [
        Control(
            "protocol.kind",
            "who proposes",
            protocol,
            kind="choice",
            choices=_literal_choices(Protocol, "kind"),
        ),
    ]
    return controls


_SPREAD_SLIDERS: dict[str, tuple[float, float, float]] = {
    "sd": (0.005, 0.2, 0.005),
    "concentration": (1.0, 200.0, 1.0),
}


_RATIFIER_NUMBERS: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("threshold", "utility at which approval is 50:50", (-1.0, 1.0, 0.01)),
    ("spread", "spread of the approval probability", (0.0, 0.5, 0.005)),
)


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
                controls.append(_number_control(data, path, title, group, schema, name, slider))
    return controls


def _private_controls(private: Private, prefix: str, group: str) -> list[Control]:
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
                slider=_widened(default, value_at(data, f"belief.{name}")),
            )
        )
    if private.truth is not None:
        controls.append(
            Control(
                f"{prefix}.truth",
                f"true {private.field} (the others do not know it)",
                group,
                bounds=field_range,
                slider=_widened((0.0, 0.3, 0.005), private.truth),
            )
        )
    return controls


def _number_control(
    data: Mapping[str, Any],
    path: str,
    label: str,
    group: str,
    model: type[BaseModel],
    name: str,
    slider: tuple[float, float, float],
) -> Control:
    integer = model.model_fields[name].annotation is int
    bounds = field_bounds(model, name)
    widened = _widened(slider, value_at(data, path))
    return Control(path, label, group, bounds=bounds, slider=widened, integer=integer)


def _widened(slider: tuple[float, float, float], value: Any) -> tuple[float, float, float]:
    low, high, step = slider
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = min(low, float(value)), max(high, float(value))
    return low, high, step


def _literal_choices(model: type[BaseModel], name: str) -> tuple[str, ...]:
    annotation = model.model_fields[name].annotation
    return tuple(str(arg) for arg in getattr(annotation, "__args__", ()))


def check_typed(control: Control, text: str) -> float | int | bool | str:
    """The value ``text`` stands for, if ``control`` accepts it; raises :class:`ValueRefused`."""
    typed = text.strip()
    if control.kind == "switch":
        lowered = typed.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise ValueRefused(f"'{typed}' is not true or false")
    if control.kind == "choice":
        if typed in control.choices:
            return typed
        hint = did_you_mean(typed, control.choices)
        options = ", ".join(control.choices)
        raise ValueRefused(f"'{typed}' is not one of {options}" + (f"; {hint}" if hint else ""))
    try:
        value = float(typed)
    except ValueError:
        raise ValueRefused(f"'{typed}' is not a number") from None
    if not math.isfinite(value):
        raise ValueRefused(f"'{typed}' is not a finite number")
    problem = control.bounds.problem(value)
    if problem is not None:
        raise ValueRefused(f"{control.meaning}: {problem}" if control.meaning else problem)
    if control.integer:
        if value != int(value):
            raise ValueRefused(f"{_number(value)} is not a whole number of rounds")
        return int(value)
    return value


def rebalanced_salience(table: Mapping[str, float], issue: str, value: float) -> dict[str, float]:
    """The salience table with ``issue`` set to ``value`` and the others rescaled to sum to 1.

    The other issues keep their proportions; they are rounded to ``SALIENCE_DECIMALS`` decimals
    and the largest of them absorbs the rounding, so the table sums to 1 to float precision.
    Raises :class:`ValueRefused` when no table with this value can sum to 1.
    """
    if issue not in table:
        raise ValueRefused(f"unknown issue '{issue}'")
    problem = _UNIT.problem(value)
    if problem is not None:
        raise ValueRefused(f"{SALIENCE_MEANING}: {problem}")
    others = {name: float(weight) for name, weight in table.items() if name != issue}
    rest = sum(others.values())
    if not others:
        if abs(value - 1.0) > 1e-12:
            raise ValueRefused("the only issue's salience must be 1")
        return {issue: 1.0}
    if rest <= 0.0 and value < 1.0:
        raise ValueRefused(
            f"the other saliences are all 0, so the table cannot sum to 1 unless {issue} is 1; "
            "raise another issue's salience first"
        )
    scale = (1.0 - value) / rest if rest > 0 else 0.0
    scaled = {name: round(weight * scale, SALIENCE_DECIMALS) for name, weight in others.items()}
    largest = max(scaled, key=lambda name: scaled[name])
    scaled[largest] = max(0.0, 1.0 - value - (sum(scaled.values()) - scaled[largest]))
    result = {name: (value if name == issue else scaled[name]) for name in table}
    return result


def _number(value: float) -> str:
    return f"{value:g}"
