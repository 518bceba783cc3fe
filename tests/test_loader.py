"""Scenario loading: every kind of problem is reported with file, line, field and a hint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import (
    InputError,
    OverrideError,
    Problem,
    ScenarioError,
    did_you_mean,
    display_path,
    dotted,
    parse_dotted,
)
from sim.scenario.discovery import resolve_scenario_path
from sim.scenario.loader import load_scenario
from sim.scenario.messages import problems_from_validation_error
from sim.scenario.overrides import (
    apply_overrides,
    apply_to_scenario,
    parse_assignment,
    parse_value,
)
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import read_yaml

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"


def problems_of(path: Path, overrides: tuple[str, ...] = ()) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [p.format() for p in problems]
    return problems[0]


# --- good files ------------------------------------------------------------------------------


def test_good_file_loads_into_a_frozen_scenario() -> None:
    scenario = load_scenario(GOOD / "two-party.yaml")
    assert isinstance(scenario, Scenario)
    assert scenario.name == "two-party"
    assert scenario.actor_names == ["russia", "ukraine"]
    assert scenario.actors["ukraine"].strategy.beta == 0.5
    assert scenario.protocol.order == ["russia", "ukraine"]
    assert scenario.seed == 7
    assert scenario.actors["russia"].evidence["position"].startswith("Wants to keep")


def test_read_yaml_gives_plain_data_and_key_lines() -> None:
    data, locator = read_yaml(GOOD / "two-party.yaml")
    assert type(data["actors"]) is dict
    assert type(data["protocol"]["order"]) is list
    assert type(data["actors"]["russia"]["capability"]) is float
    assert locator.line(("actors", "russia", "capability")) == 20
    assert locator.line(("protocol", "order", 1)) == 44
    # a missing key is located at its nearest existing parent
    assert locator.line(("actors", "russia", "discount")) == 18


# --- one fixture per kind of problem -----------------------------------------------------------


def test_unknown_key_gets_line_and_did_you_mean() -> None:
    problem = only(problems_of(BAD / "unknown-key.yaml"))
    assert (problem.line, problem.field) == (12, "actors.russia.salince")
    assert problem.hint == "did you mean 'salience'?"
    assert problem.format().endswith(
        "unknown-key.yaml:12: actors.russia.salince: unknown field; did you mean 'salience'?"
    )


def test_out_of_range_number() -> None:
    problem = only(problems_of(BAD / "out-of-range.yaml"))
    assert (problem.line, problem.field) == (6, "issues.territory.status_quo")
    assert problem.message == "must be at most 1, not 1.5"


def test_saliences_must_sum_to_one() -> None:
    problem = only(problems_of(BAD / "salience-sum.yaml"))
    assert (problem.line, problem.field) == (15, "actors.us.salience")
    assert problem.message == "saliences sum to 0.9, not 1"


def test_unknown_issue_in_position_with_hint() -> None:
    problem = only(problems_of(BAD / "unknown-issue.yaml"))
    assert (problem.line, problem.field) == (10, "actors.russia.position.teritory")
    assert problem.message == "unknown issue 'teritory'"
    assert problem.hint == "did you mean 'territory'?"


def test_missing_issue_in_position() -> None:
    problem = only(problems_of(BAD / "missing-issue.yaml"))
    assert (problem.line, problem.field) == (14, "actors.us.position")
    assert problem.message == "missing issue 'territory'"


def test_unknown_actors_in_order_and_recognition() -> None:
    problems = problems_of(BAD / "unknown-actor.yaml")
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"protocol.order[1]", "protocol.recognition.rusia"}
    assert by_field["protocol.order[1]"].line == 20
    assert by_field["protocol.order[1]"].hint == "did you mean 'us'?"
    assert by_field["protocol.recognition.rusia"].line == 21
    assert by_field["protocol.recognition.rusia"].hint == "did you mean 'russia'?"


def test_duplicate_key_is_a_problem_with_both_lines() -> None:
    problem = only(problems_of(BAD / "duplicate-key.yaml"))
    assert (problem.line, problem.field) == (11, "actors.russia.capability")
    assert problem.message == "duplicate key (first set on line 10)"


def test_yaml_syntax_error_has_a_line() -> None:
    problem = only(problems_of(BAD / "syntax-error.yaml"))
    assert problem.line is not None and 10 <= problem.line <= 12
    assert problem.message.startswith("YAML syntax error")
    assert "flow mapping" in problem.message


def test_wrong_types() -> None:
    problems = problems_of(BAD / "wrong-type.yaml")
    by_field = {p.field: p for p in problems}
    assert by_field["actors.russia.capability"].line == 10
    assert by_field["actors.russia.capability"].message == (
        "expected a number, got the text 'high'"
    )
    assert by_field["actors.russia.veto"].line == 11
    assert by_field["actors.russia.veto"].message == "expected true or false, got a list"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.yaml", "the file is empty; expected a mapping of fields"),
        ("not-a-mapping.yaml", "expected a mapping of fields at the top level, got a list"),
        ("no-such-file.yaml", "no such file"),
    ],
)
def test_unusable_files(name: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_yaml(BAD / name)
    assert only(caught.value.problems).message == message


def test_several_problems_reported_at_once_in_line_order() -> None:
    problems = problems_of(BAD / "many.yaml")
    found = [(p.line, p.field) for p in problems]
    assert found == [
        (1, "name"),
        (6, "issues.territory.status_quo"),
        (7, "issues.territory.colour"),
        (8, "issues.sanctions.low"),
        (14, "actors.russia.capability"),
        (15, "actors.russia.utility"),
        (16, "actors.russia.position.neutrality"),
        (17, "actors.russia.salince"),
        (18, "actors.russia.salience"),
        (22, "actors.us.position"),
        (25, "actors.us.evidence.postion"),
        (28, "protocol.order[1]"),
        (29, "protocol.recognition.usa"),
        (30, "protocol.max_rounds"),
        (32, "dynamics.teritory"),
        (33, "seed"),
    ]
    by_field = {p.field: p for p in problems}
    assert by_field["issues.sanctions.low"].message == "required field is missing"
    assert by_field["actors.russia.utility"].hint == "did you mean 'quadratic'?"
    assert by_field["actors.us.evidence.postion"].hint == "did you mean 'position'?"
    assert by_field["issues.territory.colour"].hint is not None
    assert "status_quo" in by_field["issues.territory.colour"].hint


def test_error_format_is_one_line_per_problem() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BAD / "many.yaml")
    lines = caught.value.format().splitlines()
    assert len(lines) == len(caught.value.problems) == 16
    assert all(line.startswith(display_path(BAD / "many.yaml") + ":") for line in lines)
    assert isinstance(caught.value, InputError)


def test_recognition_union_gives_one_readable_problem() -> None:
    data, locator = read_yaml(GOOD / "tiny.yaml")
    data["protocol"] = {"recognition": "capabilty"}
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(data)
    problem = only(problems_from_validation_error(caught.value, locator, model=Scenario))
    assert problem.field == "protocol.recognition"
    assert problem.message == "must be 'uniform', 'capability' or a mapping, not 'capabilty'"
    assert problem.hint == "did you mean 'capability'?"


# --- the reusable pieces (for experiment files) -------------------------------------------------


class ToyExperiment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str
    worlds: int = Field(ge=1)


def test_reusable_reader_and_error_mapping_work_for_another_model(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text("scenario: tiny\nworlds: 0\nwrolds: 3\n", encoding="utf-8")
    data, locator = read_yaml(path)
    with pytest.raises(ValidationError) as caught:
        ToyExperiment.model_validate(data)
    problems = problems_from_validation_error(caught.value, locator, model=ToyExperiment)
    assert [(p.line, p.field) for p in problems] == [(2, "worlds"), (3, "wrolds")]
    assert problems[1].hint == "did you mean 'worlds'?"
    assert problems[0].file == display_path(path)


def test_did_you_mean() -> None:
    assert did_you_mean("salince", ["salience", "position"]) == "did you mean 'salience'?"
    assert did_you_mean("Russia", ["russia", "us"]) == "did you mean 'russia'?"
    assert did_you_mean("zzz", ["salience"]) is None


def test_dotted_paths_round_trip() -> None:
    loc = ("protocol", "order", 1)
    assert dotted(loc) == "protocol.order[1]"
    assert parse_dotted("protocol.order[1]") == loc
    assert parse_dotted("protocol.order.1") == loc


def test_resolve_scenario_by_name_searches_scenarios_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scenarios" / "textbook"
    folder.mkdir(parents=True)
    (folder / "toy.yaml").write_text("name: toy\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert resolve_scenario_path("textbook/toy").resolve() == (folder / "toy.yaml").resolve()
    assert resolve_scenario_path("toy").resolve() == (folder / "toy.yaml").resolve()
    with pytest.raises(ScenarioError) as caught:
        resolve_scenario_path("no-such-scenario")
    assert "no scenario file 'no-such-scenario'" in caught.value.format()


def test_alaska_summit_exists_and_validates() -> None:
    path = resolve_scenario_path("alaska-summit")
    assert load_scenario(path).name == "alaska-summit"


# --- --set overrides -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        (
            "actors.russia.salience.territory=0.5",
            ("actors", "russia", "salience", "territory"),
            0.5,
        ),
        ("protocol.order=[russia,ukraine]", ("protocol", "order"), ["russia", "ukraine"]),
        ("actors.us.veto=false", ("actors", "us", "veto"), False),
        (
            "protocol.recognition={russia: 2, us: 1}",
            ("protocol", "recognition"),
            {"russia": 2, "us": 1},
        ),
        ("protocol.order[0]=us", ("protocol", "order", 0), "us"),
        ("actors.us.reservation=null", ("actors", "us", "reservation"), None),
        ("description=a: b: c", ("description",), "a: b: c"),
    ],
)
def test_parse_assignment(text: str, path: tuple[str | int, ...], value: object) -> None:
    assignment = parse_assignment(text)
    assert assignment.path == path
    assert assignment.value == value


def test_parse_assignment_rejects_text_without_equals() -> None:
    with pytest.raises(OverrideError) as caught:
        parse_assignment("actors.us.veto")
    assert "PATH=VALUE" in only(caught.value.problems).message


def test_parse_value_keeps_odd_text_as_text() -> None:
    assert parse_value("2025-08-15") == "2025-08-15"
    assert parse_value("'0.5'") == "0.5"


def test_overrides_apply_to_a_deep_copy() -> None:
    raw, _ = read_yaml(GOOD / "two-party.yaml")
    new = apply_overrides(
        raw,
        [
            "actors.russia.salience.territory=0.5",
            "actors.russia.salience.sanctions=0.5",
            "protocol.order=[ukraine, russia]",
            "actors.ukraine.war_cost=0.2",  # a field left at its default
            "dynamics.sanctions.drift=0.01",  # a new entry named after an issue
            "dynamics.territory=null",  # null removes
        ],
    )
    assert new["actors"]["russia"]["salience"] == {"territory": 0.5, "sanctions": 0.5}
    assert new["protocol"]["order"] == ["ukraine", "russia"]
    assert new["actors"]["ukraine"]["war_cost"] == 0.2
    assert new["dynamics"] == {"sanctions": {"drift": 0.01}}
    assert raw["actors"]["russia"]["salience"]["territory"] == 0.7  # the original is untouched
    assert "territory" in raw["dynamics"]


def test_overrides_accept_a_mapping_of_paths_to_values() -> None:
    raw, _ = read_yaml(GOOD / "two-party.yaml")
    new = apply_overrides(
        raw, {"actors.russia.capability": np.float64(0.9), "protocol.max_rounds": np.int64(5)}
    )
    assert new["actors"]["russia"]["capability"] == 0.9
    assert type(new["protocol"]["max_rounds"]) is int
    assert Scenario.model_validate(new).protocol.max_rounds == 5


def test_unknown_override_paths_get_hints() -> None:
    raw, _ = read_yaml(GOOD / "two-party.yaml")
    with pytest.raises(OverrideError) as caught:
        apply_overrides(
            raw,
            [
                "actors.russai.capability=1",
                "actors.russia.capabilty=1",
                "actors.russia.salience.teritory=0.5",
                "protocol.order[5]=us",
                "actors.russia.capability.low=1",
            ],
        )
    problems = caught.value.problems
    assert [p.file for p in problems] == ["--set"] * 5
    assert [p.hint for p in problems[:3]] == [
        "did you mean 'russia'?",
        "did you mean 'capability'?",
        "did you mean 'territory'?",
    ]
    assert problems[0].message == "unknown actor 'russai' in actors"
    assert problems[2].message == "unknown issue 'teritory' in actors.russia.salience"
    assert "list of 2 items" in problems[3].message
    assert "not a mapping" in problems[4].message
    assert problems[1].format() == (
        "--set: actors.russia.capabilty: unknown field 'capabilty' in actors.russia; "
        "did you mean 'capability'?"
    )


def test_overridden_scenario_is_revalidated_as_a_whole() -> None:
    scenario = load_scenario(GOOD / "two-party.yaml", ["actors.russia.capability=0.9"])
    assert scenario.actors["russia"].capability == 0.9
    problems = problems_of(
        GOOD / "two-party.yaml",
        ("actors.russia.capability=-1", "actors.russia.salience.territory=0.5"),
    )
    by_field = {p.field: p for p in problems}
    assert by_field["actors.russia.capability"].file == "--set"
    assert by_field["actors.russia.capability"].message == "must be at least 0, not -1"
    # the table whose sum broke is reported where the file wrote it
    assert by_field["actors.russia.salience"].message == "saliences sum to 0.8, not 1"
    assert by_field["actors.russia.salience"].line == 22
    assert by_field["actors.russia.salience"].hint == (
        "after --set actors.russia.salience.territory"
    )


def test_apply_to_scenario_returns_a_new_validated_scenario() -> None:
    scenario = load_scenario(GOOD / "two-party.yaml")
    changed = apply_to_scenario(scenario, {"actors.ukraine.veto": False})
    assert changed.actors["ukraine"].veto is False
    assert scenario.actors["ukraine"].veto is True
    with pytest.raises(ScenarioError) as caught:
        apply_to_scenario(scenario, ["protocol.max_rounds=0", "actors.us.veto=false"])
    assert {p.field for p in caught.value.problems} == {"protocol.max_rounds", "actors.us.veto"}
