"""Experiment files (sim.experiment): schema, scenario lookup, factors, wildcards, errors."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.experiment.cells import build_experiment, expand_factor_path, match_pattern
from sim.experiment.loader import experiment_from_manifest, load_experiment
from sim.experiment.sampling import sample
from sim.experiment.spec import ExperimentError

if TYPE_CHECKING:
    from conftest import Tiny

REPO = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((REPO / "experiments").glob("*.yaml"))


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path, tiny_files: Tiny) -> Path:
    tiny_files.scenario(tmp_path)
    return tmp_path


def experiment_file(directory: Path, body: str, name: str = "exp.yaml") -> Path:
    header = "name: test-experiment\ndescription: a question\nscenario: ./tiny.yaml\n"
    return write(directory, name, header + textwrap.dedent(body))


# --- the shipped experiments ------------------------------------------------------------------


def test_the_shipped_experiments_load_and_ask_a_question() -> None:
    names = {path.stem for path in EXPERIMENTS}
    assert {
        "sanctions-pressure",
        "battlefield-momentum",
        "veto-structure",
        "baseline-uncertainty",
    } <= names
    for path in EXPERIMENTS:
        experiment = load_experiment(path)
        assert experiment.name == path.stem
        assert "?" in experiment.description
        assert experiment.cells and all(cell.parameters for cell in experiment.cells)


def test_battlefield_momentum_compares_three_scenarios() -> None:
    experiment = load_experiment(REPO / "experiments" / "battlefield-momentum.yaml")
    assert [cell.scenario_name for cell in experiment.cells] == [
        "battlefield-stall",
        "alaska-summit",
        "battlefield-momentum",
    ]
    drifts = [cell.scenario.dynamics["territory"].drift for cell in experiment.cells]
    assert drifts[0] < drifts[1] < drifts[2]


# --- factors and cells ----------------------------------------------------------------------------


def test_factor_grid_makes_one_cell_per_combination_in_file_order(tiny: Path) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 10
        factors:
          actors.east.strategy.beta: [0.5, 2.0]
          actors.west.veto: [true, false]
          protocol.max_rounds: [4]
        """,
    )
    experiment = load_experiment(path)
    assert [dict(cell.factors) for cell in experiment.cells] == [
        {"actors.east.strategy.beta": 0.5, "actors.west.veto": True, "protocol.max_rounds": 4},
        {"actors.east.strategy.beta": 0.5, "actors.west.veto": False, "protocol.max_rounds": 4},
        {"actors.east.strategy.beta": 2.0, "actors.west.veto": True, "protocol.max_rounds": 4},
        {"actors.east.strategy.beta": 2.0, "actors.west.veto": False, "protocol.max_rounds": 4},
    ]
    last = experiment.cells[3].scenario
    assert last.actors["east"].strategy.beta == 2.0
    assert last.actors["west"].veto is False
    assert last.protocol.max_rounds == 4
    assert experiment.cells[3].index == 3


def test_factor_wildcards_set_every_actor(tiny: Path) -> None:
    experiment = load_experiment(
        experiment_file(tiny, "runs: 5\nfactors:\n  actors.*.utility: [linear]\n")
    )
    scenario = experiment.cells[0].scenario
    assert {actor.utility for actor in scenario.actors.values()} == {"linear"}
    assert expand_factor_path("actors.*.veto", scenario) == [
        "actors.east.veto",
        "actors.west.veto",
    ]


def test_several_scenarios_times_factors(tiny: Path) -> None:
    write(tiny, "other.yaml", "name: other\nextends: tiny.yaml\nprotocol: {max_rounds: 3}\n")
    path = write(
        tiny,
        "exp.yaml",
        """\
        name: two
        scenario: [./tiny.yaml, ./other.yaml]
        runs: 3
        factors:
          actors.east.war_cost: [0.01, 0.2]
        """,
    )
    experiment = load_experiment(path)
    assert [(c.scenario_name, c.factors["actors.east.war_cost"]) for c in experiment.cells] == [
        ("tiny", 0.01),
        ("tiny", 0.2),
        ("other", 0.01),
        ("other", 0.2),
    ]
    assert experiment.cells[2].scenario.protocol.max_rounds == 3
    assert set(experiment.scenario_paths) == {"tiny", "other"}


