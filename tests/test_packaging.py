"""Packaging: the shipped library is package data, found after the user's own folders; an
installed wheel run from an empty folder prints the README's worked example."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import sim
from sim.cli import main
from sim.errors import InputError
from sim.experiment.loader import load_experiment
from sim.scenario import discovery
from sim.scenario.discovery import PACKAGED_LIBRARY, library_dirs, resolve_scenario_path
from sim.sweep.manifest import RESULT_DEPENDENCIES

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_wheel_ships_both_folders_where_discovery_looks() -> None:
    included = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included == {
        kind: f"sim/{PACKAGED_LIBRARY}/{kind}" for kind in ("scenarios", "experiments")
    }
    assert PYPROJECT["project"]["name"] == "parley-sim"
    assert PYPROJECT["project"]["scripts"] == {"parley": "sim.__main__:main"}
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "sim/__init__.py"


def test_from_an_empty_folder_the_source_tree_library_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert library_dirs("scenarios") == [ROOT / "scenarios"]
    assert library_dirs("experiments") == [ROOT / "experiments"]
    assert resolve_scenario_path("alaska-summit") == ROOT / "scenarios" / "alaska-summit.yaml"
    assert load_experiment("baseline-uncertainty").name == "baseline-uncertainty"


def test_the_users_folders_come_before_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scenarios").mkdir()
    mine = tmp_path / "scenarios" / "alaska-summit.yaml"
    mine.write_text((ROOT / "scenarios" / "alaska-summit.yaml").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    assert library_dirs("scenarios") == [tmp_path / "scenarios", ROOT / "scenarios"]
    assert resolve_scenario_path("alaska-summit").resolve() == mine.resolve()
    assert resolve_scenario_path("bilateral-deal") == ROOT / "scenarios" / "bilateral-deal.yaml"


def test_package_data_is_found_with_importlib_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As installed from the wheel: ``sim/library/<kind>`` next to the code, no source tree."""
    installed = tmp_path / "site-packages" / "sim"
    (installed / PACKAGED_LIBRARY / "scenarios").mkdir(parents=True)
    monkeypatch.setattr(discovery.resources, "files", lambda package: installed)
    monkeypatch.chdir(tmp_path)
    found = library_dirs("scenarios")
    assert found == [installed / PACKAGED_LIBRARY / "scenarios", ROOT / "scenarios"]


def test_an_unknown_experiment_name_is_a_file_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="no-such-experiment"):
        load_experiment("no-such-experiment")
    result = CliRunner().invoke(main, ["sweep", "no-such-experiment"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_parley_list_from_an_empty_folder_shows_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^  alaska-summit +\S", result.output, flags=re.MULTILINE)
    assert re.search(r"^  baseline-uncertainty +\S", result.output, flags=re.MULTILINE)


INSTALLED = os.environ.get("PARLEY_INSTALLED")
"""The ``parley`` executable of a clean venv with the built wheel installed (``.ci/run`` sets it)."""


@pytest.mark.skipif(INSTALLED is None, reason="set PARLEY_INSTALLED to an installed wheel's parley")
def test_the_installed_wheel_prints_the_worked_example(tmp_path: Path) -> None:
    assert INSTALLED is not None
    example = re.search(r"```console\n\$ parley run alaska-summit\n(.*?)```", README, re.DOTALL)
    assert example is not None
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    def parley(*args: str) -> str:
        done = subprocess.run(
            [INSTALLED, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert parley("run", "alaska-summit") == example.group(1)
    listing = parley("list")
    assert "site-packages" in listing and "  alaska-summit " in listing
    assert "  baseline-uncertainty " in listing
    assert parley("--version").split()[-1] == sim.__version__


def _constraints() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pins}


def test_the_constraints_pin_what_the_project_asks_for() -> None:
    """Every requirement of the package and its extras is pinned to a version it accepts."""
    pins = _constraints()
    project = PYPROJECT["project"]
    texts = [
        *project["dependencies"],
        *(r for e in project["optional-dependencies"].values() for r in e),
    ]
    for requirement in map(Requirement, texts):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    for name in RESULT_DEPENDENCIES:
        assert canonicalize_name(name) in pins


def test_the_readme_test_command_uses_the_constraints() -> None:
    assert "pip install -q -c constraints.txt -e '.[dev,distributed,sensitivity,app,ema]'" in README
