"""The page's settings: the scenario it started from plus the fields the user changed.

:class:`Settings` is immutable: every accepted change returns a new one whose scenario has been
validated as a whole (the same checks as a scenario file); a change that would make the scenario
invalid raises :class:`~sim.app.controls.ValueRefused` and leaves the settings as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from sim.app.catalogue import controls_for
from sim.app.controls import Control, ValueRefused, check_typed, rebalanced_salience
from sim.errors import InputError
from sim.scenario import discovery
from sim.scenario.loader import load_resolved
from sim.scenario.overrides import apply_to_scenario, value_at
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Settings:
    """A scenario (by the name or path it was loaded from) and the changes made to it."""

    source: str
    base: Scenario
    changes: Mapping[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", MappingProxyType(dict(self.changes)))
        if self.scenario is None:
            object.__setattr__(self, "scenario", _applied(self.base, self.changes))

    @classmethod
    def load(cls, source: str) -> Settings:
        """The unchanged settings of scenario ``source`` (a library name or a file path).

        Raises :class:`~sim.errors.ScenarioError` if it cannot be loaded.
        """
        return cls(source=source, base=load_resolved(source).scenario)

    @property
    def current(self) -> Scenario:
        """The scenario the settings describe (the base with every change applied)."""
        assert self.scenario is not None
        return self.scenario

    @cached_property
    def controls(self) -> list[Control]:
        """The page's controls for this scenario."""
        return controls_for(self.base)

    @cached_property
    def _by_path(self) -> dict[str, Control]:
        return {control.path: control for control in self.controls}

    @cached_property
    def _data(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.base.model_dump(), self.current.model_dump()

    def control(self, path: str) -> Control:
        """The control of field ``path``; raises KeyError if the page has none."""
        return self._by_path[path]

    def value(self, path: str) -> Any:
        """The current value of field ``path`` (its control's default if the scenario has none)."""
        return self._or_default(path, value_at(self._data[1], path))

    def base_value(self, path: str) -> Any:
        """The value of field ``path`` in the scenario the page started from."""
        return self._or_default(path, value_at(self._data[0], path))

    def _or_default(self, path: str, value: Any) -> Any:
        control = self._by_path.get(path)
        return control.default if value is None and control is not None else value

    def with_typed(self, path: str, text: str) -> Settings:
        """The settings after ``text`` was typed into the control of ``path``.

        Raises :class:`ValueRefused` (with the message to show) if the value cannot be used.
        """
        return self.with_value(path, check_typed(self.control(path), text))

    def with_value(self, path: str, value: Any) -> Settings:
        """The settings with field ``path`` set to ``value`` (a salience rebalances its table).

        Raises :class:`ValueRefused` if the resulting scenario would not be valid.
        """
        updates = self._updates(path, value)
        changes = dict(self.changes)
        for update_path, update_value in updates.items():
            if _same(update_value, self.base_value(update_path)):
                changes.pop(update_path, None)
            else:
                changes[update_path] = update_value
        try:
            scenario = _applied(self.base, changes)
        except InputError as error:
            raise ValueRefused(
                "; ".join(_problem_text(p.field, p.message, p.hint) for p in error.problems)
            ) from None
        return Settings(self.source, self.base, changes, scenario)

    def reset(self) -> Settings:
        """The settings with every change undone."""
        return Settings(self.source, self.base)

    def _updates(self, path: str, value: Any) -> dict[str, Any]:
        parts = path.split(".")
        if len(parts) == 4 and parts[0] == "actors" and parts[2] == "salience":
            table = self.current.actors[parts[1]].salience
            balanced = rebalanced_salience(table, parts[3], float(value))
            prefix = ".".join(parts[:3])
            return {f"{prefix}.{issue}": weight for issue, weight in balanced.items()}
        updates = {path: value}
        protocol = self.current.protocol
        if path == "protocol.kind" and value == "alternating" and not protocol.order:
            updates["protocol.order"] = list(self.current.actors)
        if path == "protocol.kind" and value != "mediated" and protocol.mediator is not None:
            updates["protocol.mediator"] = None  # only the mediated protocol has a mediator
        return updates


def _applied(base: Scenario, changes: Mapping[str, Any]) -> Scenario:
    return apply_to_scenario(base, dict(changes)) if changes else base


def _same(value: Any, base: Any) -> bool:
    if isinstance(value, float) and isinstance(base, int | float) and not isinstance(base, bool):
        return abs(value - float(base)) <= 1e-12
    return bool(value == base)


def _problem_text(field_path: str, message: str, hint: str | None) -> str:
    text = f"{field_path}: {message}" if field_path else message
    return f"{text} ({hint})" if hint else text


def changed_fields(settings: Settings) -> list[tuple[str, Any, Any]]:
    """``(path, value it started with, current value)`` for every changed field, in path order."""
    return [
        (path, settings.base_value(path), value) for path, value in sorted(settings.changes.items())
    ]


def library_names() -> list[str]:
    """Every scenario of the library by the name commands accept (``textbook/rubinstein``)."""
    return discovery.library_names("scenarios")
