"""The judgement calls the page lets a user change, and the check of a value typed into one.

Each :class:`Control` names a scenario field by its dotted path (the same paths as ``--set``);
:mod:`sim.app.catalogue` lists which a scenario gets.  A control's accepted range is read from the
scenario schema (:mod:`sim.scenario.schema`), so the page refuses exactly what a scenario file may
not contain; the slider range is only the page's default view.
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
from sim.scenario.overrides import value_at

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
    values: tuple[Any, ...] = ()  # what each choice stands for (empty: the choice's text)
    meaning: str = ""  # said before a refusal of an out-of-range value
    default: Any = None  # the value when the scenario leaves the field out

    @property
    def key(self) -> str:
        """A name safe for HTML ids and CSS classes (the path with dots as dashes)."""
        return self.path.replace(".", "-")

    def choice_of(self, value: Any) -> str:
        """The choice a field value is shown as (a choice control's menu entry)."""
        if self.values:
            for choice, meant in zip(self.choices, self.values, strict=True):
                if meant == value:
                    return choice
        return str(value)


UNIT = Bounds(0.0, 1.0)


def number_control(
    data: Mapping[str, Any],
    path: str,
    label: str,
    group: str,
    model: type[BaseModel],
    name: str,
    slider: tuple[float, float, float],
) -> Control:
    """A slider and box for the number at ``path``, bounded as ``model.name`` is in the schema.

    The slider's default range ``slider`` is widened to hold the scenario's value.
    """
    integer = model.model_fields[name].annotation is int
    bounds = field_bounds(model, name)
    shown = widened(slider, value_at(data, path))
    return Control(path, label, group, bounds=bounds, slider=shown, integer=integer)


def widened(slider: tuple[float, float, float], value: Any) -> tuple[float, float, float]:
    """A slider range ``(low, high, step)`` stretched to include ``value`` (if a number)."""
    low, high, step = slider
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = min(low, float(value)), max(high, float(value))
    return low, high, step


def literal_choices(model: type[BaseModel], name: str) -> tuple[str, ...]:
    """The values a ``Literal`` field of ``model`` allows, as text."""
    annotation = model.model_fields[name].annotation
    return tuple(str(arg) for arg in getattr(annotation, "__args__", ()))


def check_typed(control: Control, text: str) -> Any:
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
            return control.values[control.choices.index(typed)] if control.values else typed
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
            raise ValueRefused(f"{_number(value)} is not a whole number")
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
    problem = UNIT.problem(value)
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
