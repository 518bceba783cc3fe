"""More hostile inputs, found by a fuzz audit of every command: each is refused with exit 2, a
``file:line: field: message`` (with "did you mean" for a misspelt name) and no traceback, or
bounded before it can hang.  The table of the earlier pass is tests/hostile_cases.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sim.cli import main

sys.path.insert(0, str(Path(__file__).parent))

from hostile_cases import EXPERIMENT, TINY  # noqa: E402


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (the current directory) holding the tiny scenario as tiny.yaml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(TINY)
    return tmp_path


def parley(*args: str) -> Result:
    """``parley ARGS``; bad input must end in exit 2 and never in a traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


# --- a misspelt scenario name suggests the files next to it, not only the library's ---------


@pytest.mark.parametrize("command", ["run", "show", "validate", "zopa", "forecast"])
def test_a_misspelt_scenario_name_suggests_the_file_in_the_current_folder(
    project: Path, command: str
) -> None:
    result = parley(command, "tiyn")
    assert result.exit_code == 2
    assert "tiyn: no scenario file 'tiyn'" in result.stderr
    assert "did you mean 'tiny.yaml'?" in result.stderr


def test_a_misspelt_library_name_still_suggests_the_library_scenario(project: Path) -> None:
    result = parley("validate", "alaska-sumit")
    assert result.exit_code == 2
    assert "did you mean 'alaska-summit'?" in result.stderr


def test_a_misspelt_base_scenario_suggests_the_file_next_to_the_child(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "base.yaml").write_text(TINY)
    (project / "sub" / "child.yaml").write_text("name: child\nextends: bsae\n")
    result = parley("run", "sub/child.yaml")
    assert result.exit_code == 2
    assert "sub/child.yaml:2: extends: base scenario 'bsae' not found" in result.stderr
    assert "did you mean 'base.yaml'?" in result.stderr


def test_a_base_scenario_with_no_close_name_gets_no_hint(project: Path) -> None:
    (project / "child.yaml").write_text("name: child\nextends: zzzzqqqq\n")
    result = parley("validate", "child.yaml")
    assert result.exit_code == 2
    assert "extends: base scenario 'zzzzqqqq' not found" in result.stderr
    assert "did you mean" not in result.stderr


@pytest.mark.parametrize("scenario", ["tiyn", "[tiny.yaml, tiyn]"])
def test_a_misspelt_experiment_scenario_suggests_the_file_next_to_it(
    project: Path, scenario: str
) -> None:
    (project / "e.yaml").write_text(EXPERIMENT.replace("tiny.yaml", scenario))
    for args in (("validate", "e.yaml"), ("sweep", "e.yaml", "--workers", "1", "--out", "o")):
        result = parley(*args)
        assert result.exit_code == 2
        assert "e.yaml:2: scenario" in result.stderr
        assert "no scenario 'tiyn'" in result.stderr
        # a bare name is looked up among the scenarios, so the hint is the file's path
        assert "did you mean 'tiny.yaml'?" in result.stderr
    assert not (project / "o").exists()


# --- parley zopa: the round and the sample count are bounded ------------------------------


