"""The README's commands and worked example stay true (docs as tests, as in the Axelrod library)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from click.testing import CliRunner

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_ci_runs_the_readme_test_command() -> None:
    commands = [line for line in _blocks("bash")[0].splitlines() if line.startswith("python3")]
    assert len(commands) == 2, "the README gives two set-up commands"
    install_and_test = commands[1]
    assert install_and_test.endswith("pytest")
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[0].endswith("parley run alaska-summit")


def test_worked_example_output_is_the_real_output(tmp_path: Path) -> None:
    example = next(block for block in _blocks("console") if "$ parley run alaska-summit" in block)
    shown = example.split("$ parley run alaska-summit\n", 1)[1].splitlines()
    result = CliRunner().invoke(main, ["run", "alaska-summit", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    actual = result.output.splitlines()
    # Everything but the last line (where the files went) must match the README to the letter.
    assert actual[:-1] == shown[:-1]
    assert shown[-1].startswith("Wrote ") and actual[-1].startswith("Wrote ")


def test_python_example_prints_what_the_readme_says() -> None:
    snippet = _blocks("python")[0]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "README.md", "exec"), {})
    first, second = printed.getvalue().splitlines()
    assert f"`{first}`" in README and f"`{second}`" in README
