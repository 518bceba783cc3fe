"""Text where a number is meant is refused, even text that reads as a number (``'0.1'`` in
quotes): pydantic's lax mode would read it as 0.1, and the hostile-input generators
(tests/fuzzgen_model.py) count it among the values of the wrong type.  Fields that take text as
well as numbers (``protocol.recognition``: a rule's name or a table of weights) keep taking it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import EXPERIMENT, TINY

from sim.errors import InputError, ScenarioError
from sim.experiment.loader import load_experiment
from sim.scenario.loader import load_scenario

HINT = "(a number in quotes: write it without them)"


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        if path.name.startswith("e"):
            load_experiment(path)
        else:
            load_scenario(path)
    return [problem.format() for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "where", "line"),
    [
        ("war_cost: 0.05\n  b:", "war_cost: '0.05'\n  b:", "actors.a.war_cost", 12),
        ("position: {land: 1.0}", "position: {land: '1.0'}", "actors.a.position.land", 10),
        (
            "war_cost: 0.05\n  b:",
            "war_cost: 0.05\n    private: {field: war_cost, belief: {dist: normal, sd: 0.02},"
            " truth: '0.1'}\n  b:",
            "actors.a.private.truth",
            13,
        ),
        ("max_rounds: 10", 'max_rounds: "10"', "protocol.max_rounds", 19),
    ],
)
def test_a_quoted_number_in_a_scenario_is_refused_where_it_stands(
    tmp_path: Path, old: str, new: str, where: str, line: int
) -> None:
    path = tmp_path / "s.yaml"
    assert old in TINY
    path.write_text(TINY.replace(old, new, 1))
    problems = _problems(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}: {where}: expected a number, got the text '")
    assert problems[0].endswith(HINT)


def test_text_that_is_no_number_gets_no_hint(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TINY.replace("war_cost: 0.05\n  b:", "war_cost: lots\n  b:", 1))
    (problem,) = _problems(path)
    assert problem.endswith("actors.a.war_cost: expected a number, got the text 'lots'")


def test_a_quoted_prior_bound_in_an_experiment_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY)
    path = tmp_path / "e.yaml"
    path.write_text(EXPERIMENT.replace("low: 0.01", "low: '0.01'"))
    problems = _problems(path)
    assert any("expected a number, got the text '0.01'" in p and HINT in p for p in problems)


@pytest.mark.parametrize("rule", ["uniform", "capability"])
def test_a_field_that_takes_text_still_takes_it(tmp_path: Path, rule: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TINY.replace("max_rounds: 10", f"max_rounds: 10\n  recognition: {rule}"))
    assert load_scenario(path).protocol.recognition == rule


def test_unquoted_numbers_load_as_before(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TINY)
    scenario = load_scenario(path)
    assert scenario.actors["a"].war_cost == 0.05
    with pytest.raises(ScenarioError):
        load_scenario(path, ["actors.a.war_cost='0.05'"])  # a quoted --set value is text too


def test_an_entry_whose_key_is_no_plain_name_is_named_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    text = TINY.replace("land", '"la nd: x"').replace(
        'position: {"la nd: x": 1.0}', "position: {\"la nd: x\": '1.0'}", 1
    )
    path.write_text(text)
    (problem,) = _problems(path)
    assert f"{path}:10: actors.a.position: in 'la nd: x': expected a number" in problem