def test_zopa_refuses_a_round_after_the_scenarios_last(project: Path) -> None:
    result = parley("zopa", "tiny.yaml", "--round", "11", "--samples", "10")
    assert result.exit_code == 2
    assert "--round: 11 is after the last round of 'tiny' (protocol.max_rounds = 10)" in (
        result.stderr
    )
    assert not (project / "results").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--round", str(10**15)), ("--samples", str(10**10))]
)
def test_zopa_refuses_counts_that_would_run_for_hours(
    project: Path, option: str, value: str
) -> None:
    result = parley("zopa", "tiny.yaml", option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.stderr
    assert "is not in the range" in result.stderr


# --- extends is read before overrides: a --set or a factor on it would silently do nothing ---


@pytest.mark.parametrize("value", ["tiny", "/etc/passwd", "null"])
def test_a_set_of_extends_is_refused(project: Path, value: str) -> None:
    result = parley("run", "tiny.yaml", "--json", "--set", f"extends={value}")
    assert result.exit_code == 2
    assert result.stderr.startswith("--set: extends: the base scenario is read before overrides")
    assert "write a child scenario" in result.stderr
    assert result.stdout == ""


def test_a_factor_on_extends_is_refused_at_its_line(project: Path) -> None:
    (project / "e.yaml").write_text(EXPERIMENT + "factors:\n  extends: [tiny, other]\n")
    result = parley("validate", "e.yaml")
    assert result.exit_code == 2
    assert "e.yaml:8: factors.extends[0]: the base scenario is read before" in result.stderr


# --- a misspelt choice of an option gets "did you mean", as misspelt commands and options do --


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("sweep", "e.yaml", "--design", "sbol"), "did you mean 'sobol'?"),
        (("sweep", "e.yaml", "--backend", "dsak"), "did you mean 'dask'?"),
        (("schema", "scenaro"), "did you mean 'scenario'?"),
        (("plot", "out", "--kind", "agrement"), "did you mean 'agreement'?"),
        (("plot", "out", "--format", "pgn"), "did you mean 'png'?"),
        (("sensitivity", "out", "--method", "morriss"), "did you mean 'morris'?"),
        (("zopa", "tiny.yaml", "--weights", "uniform2"), "did you mean 'uniform'?"),
    ],
)
def test_a_misspelt_choice_suggests_the_closest(
    project: Path, args: tuple[str, ...], hint: str
) -> None:
    result = parley(*args)
    assert result.exit_code == 2
    assert "is not one of" in result.stderr
    assert f"; {hint}" in result.stderr
    assert ".;" not in result.stderr


def test_a_choice_with_nothing_close_lists_the_choices_only(project: Path) -> None:
    result = parley("plot", "out", "--kind", "zzzzz")
    assert result.exit_code == 2
    assert "'zzzzz' is not one of 'agreement'" in result.stderr
    assert "did you mean" not in result.stderr


# --- parley run --out: a failure leaves the previous run's files, not a mix of two runs ------


def test_a_folder_in_the_way_of_a_run_file_keeps_the_previous_run(project: Path) -> None:
    assert parley("run", "tiny.yaml", "--out", "r").exit_code == 0
    before = {
        name: (project / "r" / name).read_bytes() for name in ("record.json", "trajectory.csv")
    }
    (project / "r" / "trajectory.png").unlink()
    (project / "r" / "trajectory.png").mkdir()
    result = parley("run", "tiny.yaml", "--out", "r", "--seed", "5")
    assert result.exit_code == 2
    # the path the user knows, not the temporary file's
    assert result.stderr.startswith("parley: r/trajectory.png: Is a directory")
    assert ".tmp" not in result.stderr
    after = {name: (project / "r" / name).read_bytes() for name in before}
    assert after == before
    assert sorted(p.name for p in (project / "r").iterdir()) == [
        "record.json",
        "trajectory.csv",
        "trajectory.png",
    ]


def test_a_run_removes_a_previous_runs_implementation_table(project: Path) -> None:
    (project / "r").mkdir()
    (project / "r" / "implementation.csv").write_text("period,stale\n1,1\n")
    result = parley("run", "tiny.yaml", "--out", "r")
    assert result.exit_code == 0
    assert not (project / "r" / "implementation.csv").exists()
    assert (project / "r" / "record.json").exists()


# --- a misspelt experiment file suggests the file in the current folder ---------------------


@pytest.mark.parametrize(
    ("given", "message", "hint"),
    [
        ("ee.yaml", "ee.yaml: no such file", "did you mean 'e.yaml'?"),
        ("e", "e: no experiment file 'e'", "did you mean 'e.yaml'?"),
        ("veto-structur", "veto-structur: no experiment file", "did you mean 'veto-structure'?"),
    ],
)
def test_a_misspelt_experiment_file_suggests_the_closest(
    project: Path, given: str, message: str, hint: str
) -> None:
    (project / "e.yaml").write_text(EXPERIMENT)
    result = parley("sweep", given, "--out", "o")
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert hint in result.stderr
    assert not (project / "o").exists()


