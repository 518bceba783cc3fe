"""Scenario inheritance (``extends``): merge rules, chains, errors and per-value provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import Problem, ScenarioError, display_path
from sim.scenario.inheritance import merge_layers
from sim.scenario.loader import load_resolved, load_scenario
from sim.scenario.yaml_source import Origin

DATA = Path(__file__).parent / "data"
INHERIT = DATA / "inherit"
BASE = display_path(INHERIT / "base.yaml")
CHILD = display_path(INHERIT / "child.yaml")


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def test_merge_layers_rules() -> None:
    base = {"a": {"x": 1, "y": [1, 2], "z": {"deep": 1, "keep": 2}}, "b": 1, "c": {"gone": 1}}
    child = {"a": {"y": [3], "z": {"deep": 5}}, "c": {"gone": None}, "b": None, "d": "new"}
    base_origins = {("a", "y", 0): Origin("base", 3), ("a", "x"): Origin("base", 2)}
    child_origins = {("a", "y"): Origin("child", 4), ("d",): Origin("child", 9)}
    merged, origins = merge_layers(base, base_origins, child, child_origins)
    assert merged == {"a": {"x": 1, "y": [3], "z": {"deep": 5, "keep": 2}}, "c": {}, "d": "new"}
    assert base["a"]["z"] == {"deep": 1, "keep": 2}  # the inputs are not modified
    assert origins[("a", "x")] == Origin("base", 2)
    assert origins[("a", "y")] == Origin("child", 4)
    assert ("a", "y", 0) not in origins  # the replaced list's items came from the base
    assert origins[("d",)] == Origin("child", 9)


def test_child_changes_only_what_it_gives() -> None:
    base = load_scenario(INHERIT / "base.yaml")
    child = load_scenario(INHERIT / "child.yaml")
    assert child.name == "child"
    assert child.extends == "base"
    assert child.description == base.description  # inherited
    russia = child.actors["russia"]
    assert russia.capability == 0.8  # changed
    assert russia.position == base.actors["russia"].position  # inherited
    assert russia.salience == {"territory": 0.9, "sanctions": 0.1}  # nested mapping merged
    assert child.actors["us"] == base.actors["us"]
    assert child.protocol.order == ["us", "russia"]  # lists replace
    assert child.protocol.kind == "alternating"
    assert list(child.dynamics) == ["territory"]  # null removed the inherited entry
    # evidence maps merge like other mappings
    assert russia.evidence == {
        "capability": "Small but significant advances.",
        "salience": "Territory first.",
        "position": "Wants everything.",
    }


def test_chain_of_three_and_problems_point_to_the_right_file() -> None:
    problems = problems_of(INHERIT / "grandchild.yaml")
    problem = problems[0]
    assert len(problems) == 1
    assert problem.file == display_path(INHERIT / "grandchild.yaml")
    assert (problem.line, problem.field) == (7, "actors.us.capability")


def test_extends_a_relative_path() -> None:
    resolved = load_resolved(INHERIT / "strict-child.yaml")
    assert [path.name for path in resolved.files] == ["two-party.yaml", "strict-child.yaml"]
    assert resolved.scenario.issues["sanctions"].evidence == {
        "status_quo": "Sanctions are in force."
    }
    assert resolved.scenario.issues["sanctions"].low == "sanctions stay"


def test_chain_resolves_through_three_files() -> None:
    # the real chain, with the bad number fixed via --set, resolves three files
    resolved = load_resolved(INHERIT / "grandchild.yaml", ["actors.us.capability=1.5"])
    assert [path.name for path in resolved.files] == ["base.yaml", "child.yaml", "grandchild.yaml"]
    assert resolved.scenario.actors["us"].veto is True
    assert resolved.scenario.actors["russia"].capability == 0.8
    assert resolved.scenario.description == "Third link of the chain."
    assert resolved.scenario.extends == "child.yaml"


def test_provenance_names_the_file_and_line_of_each_value() -> None:
    resolved = load_resolved(INHERIT / "child.yaml", ["actors.us.war_cost=0.2"])
    provenance = resolved.provenance
    assert provenance["actors.russia.capability"] == Origin(CHILD, 5)
    assert provenance["actors.russia.position.territory"] == Origin(BASE, 10)
    assert provenance["actors.russia.salience.territory"] == Origin(CHILD, 6)
    assert provenance["actors.russia.salience.sanctions"] == Origin(CHILD, 6)
    assert provenance["protocol.order[0]"] == Origin(CHILD, 10)
    assert provenance["protocol.kind"] == Origin(BASE, 22)
    assert provenance["actors.us.war_cost"] == Origin("--set", None)
    assert "dynamics.sanctions" not in provenance
    assert resolved.origin(("actors", "us", "discount")) is None  # a default


def test_problem_in_a_merged_mapping_points_to_the_child() -> None:
    problems = problems_of(INHERIT / "merged-sum.yaml")
    assert [(p.file, p.line, p.field, p.message) for p in problems] == [
        (
            display_path(INHERIT / "merged-sum.yaml"),
            5,
            "actors.russia.salience",
            "saliences sum to 1.2, not 1",
        )
    ]


def test_problems_in_inherited_values_point_to_the_base() -> None:
    problems = problems_of(INHERIT / "remove-issue.yaml")
    found = {(p.file, p.line, p.field) for p in problems}
    assert found == {
        (BASE, 10, "actors.russia.position.sanctions"),
        (BASE, 11, "actors.russia.salience.sanctions"),
        (BASE, 19, "actors.us.position.sanctions"),
        (BASE, 20, "actors.us.salience.sanctions"),
        (BASE, 26, "dynamics.sanctions"),
    }


def test_cycle_is_reported_at_the_extends_line() -> None:
    problem = problems_of(INHERIT / "cycle-a.yaml")[0]
    assert problem.file == display_path(INHERIT / "cycle-b.yaml")
    assert (problem.line, problem.field) == (3, "extends")
    a, b = display_path(INHERIT / "cycle-a.yaml"), display_path(INHERIT / "cycle-b.yaml")
    assert problem.message == f"'extends' cycle: {a} -> {b} -> {a}"


def test_missing_base_is_reported_at_the_extends_line() -> None:
    problem = problems_of(INHERIT / "missing-base.yaml")[0]
    assert problem.file == display_path(INHERIT / "missing-base.yaml")
    assert (problem.line, problem.field) == (3, "extends")
    assert "base scenario 'no-such-base' not found" in problem.message


def test_a_child_needs_its_own_name() -> None:
    problem = problems_of(INHERIT / "no-name.yaml")[0]
    assert (problem.line, problem.field) == (1, "name")


def test_extends_by_scenario_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "scenarios" / "textbook"
    folder.mkdir(parents=True)
    (folder / "base.yaml").write_text((INHERIT / "base.yaml").read_text(encoding="utf-8"))
    variants = tmp_path / "elsewhere"
    variants.mkdir()
    (variants / "variant.yaml").write_text("name: variant\nextends: base\nseed: 11\n")
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(variants / "variant.yaml")
    assert (scenario.seed, scenario.extends) == (11, "base")
    assert scenario.actors["russia"].capability == 0.6


@pytest.mark.parametrize(
    ("path", "default"),
    [
        ("actors.russia.private.field", "war_cost"),
        ("actors.russia.private.truth", None),
    ],
)
def test_a_null_set_from_the_command_line_gives_the_fields_default(
    path: str, default: object
) -> None:
    """As in a file, ``--set PATH=null`` removes the value: the field's default, not an error
    (the hostile-input generators once expected a refusal here)."""
    from sim.scenario.discovery import find_scenario
    from sim.scenario.overrides import apply_to_scenario

    found, _ = find_scenario("alaska-summit")
    assert found is not None
    scenario = load_scenario(found)
    changed = apply_to_scenario(scenario, [f"{path}=null"])
    private = changed.actors["russia"].private
    assert private is not None
    assert getattr(private, path.rsplit(".", 1)[1]) == default
