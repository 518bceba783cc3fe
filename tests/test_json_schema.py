"""`parley schema`: JSON Schemas with a description for every field that accept every shipped
file (a variant's partial file too) and reject a misspelt key, as an editor would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from sim.cli import main
from sim.scenario.json_schema import missing_descriptions

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))


def _schema(kind: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["schema", kind])
    assert result.exit_code == 0, result.output
    schema: dict[str, Any] = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _errors(schema: dict[str, Any], data: Any) -> list[str]:
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]


@pytest.mark.parametrize("kind", ["scenario", "variant", "experiment"])
def test_every_field_has_a_description(kind: str) -> None:
    assert missing_descriptions(_schema(kind)) == []


def test_every_shipped_file_is_valid_under_its_schema() -> None:
    scenario, variant, experiment = (_schema(k) for k in ("scenario", "variant", "experiment"))
    assert SCENARIOS and EXPERIMENTS
    for path in SCENARIOS:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        assert _errors(variant if "extends" in data else scenario, data) == [], path
    for path in EXPERIMENTS:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        assert _errors(experiment, data) == [], path


def test_a_misspelt_key_and_a_partial_scenario_are_flagged() -> None:
    scenario, variant = _schema("scenario"), _schema("variant")
    base = YAML(typ="safe").load((ROOT / "scenarios" / "alaska-summit.yaml").read_text())
    base["actors"]["russia"]["war_cots"] = 0.1
    assert any("war_cots" in message for message in _errors(scenario, base))
    partial = {"extends": "alaska-summit", "actors": {"russia": {"war_cost": 0.2}}}
    assert _errors(variant, partial) == []
    assert _errors(scenario, partial) != []  # a whole scenario needs its issues and actors
    assert _errors(variant, {"actors": {"russia": {"war_cost": 0.2}}}) != []  # no extends
    assert _errors(variant, {"extends": "a", "actors": {"russia": {"war_cost": 2.0}}}) != []