def test_a_scenario_under_another_suffix_is_suggested(project: Path) -> None:
    (project / "tiny.yaml").rename(project / "t.yml")
    result = parley("run", "t.yaml")
    assert result.exit_code == 2
    assert "did you mean 't.yml'?" in result.stderr


# --- characters that look like others: the hint names them ----------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "position: {land: 1.0}",
            "position: {l\u0430nd: 1.0}",
            "s.yaml:10: actors.a.position.l\u0430nd: unknown issue 'l\u0430nd'; did you mean "
            "'land'? (yours has U+0430, CYRILLIC SMALL LETTER A, as character 2)",
        ),
        (
            "war_cost: 0.05",
            "war\u200bcost: 0.05",
            "did you mean 'war_cost'? (yours has U+200B, ZERO WIDTH SPACE, as character 4)",
        ),
    ],
)
def test_a_look_alike_character_is_named_in_the_hint(
    project: Path, old: str, new: str, expected: str
) -> None:
    (project / "s.yaml").write_text(TINY.replace(old, new, 1), encoding="utf-8")
    result = parley("validate", "s.yaml")
    assert result.exit_code == 2
    assert expected in result.stderr


def test_a_plain_misspelling_gets_no_character_note(project: Path) -> None:
    (project / "s.yaml").write_text(TINY.replace("war_cost: 0.05", "war_cots: 0.05", 1))
    result = parley("validate", "s.yaml")
    assert "did you mean 'war_cost'?\n" in result.stderr
    assert "yours has" not in result.stderr


@pytest.mark.parametrize(
    ("indent", "named"), [("\t", "a tab"), ("\u00a0", "U+00A0, NO-BREAK SPACE")]
)
def test_a_syntax_error_names_an_indent_that_is_not_spaces(
    project: Path, indent: str, named: str
) -> None:
    (project / "s.yaml").write_text(TINY.replace("  a:\n", f"{indent} a:\n"), encoding="utf-8")
    result = parley("validate", "s.yaml")
    assert result.exit_code == 2
    assert "YAML syntax error" in result.stderr
    assert f"line 8 is indented with {named}; indent with plain spaces" in result.stderr


def test_a_utf16_file_is_told_to_be_saved_as_utf8(project: Path) -> None:
    (project / "s.yaml").write_bytes(TINY.encode("utf-16"))
    result = parley("run", "s.yaml")
    assert result.exit_code == 2
    assert "s.yaml: not UTF-8 text" in result.stderr
    assert "it starts like UTF-16 text: save it as UTF-8" in result.stderr


# --- a file of the other kind: one line saying so, not one per field -----------------------


@pytest.mark.parametrize("command", ["run", "show", "diff", "zopa", "forecast"])
def test_an_experiment_given_as_a_scenario_is_named_as_such(project: Path, command: str) -> None:
    (project / "e.yaml").write_text(EXPERIMENT)
    result = parley(command, "e.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "e.yaml:2: scenario: this is an experiment file (it has 'scenario:'), not a scenario; "
        "use parley sweep e.yaml\n"
    )


def test_a_base_scenario_that_is_an_experiment_is_named_as_such(project: Path) -> None:
    (project / "e.yaml").write_text(EXPERIMENT)
    (project / "v.yaml").write_text("name: v\nextends: e.yaml\n")
    result = parley("validate", "v.yaml")
    assert result.exit_code == 2
    assert "e.yaml:2: scenario: this is an experiment file" in result.stderr


def test_a_scenario_given_as_an_experiment_is_named_as_such(project: Path) -> None:
    result = parley("sweep", "tiny.yaml", "--out", "o")
    assert result.exit_code == 2
    assert result.stderr == (
        "tiny.yaml:2: issues: this is a scenario file (it has 'issues:'), not an experiment; "
        "use parley run tiny.yaml\n"
    )
    assert not (project / "o").exists()


# --- validate --strict: a refused field is reported once, not again for its evidence ---------


