"""``parley forecast``: the side-by-side table, its JSON and figure, and bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from pies import pie

from sim.analysis.zopa.zone import zone_of_agreement
from sim.cli.forecast import command
from sim.core.runner import run_batch
from sim.forecast.table import SIMULATION, forecast_table
from sim.output.figures.forecast import forecast_figure
from sim.scenario.loader import load_scenario

MODELS = [
    "compromise",
    "weighted-median",
    "nash",
    "kalai-smorodinsky",
    "expected-utility",
    "mediated",
]


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(command, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture(scope="module")
def table_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("forecast")
    result = run("alaska-summit", "--runs", "200", "--json", "--out", out)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert Path(payload["figure"]).read_bytes()[:4] == b"\x89PNG"
    return payload


def test_json_has_the_simulation_and_every_model(table_json: dict) -> None:
    assert [row["model"] for row in table_json["rows"]] == [SIMULATION, *MODELS]
    assert table_json["runs"] == 200
    for row in table_json["rows"]:
        assert set(row["terms"]) == set(table_json["issues"])
        assert set(row["utilities"]) == set(table_json["actors"])


def test_simulation_row_is_the_median_agreed_term_of_the_same_worlds(table_json: dict) -> None:
    scenario = load_scenario("alaska-summit")
    columns = run_batch(scenario, np.arange(200))
    row = next(r for r in table_json["rows"] if r["model"] == SIMULATION)
    assert row["agreed"] == pytest.approx(columns["agreed"].mean())
    for issue in table_json["issues"]:
        agreed = columns[f"term.{issue}"][columns["agreed"]]
        assert row["terms"][issue] == pytest.approx(np.median(agreed), abs=1e-12)
        assert row["band"][issue] == pytest.approx(np.percentile(agreed, [5, 95]), abs=1e-12)


def test_nash_and_ks_rows_are_the_zone_of_agreements_points(table_json: dict) -> None:
    """One implementation: ``parley zopa`` and the forecast find the same packages."""
    zone = zone_of_agreement(load_scenario("alaska-summit"), samples=2000)
    assert zone.nash is not None and zone.kalai_smorodinsky is not None
    for name, point in (("nash", zone.nash), ("kalai-smorodinsky", zone.kalai_smorodinsky)):
        row = next(r for r in table_json["rows"] if r["model"] == name)
        for issue, value in point.terms.items():
            assert row["terms"][issue] == pytest.approx(value, abs=1e-5)


def test_verdicts_agree_with_the_utilities(table_json: dict) -> None:
    for row in table_json["rows"]:
        if any(value is None for value in row["utilities"].values()):
            # A model that forecasts no deal in any world has no package and so no verdict.
            assert row["beats_no_deal"] is None
            continue
        beats = all(
            row["utilities"][a] >= table_json["reservation"][a] - 1e-9
            for a in table_json["veto_players"]
        )
        assert row["beats_no_deal"] is beats


def test_text_table_has_a_block_per_issue(tmp_path: Path) -> None:
    result = run("alaska-summit", "--runs", "50", "--model", "nash", "--out", tmp_path)
    assert result.exit_code == 0
    scenario = load_scenario("alaska-summit")
    for issue in scenario.issues:
        assert f"\n{issue}  (0: {scenario.issues[issue].low}" in result.stdout
    assert "beats every veto player's no deal?" in result.stdout
    assert "expected-utility" not in result.stdout
    assert (tmp_path / "forecast.png").exists()


def test_a_model_that_cannot_run_gets_a_note() -> None:
    scenario = pie(
        {"reservation": 0.0, "discount": 0.9, "strategy": {"kind": "equilibrium"}},
        {"reservation": 0.0, "discount": 0.9, "strategy": {"kind": "equilibrium"}},
        {"kind": "alternating", "order": ["a", "b"]},
    )
    table = forecast_table(scenario, runs=5, names=["mediated", "nash"])
    mediated = table.row("mediated")
    assert "equilibrium strategy needs a proposer protocol" in mediated.note
    assert all(math.isnan(v) for v in mediated.terms.values())
    assert table.row("nash").terms["share"] == pytest.approx(0.5, abs=1e-6)
    # Rubinstein with equal discounts: the first proposer gets 1 / (1 + 0.9)
    assert table.row(SIMULATION).terms["share"] == pytest.approx(1 / 1.9, abs=1e-6)


def test_figure_has_a_panel_per_issue() -> None:
    scenario = load_scenario("alaska-summit")
    table = forecast_table(scenario, runs=20, names=["compromise", "nash"])
    figure = forecast_figure(table, scenario)
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert len(panels) == len(scenario.issues)
    labels = [t.get_text() for t in panels[0].get_yticklabels()]
    assert labels == ["nash", "compromise", SIMULATION, "ideal points"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--model", "nsh"], "Error: --model: unknown forecasting model 'nsh'"),
        (["--set", "protocol.quota=9"], "protocol.quota: quota 9 is larger than the number of actors (4)"),
        (
            ["--set", "protocol.kind=mediated", "--set", "protocol.mediator=putin"],
            "protocol.mediator: unknown actor 'putin'",
        ),
        (["--runs", "0"], "Invalid value for '--runs'"),
    ],
)  # fmt: skip
def test_bad_input_exits_two_without_a_traceback(args: list[str], expected: str) -> None:
    result = run("alaska-summit", *args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_the_readme_shows_the_real_forecast(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ parley forecast alaska-summit\n", 1)[1].split("```", 1)[0]
    shown = block.rstrip("\n").splitlines()
    result = run("alaska-summit", "--out", tmp_path)
    assert result.exit_code == 0
    actual = result.stdout.rstrip("\n").splitlines()
    assert actual[:-1] == shown[:-1]  # all but where the figure went
    assert shown[-1].startswith("Figure: ") and actual[-1].startswith("Figure: ")


def test_given_weights_reach_the_nash_row(tmp_path: Path) -> None:
    args = ["alaska-summit", "--runs", "5", "--model", "nash", "--json", "--out", tmp_path]
    uniform = json.loads(run(*args, "--weights", "uniform").stdout)
    given = json.loads(run(*args, "--weights", "russia=1,us=1,ukraine=1,nato=1").stdout)
    assert given["options"]["weights"] == {"russia": 1.0, "us": 1.0, "ukraine": 1.0, "nato": 1.0}
    assert given["rows"][1]["terms"] == pytest.approx(uniform["rows"][1]["terms"], abs=1e-9)
    bad = run("alaska-summit", "--weights", "russia=1,us=1,ukrain=1,nato=1")
    assert bad.exit_code == 2
    assert "--weights: bargaining weight for 'ukrain'" in bad.stderr
    assert "did you mean 'ukraine'?" in bad.stderr
    assert run("alaska-summit", "--weights", "russia").exit_code == 2
