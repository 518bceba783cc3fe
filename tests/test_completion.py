"""Shell completion: commands, scenario names and experiment names (click's shell_complete)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main


def complete(words: str) -> list[tuple[str, str]]:
    """What bash completion offers for the command line ``words`` (the last word incomplete)."""
    parts = words.split(" ")
    env = {
        "_PARLEY_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
    }
    result = CliRunner().invoke(main, [], prog_name="parley", env=env)
    assert result.exit_code == 0, result.output
    return [tuple(line.split(",", 1)) for line in result.output.splitlines()]  # type: ignore[misc]


def test_commands_complete() -> None:
    offered = [value for _, value in complete("parley s")]
    assert {"sweep", "show", "schema", "sensitivity"} <= set(offered)
    assert all(value.startswith("s") for value in offered)


def test_scenario_names_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "alaska-mine.yaml").write_text("name: alaska-mine\n")
    assert complete("parley run alaska") == [
        ("plain", "alaska-mine"),  # the user's own folder first
        ("plain", "alaska-summit"),
    ]
    assert ("plain", "textbook/rubinstein") in complete("parley zopa text")
    # Not a name: the shell completes a file path.
    assert complete("parley show ./my") == [("file", "./my")]


def test_experiment_names_complete() -> None:
    assert complete("parley sweep veto") == [("plain", "veto-structure")]
    offered = complete("parley validate b")
    assert ("plain", "bilateral-deal") in offered and ("plain", "baseline-uncertainty") in offered
