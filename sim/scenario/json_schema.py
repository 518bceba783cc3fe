"""JSON Schemas of the scenario file (whole, and as a variant with ``extends``) for editors."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from sim.scenario.field_help import FIELD_HELP
from sim.scenario.schema import Scenario

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def described_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    """``model``'s JSON Schema with a description on every field (its own, else
    :data:`~sim.scenario.field_help.FIELD_HELP`'s) and on the whole file."""
    schema = model.model_json_schema()
    definitions = {model.__name__: schema, **schema.get("$defs", {})}
    for name, definition in definitions.items():
        for field, entry in definition.get("properties", {}).items():
            if "description" not in entry and f"{name}.{field}" in FIELD_HELP:
                entry["description"] = FIELD_HELP[f"{name}.{field}"]
    return {"$schema": SCHEMA_DIALECT, "title": title, **schema}


def missing_descriptions(schema: dict[str, Any]) -> list[str]:
    """``<definition>.<field>`` for every field of ``schema`` without a description."""
    definitions = {"(top)": schema, **schema.get("$defs", {})}
    return [
        f"{name}.{field}"
        for name, definition in definitions.items()
        for field, entry in definition.get("properties", {}).items()
        if "description" not in entry
    ]


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a whole scenario file."""
    return described_schema(Scenario, "Parley scenario")


def variant_schema() -> dict[str, Any]:
    """The JSON Schema of a variant: a partial scenario that ``extends`` a base and gives only
    what changes (no field required but ``extends``, and no table need be complete)."""
    schema = copy.deepcopy(scenario_schema())
    _drop_lower_bounds(schema)
    schema["required"] = ["extends"]
    schema["title"] = "Parley scenario variant"
    return schema


def _drop_lower_bounds(node: Any) -> None:
    """Remove ``required`` and ``minProperties`` at every depth: a variant gives a part."""
    if isinstance(node, dict):
        node.pop("required", None)
        node.pop("minProperties", None)
        for child in node.values():
            _drop_lower_bounds(child)
    elif isinstance(node, list):
        for child in node:
            _drop_lower_bounds(child)