# --- uncertainty: wildcards, precedence, common random numbers --------------------------------------


def test_wildcards_expand_to_every_actor_with_independent_streams(tiny: Path) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 10
        uncertainty:
          actors.*.war_cost: {dist: uniform, low: 0.0, high: 0.2}
          actors.*.salience: {dist: dirichlet, concentration: 20}
        """,
    )
    cell = load_experiment(path).cells[0]
    paths = [p.path for p in cell.parameters]
    assert sorted(paths) == [
        "actors.east.salience",
        "actors.east.war_cost",
        "actors.west.salience",
        "actors.west.war_cost",
    ]
    assert len({p.stream for p in cell.parameters}) == 4
    values = sample(cell.parameters, 1, np.arange(1000))
    assert not np.array_equal(values["actors.east.war_cost"], values["actors.west.war_cost"])


def test_a_specific_path_wins_over_a_wildcard(tiny: Path) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 10
        uncertainty:
          actors.*.war_cost: {dist: uniform, low: 0.0, high: 0.2}
          actors.east.war_cost: {dist: choice, values: [0.5]}
        """,
    )
    cell = load_experiment(path).cells[0]
    values = sample(cell.parameters, 3, np.arange(50))
    assert np.all(values["actors.east.war_cost"] == 0.5)
    assert values["actors.west.war_cost"].max() <= 0.2


def test_two_equally_specific_wildcards_on_one_field_are_an_error(tiny: Path) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 10
        uncertainty:
          actors.*.position.land: {dist: uniform, low: 0.0, high: 0.2}
          actors.east.position.*: {dist: uniform, low: 0.5, high: 0.7}
        """,
    )
    (problem,) = problems_of(path)
    assert "matches actors.east.position.land, as does 'actors.*.position.land'" in problem


def test_cells_share_their_worlds_draws(tiny: Path) -> None:
    """Common random numbers: world w samples the same values in every cell."""
    path = experiment_file(
        tiny,
        """\
        runs: 10
        uncertainty:
          actors.west.war_cost: {dist: uniform, low: 0.0, high: 0.2}
        factors:
          actors.east.strategy.beta: [0.5, 2.0]
        """,
    )
    first, second = load_experiment(path).cells
    worlds = np.arange(100)
    np.testing.assert_array_equal(
        sample(first.parameters, 9, worlds)["actors.west.war_cost"],
        sample(second.parameters, 9, worlds)["actors.west.war_cost"],
    )


def test_match_pattern_matches_one_segment_per_wildcard() -> None:
    paths = ["actors.a.war_cost", "actors.b.war_cost", "actors.a.strategy.beta"]
    assert match_pattern("actors.*.war_cost", paths) == paths[:2]
    assert match_pattern("actors.*.beta", paths) == []
    assert match_pattern("actors.a.*.beta", paths) == ["actors.a.strategy.beta"]


def test_an_experiment_rebuilds_from_its_manifest_entries(tiny: Path) -> None:
    experiment = load_experiment(
        experiment_file(
            tiny,
            """\
            runs: 7
            seed: 5
            uncertainty:
              actors.*.salience: {dist: dirichlet, concentration: 20}
            factors:
              actors.east.strategy.beta: [0.5, 2.0]
            """,
        )
    )
    manifest = {
        "experiment": experiment.spec.model_dump(mode="json"),
        "scenarios": {n: s.model_dump(mode="json") for n, s in experiment.scenarios.items()},
    }
    rebuilt = experiment_from_manifest(manifest)
    assert rebuilt.spec == experiment.spec
    assert [c.scenario for c in rebuilt.cells] == [c.scenario for c in experiment.cells]
    assert [c.parameters for c in rebuilt.cells] == [c.parameters for c in experiment.cells]
    again = build_experiment(experiment.spec, experiment.scenarios)
    assert again.cells == experiment.cells


def test_with_runs_changes_only_the_number_of_worlds(tiny: Path) -> None:
    experiment = load_experiment(experiment_file(tiny, "runs: 10\n"))
    assert experiment.with_runs(3).runs == 3
    assert experiment.with_runs(3).cells == experiment.cells
    assert experiment.runs == 10


# --- errors: file, line, field, hint ------------------------------------------------------------


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    return [problem.format() for problem in caught.value.problems]


def test_unknown_paths_get_did_you_mean(tiny: Path) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 10
        uncertainty:
          actors.east.warcost: {dist: uniform, low: 0.0, high: 0.2}
          actors.*.salince: {dist: dirichlet, concentration: 5}
          actors.east.veto: {dist: choice, values: [0, 1]}
          actors.east.salience.land: {dist: uniform, low: 0.1, high: 0.9}
        """,
    )
    problems = problems_of(path)
    file = str(path)
    assert (
        f"{file}:6: uncertainty.actors.east.warcost: names no field that can be sampled per "
        "world; did you mean 'actors.east.war_cost'?"
    ) in problems
    assert any(
        p.startswith(f"{file}:7: uncertainty.actors.*.salince:") and "'actors.*.salience'" in p
        for p in problems
    )
    assert any(
        p.startswith(f"{file}:8: uncertainty.actors.east.veto:") and "factors" in p
        for p in problems
    )
    assert any(
        p.startswith(f"{file}:9: uncertainty.actors.east.salience.land:") and "dirichlet" in p
        for p in problems
    )


