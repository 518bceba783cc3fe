"""Variants keep their meaning: strict evidence for changed numbers, priors and factors that
would overwrite a variant's own value are refused (issue 15's traps)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.experiment.loader import load_experiment
from sim.scenario.loader import load_resolved

VARIANT = """\
name: my-variant
extends: alaska-summit
actors:
  russia:
    war_cost: 0.10
    strategy: {beta: 0.6}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_strict_fails_a_variant_that_changes_numbers_without_its_own_evidence(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "my-variant.yaml", VARIANT)
    load_resolved(str(path))  # valid without --strict
    with pytest.raises(InputError) as caught:
        load_resolved(str(path), strict=True)
    fields = {problem.field: problem for problem in caught.value.problems}
    assert set(fields) == {"actors.russia.war_cost", "actors.russia.strategy.beta"}
    problem = fields["actors.russia.war_cost"]
    assert problem.file.endswith("my-variant.yaml") and problem.line == 5
    assert "alaska-summit.yaml" in problem.message
    assert "changes the value" in problem.message


def test_strict_accepts_a_variant_with_evidence_for_what_it_changes(tmp_path: Path) -> None:
    text = VARIANT + textwrap.indent(
        textwrap.dedent("""\
        evidence:
          war_cost: "A judgement: a costlier war."
          strategy.beta: "A judgement: a less stubborn Kremlin."
        """),
        "    ",
    )
    path = _write(tmp_path, "my-variant.yaml", text)
    scenario = load_resolved(str(path), strict=True).scenario
    assert scenario.actors["russia"].war_cost == pytest.approx(0.10)


def _experiment(folder: Path, uncertainty: str, factors: str = "") -> Path:
    _write(folder, "my-variant.yaml", VARIANT)
    text = (
        "name: trap\nscenario: [alaska-summit, ./my-variant.yaml]\nruns: 10\nseed: 1\n"
        f"uncertainty:\n  {uncertainty}\n"
    )
    if factors:
        text += f"factors:\n  {factors}\n"
    return _write(folder, "trap.yaml", text)


@pytest.mark.parametrize(
    "prior",
    [
        "{dist: uniform, low: 0.02, high: 0.12}",
        "{dist: triangular, low: 0.02, mode: 0.06, high: 0.12}",
        "{dist: normal, mean: 0.06, sd: 0.02}",
        "{dist: choice, values: [0.05, 0.1]}",
    ],
)
def test_an_absolute_prior_on_a_field_a_variant_changes_is_refused(
    tmp_path: Path, prior: str
) -> None:
    path = _experiment(tmp_path, f"actors.russia.war_cost: {prior}")
    with pytest.raises(InputError) as caught:
        load_experiment(path)
    (problem,) = caught.value.problems
    assert problem.field == "uncertainty.actors.russia.war_cost"
    assert "alaska-summit (0.06)" in problem.message
    assert "my-variant (0.1)" in problem.message
    assert problem.hint is not None and "centred" in problem.hint


def test_a_centred_prior_keeps_each_variants_own_value(tmp_path: Path) -> None:
    path = _experiment(tmp_path, "actors.*.war_cost: {dist: normal, sd: 0.01}")
    experiment = load_experiment(path)
    from sim.experiment.sampling import sample

    means = []
    for cell in experiment.cells:
        values = sample(cell.parameters, 1, np.arange(2000))
        means.append(float(values["actors.russia.war_cost"].mean()))
    assert means[0] == pytest.approx(0.06, abs=0.002)
    assert means[1] == pytest.approx(0.10, abs=0.002)


def test_a_prior_on_a_field_every_scenario_shares_is_accepted(tmp_path: Path) -> None:
    path = _experiment(tmp_path, "actors.us.war_cost: {dist: uniform, low: 0.01, high: 0.1}")
    assert len(load_experiment(path).cells) == 2


def test_a_factor_on_a_field_a_variant_changes_is_refused(tmp_path: Path) -> None:
    path = _experiment(
        tmp_path,
        "actors.us.war_cost: {dist: normal, sd: 0.01}",
        "actors.russia.strategy.beta: [0.3, 0.9]",
    )
    with pytest.raises(InputError) as caught:
        load_experiment(path)
    (problem,) = caught.value.problems
    assert problem.field == "factors.actors.russia.strategy.beta"
    assert "alaska-summit (0.4)" in problem.message and "my-variant (0.6)" in problem.message


def test_diff_prints_both_values_and_both_evidence_texts(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sim.cli import main

    text = VARIANT + '    evidence: {war_cost: "A judgement: a costlier war."}\n'
    path = _write(tmp_path, "my-variant.yaml", text)
    outcome = CliRunner().invoke(main, ["diff", str(path)])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    assert lines[0] == "my-variant against alaska-summit: 2 changes"
    at = lines.index("actors.russia.war_cost: 0.06 -> 0.1")
    assert lines[at + 1].startswith("  alaska-summit: ") and "0.06" in lines[at + 1]
    assert lines[at + 2] == "  my-variant: A judgement: a costlier war."
    beta = lines.index("actors.russia.strategy.beta: 0.4 -> 0.6")
    assert "the base's evidence, not updated" in lines[beta + 2]


def test_diff_against_a_named_base_and_errors(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sim.cli import main

    same = CliRunner().invoke(main, ["diff", "alaska-summit", "alaska-summit"])
    assert same.exit_code == 0 and "sets nothing differently" in same.output
    alone = CliRunner().invoke(main, ["diff", "alaska-summit"])
    assert alone.exit_code == 2 and "extends no scenario" in alone.output
    missing = CliRunner().invoke(main, ["diff", "alaska-sumit"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
