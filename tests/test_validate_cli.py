"""The ``validate``, ``show`` and ``list`` commands: output, exit codes, no tracebacks."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sim.cli.list import command as list_command
from sim.cli.show import command as show_command
from sim.cli.validate import command as validate_command
from sim.errors import InputError, Problem, display_path
from sim.scenario.loader import load_scenario

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"
INHERIT = DATA / "inherit"


def run(command: object, *args: str | Path) -> Result:
    result = CliRunner().invoke(command, [str(arg) for arg in args])  # type: ignore[arg-type]
    # bad input ends in a clean exit, never an exception with a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


# --- validate -------------------------------------------------------------------------------------


def test_validate_good_files_exit_zero() -> None:
    result = run(validate_command, GOOD / "two-party.yaml", INHERIT / "child.yaml")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"OK  {GOOD / 'two-party.yaml'}  (scenario 'two-party': 2 actors, 2 issues)",
        f"OK  {INHERIT / 'child.yaml'}  (scenario 'child': 2 actors, 2 issues)",
    ]
    assert result.stderr == ""


def test_validate_reports_all_problems_on_stderr_and_exits_two() -> None:
    result = run(validate_command, GOOD / "tiny.yaml", BAD / "many.yaml", BAD / "syntax-error.yaml")
    assert result.exit_code == 2
    assert result.stdout.startswith("OK  ")
    assert "many.yaml:17: actors.russia.salince: unknown field; did you mean 'salience'?" in (
        result.stderr
    )
    assert "syntax-error.yaml:" in result.stderr
    assert result.stderr.rstrip().endswith("2 of 3 files invalid")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "name", ["duplicate-key.yaml", "empty.yaml", "not-a-mapping.yaml", "wrong-type.yaml"]
)
def test_validate_bad_input_never_tracebacks(name: str) -> None:
    result = run(validate_command, BAD / name)
    assert result.exit_code == 2
    assert result.stderr.startswith(display_path(BAD / name) + ":")


def test_validate_missing_file_and_no_arguments() -> None:
    result = run(validate_command, "no-such-scenario")
    assert result.exit_code == 2
    assert "no scenario file 'no-such-scenario'" in result.stderr
    assert run(validate_command).exit_code == 2  # usage error: FILE is required


def test_strict_requires_evidence_for_every_number() -> None:
    assert run(validate_command, GOOD / "two-party.yaml").exit_code == 0
    result = run(validate_command, "--strict", GOOD / "two-party.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"{display_path(GOOD / 'two-party.yaml')}:16: issues.sanctions.status_quo: no evidence for this value "
        '(--strict); add evidence: {status_quo: "..."}'
    )
    # the child adds the one missing evidence entry; inherited evidence counts
    assert run(validate_command, "--strict", INHERIT / "strict-child.yaml").exit_code == 0


def test_strict_checks_tables_entry_by_entry(tmp_path: Path) -> None:
    text = (GOOD / "two-party.yaml").read_text(encoding="utf-8")
    text = text.replace('      position: "Wants to keep the land and shed sanctions."\n', "")
    text = text.replace(
        '      salience: "Territory first."\n',
        '      salience: "Territory first."\n      position.territory: "Keeps the land."\n',
    )
    path = tmp_path / "partial.yaml"
    path.write_text(text, encoding="utf-8")
    result = run(validate_command, "--strict", path)
    assert result.exit_code == 2
    assert "actors.russia.position.sanctions: no evidence" in result.stderr
    assert "actors.russia.position.territory" not in result.stderr


def test_experiment_files_go_to_the_experiment_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.experiment.loader

    def load_experiment(path: Path) -> object:
        raise InputError([Problem(str(path), 2, "uncertainty", "checked by the experiment loader")])

    monkeypatch.setattr(sim.experiment.loader, "load_experiment", load_experiment)
    result = run(validate_command, BAD / "experiment-like.yaml")
    assert result.exit_code == 2
    assert "uncertainty: checked by the experiment loader" in result.stderr

    monkeypatch.setattr(
        sim.experiment.loader, "load_experiment", lambda path: types.SimpleNamespace(name="exp")
    )
    result = run(validate_command, BAD / "experiment-like.yaml")
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("(experiment 'exp')")


def test_alaska_summit_validates_by_name() -> None:
    result = run(validate_command, "alaska-summit")
    assert result.exit_code == 0, result.stderr


# --- show -----------------------------------------------------------------------------------------


def test_show_annotates_each_value_with_its_file_and_evidence() -> None:
    result = run(show_command, INHERIT / "child.yaml", "--set", "actors.us.war_cost=0.2")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()

    def line_of(prefix: str) -> str:
        return next(line for line in lines if line.lstrip().startswith(prefix))

    capability = line_of("capability: 0.8")
    assert capability.endswith("# child.yaml:5 — evidence: Small but significant advances.")
    assert line_of("kind: alternating").endswith("# base.yaml:22")
    assert line_of("war_cost: 0.2").endswith("# --set")
    assert line_of("discount: 1.0").endswith("# default")
    assert line_of("position:").endswith("# evidence: Wants everything.")
    assert line_of("order: [us, russia]").endswith("# child.yaml:10")


def test_show_output_loads_back_to_the_same_scenario(tmp_path: Path) -> None:
    for source in (GOOD / "two-party.yaml", INHERIT / "child.yaml"):
        result = run(show_command, source)
        assert result.exit_code == 0, result.stderr
        copy = tmp_path / source.name
        copy.write_text(result.stdout, encoding="utf-8")
        original = load_scenario(source).model_copy(update={"extends": None})
        assert load_scenario(copy) == original


def test_show_bad_override_exits_two() -> None:
    result = run(show_command, GOOD / "tiny.yaml", "--set", "actors.rusia.capability=1")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "--set: actors.rusia.capability: unknown actor 'rusia' in actors; did you mean 'russia'?"
    )
    assert result.stdout == ""


# --- list -----------------------------------------------------------------------------------------


def test_list_shows_names_and_aligned_descriptions(tmp_path: Path) -> None:
    experiments = tmp_path / "experiments"
    experiments.mkdir()
    (experiments / "sweep.yaml").write_text(
        "scenario: alaska-summit\ndescription: |\n  Sweep the war cost.\n  More.\n"
    )
    result = run(list_command, "--scenarios", INHERIT, "--experiments", experiments)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Scenarios in {display_path(INHERIT)}/:"
    entries = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert entries["base"].endswith("The base of an inheritance chain.")
    assert entries["child"].endswith("(extends base)")
    assert entries["sweep"].endswith("Sweep the war cost.")
    columns = {line.index(line.split()[1]) for line in entries.values()}
    assert len(columns) == 1  # descriptions start in one column


def test_list_includes_subfolders(tmp_path: Path) -> None:
    textbook = tmp_path / "scenarios" / "textbook"
    textbook.mkdir(parents=True)
    (textbook / "toy.yaml").write_text("name: toy\ndescription: A toy.\n")
    result = run(list_command, "--scenarios", tmp_path / "scenarios")
    line = next(line for line in result.stdout.splitlines() if "textbook/toy" in line)
    assert line.startswith("  textbook/toy ") and line.endswith(" A toy.")


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (validate_command, ["--strict", "FILE..."]),
        (show_command, ["--set PATH=VALUE", "SCENARIO"]),
        (list_command, ["--scenarios", "--experiments", "default: ./scenarios"]),
    ],
)
def test_help_text_is_complete(command: object, words: list[str]) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    for word in words:
        assert word in result.stdout
