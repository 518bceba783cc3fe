"""``--set PATH=VALUE`` overrides: change any field of a scenario without editing its file.

``PATH`` is a dotted field path (``actors.russia.salience.territory``; list items as
``protocol.order[0]`` or ``protocol.order.0``); ``VALUE`` is read as a YAML scalar or flow
collection, so ``0.5``, ``false``, ``[russia, ukraine]`` and ``{russia: 0.6, us: 0.4}`` all work,
and ``null`` removes the field (it falls back to its default, as in a child scenario).  An
override may fill in a field the file leaves at its default, or add an entry named after an
existing issue or actor (``dynamics.territory.drift``); it cannot invent new actors or issues.
The overridden scenario is validated again as a whole.  Sweeps pass a ``{path: value}`` mapping
to the same functions.  See ``docs/inheritance.md``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.errors import (
    InputError,
    Loc,
    OverrideError,
    Problem,
    ScenarioError,
    did_you_mean,
    dotted,
    parse_dotted,
)
from sim.scenario.evidence import scenario_key_names
from sim.scenario.limits import MAX_SET_CHARS, number_problems, yaml_text_problems
from sim.scenario.messages import model_arm, type_at
from sim.scenario.schema import Scenario
from sim.scenario.validation import validate_scenario_data
from sim.scenario.yaml_source import Locator

SOURCE = "--set"

KeyNames = Callable[[Mapping[str, Any], Loc], Iterable[str]]

_KINDS: dict[Loc, str] = {
    ("actors",): "actor",
    ("issues",): "issue",
    ("dynamics",): "issue",
    ("protocol", "recognition"): "actor",
}


@dataclass(frozen=True)
class Assignment:
    """One override: the field location and its new value (None removes the field)."""

    path: Loc
    value: Any

    def __str__(self) -> str:
        return f"{dotted(self.path)}={self.value!r}"


def value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at dotted field ``path`` of plain scenario data (None if absent)."""
    node: Any = data
    for part in parse_dotted(path):
        found = isinstance(node, Mapping) and part in node
        indexed = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (found or indexed):
            return None
        node = node[part]
    return node


def parse_value(text: str) -> Any:
    """A ``--set`` value: a YAML scalar or flow collection; unparseable text stays text."""
    try:
        value = YAML(typ="safe", pure=True).load(text)
    except (YAMLError, ValueError, OverflowError, RecursionError):
        return text
    return value if _is_plain(value) else text


def _is_plain(value: object) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def parse_assignment(text: str) -> Assignment:
    """``"actors.russia.salience.territory=0.5"`` -> ``Assignment(("actors", ...), 0.5)``."""
    path_text, sep, value_text = text.partition("=")
    path_text = path_text.strip()
    if not sep or not path_text:
        raise OverrideError(
            [Problem(SOURCE, None, "", f"'{text}' is not PATH=VALUE (e.g. actors.us.veto=false)")]
        )
    path = parse_dotted(path_text)
    if (
        not path
        or any(part == "" for part in path)
        or path_text.startswith(".")
        or ".." in path_text
    ):
        raise OverrideError([Problem(SOURCE, None, path_text, "not a dotted field path")])
    field = dotted(path)
    if len(text) > MAX_SET_CHARS:
        message = f"longer than {MAX_SET_CHARS:,} characters; put large values in a file"
        raise OverrideError([Problem(SOURCE, None, field, message)])
    limits = yaml_text_problems(value_text.strip(), SOURCE)
    if limits:
        raise OverrideError([Problem(SOURCE, None, field, p.message) for p in limits])
    value = parse_value(value_text.strip())
    numbers = [
        Problem(SOURCE, None, dotted((*path, *loc)), message)
        for loc, message in number_problems(value)
    ]
    if numbers:
        raise OverrideError(numbers)
    return Assignment(path, value)


def to_assignments(
    assignments: Sequence[str] | Sequence[Assignment] | Mapping[str, Any],
) -> tuple[list[Assignment], list[Problem]]:
    """Normalise ``PATH=VALUE`` strings, Assignments or a ``{path: value}`` mapping."""
    if isinstance(assignments, Mapping):
        return [Assignment(parse_dotted(k), _python_value(v)) for k, v in assignments.items()], []
    parsed: list[Assignment] = []
    problems: list[Problem] = []
    for item in assignments:
        if isinstance(item, Assignment):
            parsed.append(item)
            continue
        try:
            parsed.append(parse_assignment(item))
        except InputError as error:
            problems.extend(error.problems)
    return parsed, problems