def test_bad_priors_and_factor_values_are_located(tiny: Path) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 10
        seeds: 4
        uncertainty:
          actors.east.war_cost: {dist: unifrom, low: 0.0, high: 0.2}
          actors.east.discount: {dist: uniform, low: 0.5, high: 1.5}
          actors.west.discount: {dist: beta, mean: 0.9, concentraton: 4}
          protocol.breakdown_probability: {dist: triangular, low: 0.1, mode: 0.0, high: 0.2}
        factors:
          actors.east.strategy.kind: [concession, equlibrium]
          actors.west.vetto: [false]
          protocol.max_rounds: [10, -3]
        """,
    )
    problems = problems_of(path)
    file = str(path)
    expected = [
        f"{file}:5: seeds: unknown field; did you mean 'seed'?",
        f"{file}:7: uncertainty.actors.east.war_cost.dist: unknown distribution 'unifrom'; "
        "did you mean 'uniform'?",
        f"{file}:8: uncertainty.actors.east.discount: high 1.5 is outside "
        "actors.east.discount's valid range (0, 1]",
        f"{file}:9: uncertainty.actors.west.discount.concentraton: unknown field; "
        "did you mean 'concentration'?",
        f"{file}:12: factors.actors.east.strategy.kind[1]: must be one of 'concession', "
        "'equilibrium', not 'equlibrium'; did you mean 'equilibrium'?",
        f"{file}:13: factors.actors.west.vetto[0]: unknown field 'vetto' in actors.west; "
        "did you mean 'veto'?",
    ]
    for line in expected:
        assert line in problems
    assert any(
        p.startswith(f"{file}:10: uncertainty.protocol.breakdown_probability") for p in problems
    )
    assert any(p.startswith(f"{file}:14: factors.protocol.max_rounds[1]") for p in problems)


def test_unknown_scenario_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "exp.yaml", "name: x\nscenario: alaska-sumit\nruns: 5\n")
    assert problems_of(path) == [
        f"{path}:2: scenario: no scenario 'alaska-sumit' (looked in "
        + problems_of(path)[0].split("(looked in ")[1]
    ]
    assert "did you mean 'alaska-summit'?" in problems_of(path)[0]


def test_a_field_both_sampled_and_a_factor_is_an_error(tiny: Path) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 10
        uncertainty:
          actors.*.war_cost: {dist: uniform, low: 0.0, high: 0.2}
        factors:
          actors.east.war_cost: [0.1]
        """,
    )
    (problem,) = problems_of(path)
    assert "also set by the factor 'actors.east.war_cost'" in problem


@pytest.mark.parametrize("command", ["validate", "sweep"])
def test_cli_exits_2_with_located_problems(tiny: Path, command: str) -> None:
    path = experiment_file(
        tiny,
        """\
        runs: 0
        uncertainty:
          actors.east.warcost: {dist: uniform, low: 0.0, high: 0.2}
        """,
    )
    result = CliRunner().invoke(main, [command, str(path)])
    assert result.exit_code == 2
    assert f"{path}:4: runs: must be at least 1, not 0" in result.output
    assert "Traceback" not in result.output


def test_validate_accepts_a_good_experiment(tiny: Path) -> None:
    path = experiment_file(tiny, "runs: 5\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "experiment 'test-experiment'" in result.output
