"""The analyst's workflow by name: experiments run by name, "did you mean" for a mistyped
scenario, ``parley list`` in a project folder still shows the shipped library (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.errors import InputError
from sim.experiment.loader import load_experiment
from sim.scenario.loader import load_scenario

REPOSITORY = Path(__file__).resolve().parents[1]


def test_an_experiment_is_found_by_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    experiment = load_experiment("veto-structure")
    assert experiment.name == "veto-structure"
    assert experiment.path == REPOSITORY / "experiments" / "veto-structure.yaml"


def test_a_mistyped_experiment_name_gets_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        load_experiment("veto-structur")
    (problem,) = caught.value.problems
    assert "no experiment file 'veto-structur'" in problem.message
    assert problem.hint == "did you mean 'veto-structure'?"
    outcome = CliRunner().invoke(main, ["sweep", "veto-structur", "--runs", "1"])
    assert outcome.exit_code == 2
    assert "did you mean 'veto-structure'?" in outcome.output


def test_a_mistyped_scenario_name_gets_a_hint() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario("alaska-sumit")
    assert caught.value.problems[0].hint == "did you mean 'alaska-summit'?"
    outcome = CliRunner().invoke(main, ["run", "alaska-sumit"])
    assert outcome.exit_code == 2 and "did you mean 'alaska-summit'?" in outcome.output


def test_validate_takes_an_experiment_by_name() -> None:
    outcome = CliRunner().invoke(main, ["validate", "veto-structure"])
    assert outcome.exit_code == 0, outcome.output
    assert "experiment 'veto-structure'" in outcome.output


def test_list_in_a_project_with_its_own_scenarios_still_shows_the_shipped_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "scenarios"
    own.mkdir()
    (own / "mine.yaml").write_text(
        "name: mine\nextends: alaska-summit\ndescription: My own variant.\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["list"])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    assert lines[0] == "Scenarios in scenarios/:"
    assert lines[1].split() == ["mine", "My", "own", "variant."]
    shipped = lines.index(f"Scenarios in {REPOSITORY / 'scenarios'}/:")
    assert any(line.split()[0] == "alaska-summit" for line in lines[shipped + 1 :])
    assert any(line.startswith("Experiments in") for line in lines)


def test_the_shipped_showcase_manifests_hold_no_machine_path_and_clean_code() -> None:
    import json

    manifests = sorted((REPOSITORY / "results" / "showcase").glob("*/manifest.json"))
    assert manifests
    for path in manifests:
        text = path.read_text(encoding="utf-8")
        manifest = json.loads(text)
        assert manifest.get("git_dirty") is False, path
        assert not re.search(r'"/(work|home|tmp|Users|root)/', text), path
        experiment = manifest["experiment"]
        assert not Path(experiment["path"]).is_absolute(), path
        assert all(not Path(p).is_absolute() for p in experiment["scenario_paths"].values())
        for package in ("numpy", "scipy", "pandas", "pyarrow", "mesa"):
            assert manifest.get(package), (path, package)