def test_strict_does_not_ask_evidence_for_a_refused_value(project: Path) -> None:
    (project / "s.yaml").write_text(TINY.replace("war_cost: 0.05", "war_cost: 5", 1))
    result = parley("validate", "--strict", "s.yaml")
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if "actors.a.war_cost" in line]
    assert lines == ["s.yaml:12: actors.a.war_cost: must be at most 1, not 5"]
    # the values that are fine still need their evidence
    assert "s.yaml:17: actors.b.war_cost: no evidence for this value (--strict)" in result.stderr


# --- parley diff: an actor only one side has shows what it sets, not "(absent) -> (absent)" --


def test_diff_of_a_renamed_actor_lists_no_absent_to_absent_change(project: Path) -> None:
    (project / "renamed.yaml").write_text(TINY.replace("  b:\n", "  c:\n"))
    result = parley("diff", "renamed.yaml", "tiny.yaml")
    assert result.exit_code == 0
    assert "(absent) -> (absent)" not in result.stdout
    assert "actors.c.war_cost: (absent) -> 0.05" in result.stdout
    assert "actors.b.war_cost: 0.05 -> (absent)" in result.stdout


def test_diff_of_a_list_field_against_a_missing_one(project: Path) -> None:
    ordered = TINY.replace("max_rounds: 10", "max_rounds: 10\n  kind: alternating\n  order: [a, b]")
    (project / "ordered.yaml").write_text(ordered)
    result = parley("diff", "ordered.yaml", "tiny.yaml")
    assert result.exit_code == 0
    assert "protocol.order: (absent) -> ['a', 'b']" in result.stdout


# --- commands writing an analysis and its figure: a folder in the way writes neither ---------


def test_compare_with_a_folder_in_the_way_writes_nothing(project: Path) -> None:
    (project / "e.yaml").write_text(EXPERIMENT)
    assert parley("sweep", "e.yaml", "--workers", "1", "--out", "res").exit_code == 0
    (project / "f" / "compare-terms.png").mkdir(parents=True)
    result = parley("compare", "res", "res", "--out", "f", "--resamples", "100")
    assert result.exit_code == 2
    assert "parley: f/compare-terms.png: Is a directory" in result.stderr
    assert sorted(p.name for p in (project / "f").iterdir()) == ["compare-terms.png"]


# --- text where a number belongs, in every numeric line of the equilibrium scenarios -------------

ROOT = Path(__file__).resolve().parents[1]
EQUILIBRIUM_SCENARIOS = ["breakdown-risk", "nash-split", "random-proposer", "rubinstein"]


def _numeric_lines(text: str) -> list[int]:
    """The lines ``key: NUMBER`` of a YAML text (0-based)."""
    import re

    return [
        i
        for i, line in enumerate(text.splitlines())
        if re.fullmatch(r"\s*[A-Za-z_]+: -?[0-9.]+(e-?[0-9]+)?\s*", line)
    ]


@pytest.mark.parametrize("name", EQUILIBRIUM_SCENARIOS)
def test_text_for_any_number_of_an_equilibrium_scenario_is_one_problem_not_a_crash(
    project: Path, name: str
) -> None:
    """The equilibrium check (impatience: discount, breakdown and refusal risks) used to do
    arithmetic on protocol.breakdown_probability before its own check had refused the text
    (a fuzz campaign's '|' and 'inf' in place of 0.0 and 0.1: a TypeError traceback)."""
    text = (ROOT / "scenarios" / "textbook" / f"{name}.yaml").read_text(encoding="utf-8")
    lines = _numeric_lines(text)
    assert any("breakdown_probability" in text.splitlines()[i] for i in lines)
    for index in lines:
        changed = text.splitlines()
        key = changed[index].split(":")[0]
        changed[index] = f"{key}: '|'"
        (project / "case.yaml").write_text("\n".join(changed) + "\n", encoding="utf-8")
        result = parley("validate", "case.yaml")
        assert result.exit_code == 2, (index, result.output)
        assert f"case.yaml:{index + 1}:" in result.stderr, (index, result.stderr)
        assert "got the text '|'" in result.stderr
