"""Dotted field paths with wildcards: matching them and expanding them against a scenario."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.experiment.spec import WILDCARD
from sim.scenario.schema import Scenario

CellProblem = tuple[tuple[str | int, ...], str, str | None]
"""A problem with an experiment's cells: (location in the experiment file, message, hint)."""


def match_pattern(pattern: str, paths: Sequence[str]) -> list[str]:
    """The paths matched by ``pattern``; ``*`` matches exactly one dotted segment."""
    parts = pattern.split(".")
    found = []
    for path in paths:
        segments = path.split(".")
        if len(segments) == len(parts) and all(
            p in (WILDCARD, s) for p, s in zip(parts, segments, strict=True)
        ):
            found.append(path)
    return found


def field_exists(scenario: Scenario, path: str) -> bool:
    """Whether ``path`` names a key of the scenario."""
    node: Any = scenario.model_dump()
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def expand_factor_path(pattern: str, scenario: Scenario) -> list[str]:
    """A factor path with wildcards expanded against the scenario's keys (itself if none)."""
    if WILDCARD not in pattern.split("."):
        return [pattern]
    expanded = [""]
    data: Any = scenario.model_dump()
    nodes: list[Any] = [data]
    for part in pattern.split("."):
        next_paths, next_nodes = [], []
        for prefix, node in zip(expanded, nodes, strict=True):
            keys = list(node) if (part == WILDCARD and isinstance(node, dict)) else [part]
            for key in keys:
                child = node.get(key) if isinstance(node, dict) else None
                next_paths.append(f"{prefix}.{key}" if prefix else key)
                next_nodes.append(child)
        expanded, nodes = next_paths, next_nodes
    return expanded
