"""Scenario inheritance (``extends``): read the chain of files and merge it key by key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError, Loc, Problem, ScenarioError, display_path, dotted
from sim.scenario.discovery import find_scenario, outside_search_path, scenario_hint
from sim.scenario.messages import wrong_kind_problem
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Locator, Origin, read_yaml

# --------------------------------------------------------------------------------------------
# Inheritance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario with the chain of files it came from and where each value was set."""

    scenario: Scenario
    locator: Locator
    files: tuple[Path, ...]
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def provenance(self) -> dict[str, Origin]:
        """Dotted field path -> the file and line that set it (``--set`` for overrides)."""
        return {dotted(loc): origin for loc, origin in self.locator.origins.items() if loc}

    def origin(self, loc: Sequence[str | int]) -> Origin | None:
        """Where the value at ``loc`` was set; None if it was left at its default."""
        return self.locator.origins.get(tuple(loc))


def merge_layers(
    base: Mapping[str, Any],
    base_origins: Mapping[Loc, Origin],
    child: Mapping[str, Any],
    child_origins: Mapping[Loc, Origin],
) -> tuple[dict[str, Any], dict[Loc, Origin]]:
    """Merge a child scenario's data over its base's, with the origins of every value.

    Mappings merge recursively; anything else (numbers, text, lists) in the child replaces the
    base's value; a child ``null`` removes the key (the field falls back to its default, or the
    entry is dropped from its table).
    """
    origins = dict(base_origins)
    merged = _merge(base, child, (), origins, child_origins)
    if () in child_origins:
        origins[()] = child_origins[()]
    return merged, origins


def _merge(
    base: Mapping[str, Any],
    child: Mapping[str, Any],
    loc: Loc,
    origins: dict[Loc, Origin],
    child_origins: Mapping[Loc, Origin],
) -> dict[str, Any]:
    result = dict(base)
    for key, value in child.items():
        here = (*loc, key)
        previous = result.get(key)
        if value is None:
            result.pop(key, None)
            _drop_subtree(origins, here)
        elif isinstance(previous, Mapping) and isinstance(value, Mapping):
            result[key] = _merge(previous, value, here, origins, child_origins)
            if here in child_origins:
                origins[here] = child_origins[here]
        else:
            result[key] = value
            _drop_subtree(origins, here)
            origins.update(
                (path, origin)
                for path, origin in child_origins.items()
                if path[: len(here)] == here
            )
    return result


def _drop_subtree(origins: dict[Loc, Origin], loc: Loc) -> None:
    for path in [path for path in origins if path[: len(loc)] == loc]:
        del origins[path]


def read_scenario_layers(path: Path) -> tuple[dict[str, Any], Locator, tuple[Path, ...]]:
    """Read a scenario file and, through ``extends``, its bases; return the merged data.

    The locator of the result knows, for every key, which file of the chain set it.
    """
    data, origins, files = _read_layers(path, ())
    return data, Locator(display_path(path), origins), files


def _read_layers(
    path: Path, chain: tuple[Path, ...]
) -> tuple[dict[str, Any], dict[Loc, Origin], tuple[Path, ...]]:
    data, locator = read_yaml(path)
    wrong_kind = wrong_kind_problem(data, locator, "scenario")
    if wrong_kind is not None:
        raise ScenarioError([wrong_kind])
    base_name = data.get("extends")
    if base_name is None:
        return data, dict(locator.origins), (path,)
    here = locator.origin(("extends",))
    if not isinstance(base_name, str) or not base_name.strip():
        raise ScenarioError(
            [locator.problem(("extends",), "must be a scenario name or a path to a scenario file")]
        )
    problems: list[Problem] = []
    if "name" not in data:
        problems.append(
            Problem(
                here.file, here.line, "name", "a scenario that extends another needs its own name"
            )
        )
    base_path, looked = find_scenario(base_name, path.parent)
    if base_path is None:
        problems.append(
            Problem(
                here.file,
                here.line,
                "extends",
                f"base scenario '{base_name}' not found (looked in {', '.join(looked)})",
                scenario_hint(base_name, [path.parent]),
            )
        )
        raise ScenarioError(problems)
    refused = outside_search_path(base_path, [(chain[0] if chain else path).parent])
    if refused is not None:
        problems.append(
            Problem(here.file, here.line, "extends", f"base scenario '{base_name}' {refused}")
        )
        raise ScenarioError(problems)
    resolved_chain = (*chain, path)
    if any(base_path.resolve() == link.resolve() for link in resolved_chain):
        start = next(
            i for i, link in enumerate(resolved_chain) if link.resolve() == base_path.resolve()
        )
        cycle = " -> ".join(display_path(link) for link in (*resolved_chain[start:], base_path))
        problems.append(Problem(here.file, here.line, "extends", f"'extends' cycle: {cycle}"))
        raise ScenarioError(problems)
    try:
        base_data, base_origins, base_files = _read_layers(base_path, resolved_chain)
    except InputError as error:
        raise ScenarioError([*problems, *error.problems]) from None
    if problems:
        raise ScenarioError(problems)
    merged, origins = merge_layers(base_data, base_origins, data, locator.origins)
    return merged, origins, (*base_files, path)