def _python_value(value: Any) -> Any:
    """numpy scalars and arrays (from sweep factors) as plain Python values."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value


def apply_overrides_collecting(
    raw: Mapping[str, Any],
    assignments: Sequence[str] | Sequence[Assignment] | Mapping[str, Any],
    *,
    model: type[BaseModel] = Scenario,
    key_names: KeyNames = scenario_key_names,
) -> tuple[dict[str, Any], list[Loc], list[Problem]]:
    """Like :func:`apply_overrides`, but returns ``(new, changed paths, problems)``."""
    result: dict[str, Any] = copy.deepcopy(dict(raw))
    parsed, problems = to_assignments(assignments)
    changed: list[Loc] = []
    for assignment in parsed:
        problem = _assign(result, assignment, model, key_names)
        if problem is None:
            changed.append(assignment.path)
        else:
            problems.append(problem)
    return result, changed, problems


def apply_overrides(
    raw: Mapping[str, Any],
    assignments: Sequence[str] | Sequence[Assignment] | Mapping[str, Any],
    *,
    model: type[BaseModel] = Scenario,
    key_names: KeyNames = scenario_key_names,
) -> dict[str, Any]:
    """A deep copy of ``raw`` with the assignments applied in order (later ones win).

    ``assignments`` are ``PATH=VALUE`` strings or a ``{path: value}`` mapping.  A path must
    lead through existing keys, or name a field of ``model`` at that place, or an entry
    ``key_names`` allows (issue/actor names for a scenario).  Raises :class:`OverrideError` with a
    "did you mean" hint for unknown paths.  The result is not validated: see
    :func:`apply_to_scenario` or :func:`sim.scenario.loader.load_scenario`.
    """
    result, _, problems = apply_overrides_collecting(
        raw, assignments, model=model, key_names=key_names
    )
    if problems:
        raise OverrideError(problems)
    return result


def apply_to_scenario(
    scenario: Scenario, assignments: Sequence[str] | Sequence[Assignment] | Mapping[str, Any]
) -> Scenario:
    """A new, validated Scenario with the assignments applied (e.g. one cell of a sweep).

    Raises :class:`~sim.errors.ScenarioError` if a path is unknown or the result is invalid.
    """
    raw, changed, problems = apply_overrides_collecting(scenario.model_dump(), assignments)
    locator = Locator(SOURCE)
    result, found = validate_scenario_data(raw, locator)
    if problems or found or result is None:
        raise ScenarioError([*problems, *found])
    return result


def _assign(
    root: dict[str, Any], assignment: Assignment, model: type[BaseModel], key_names: KeyNames
) -> Problem | None:
    path = assignment.path
    field = dotted(path)
    if model is Scenario and path[:1] == ("extends",):
        message = (
            "the base scenario is read before overrides apply, so changing it here would change "
            "nothing; write a child scenario that extends the base you want"
        )
        return Problem(SOURCE, None, field, message)
    node: Any = root
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, dict):
            if part not in node:
                allowed, kind = _creatable(root, path[:index], model, key_names)
                if allowed is not None and part not in allowed:
                    options = [*map(str, node), *allowed]
                    where = f" in {dotted(path[:index])}" if index else ""
                    message = f"unknown {kind} '{part}'{where}"
                    return Problem(SOURCE, None, field, message, did_you_mean(part, options))
                if not last:
                    if assignment.value is None:
                        return None  # removing something that is not there
                    node[part] = [] if isinstance(path[index + 1], int) else {}
            if last:
                if assignment.value is None:
                    node.pop(part, None)
                else:
                    node[part] = copy.deepcopy(assignment.value)
                return None
        elif isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                size = f"{len(node)} item" + ("" if len(node) == 1 else "s")
                return Problem(
                    SOURCE,
                    None,
                    field,
                    f"{dotted(path[:index])} is a list of {size}; no item '{part}'",
                )
            if last:
                node[part] = copy.deepcopy(assignment.value)
                return None
        else:
            shown = "null" if node is None else repr(node)
            return Problem(
                SOURCE,
                None,
                field,
                f"{dotted(path[:index])} is {shown}, not a mapping; set it as a whole "
                f"(e.g. {dotted(path[:index])}={{...}})",
            )
        node = node[part]
    return None


def _creatable(
    root: Mapping[str, Any], loc: Loc, model: type[BaseModel], key_names: KeyNames
) -> tuple[list[str] | None, str]:
    """Keys that may be added at ``loc`` (None: any key) and what such a key is called."""
    kind = _KINDS.get(loc, "field")
    if loc and loc[-1] == "evidence":
        return None, "field"
    sub_model = model_arm(type_at(model, loc))
    if sub_model is not None:
        return list(sub_model.model_fields), "field"
    if len(loc) == 3 and loc[0] == "actors" and loc[2] in ("position", "salience"):
        kind = "issue"
    if loc in (("actors",), ("issues",)):
        return [], kind  # new actors and issues need a whole entry: write a child scenario
    return list(key_names(root, loc)), kind
