"""``parley sensitivity`` and ``parley discover`` on real sweeps, their figures and report sections.

The tiny two-actor scenario (conftest's ``tiny``) with its priors: the breakdown risk (0 to 0.2 per
round over 8 rounds) decides most deals, so it must rank first; bad input gets a message naming
the problem and the choices, exit status 2 and no traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from sim.analysis.discovery_results import discover, load_discovery
from sim.analysis.results import load_results
from sim.analysis.sensitivity import CHANCE
from sim.analysis.sensitivity_results import analyse, load_sensitivity
from sim.cli import main
from sim.experiment.loader import load_experiment
from sim.output.figures.discovery import discovery_plot
from sim.output.figures.sensitivity import sensitivity_plot
from sim.output.report import build_report
from sim.sweep.run import run_sweep

if TYPE_CHECKING:
    from conftest import Tiny

BREAKDOWN = "protocol.breakdown_probability"


ONE_INPUT_DECIDES = """\
name: one-input-decides
scenario: ./tiny.yaml
runs: 1500
seed: 3
design: sobol
uncertainty:
  protocol.breakdown_probability: {dist: uniform, low: 0.0, high: 0.5}
  actors.*.salience: {dist: dirichlet, concentration: 400}
  actors.west.discount: {dist: beta, concentration: 2000}
factors:
  actors.east.strategy.beta: [0.5, 2.0]
"""


@pytest.fixture(scope="module")
def sobol_results(tmp_path_factory: pytest.TempPathFactory, tiny_files: Tiny) -> Path:
    """A Sobol sweep built so that the breakdown risk alone decides most deals: the other
    inputs' priors are tight."""
    folder = tmp_path_factory.mktemp("sobol")
    tiny_files.scenario(folder)
    path = folder / "one-input-decides.yaml"
    path.write_text(ONE_INPUT_DECIDES, encoding="utf-8")
    run_sweep(load_experiment(path), folder / "out", workers=1)
    return folder / "out"


@pytest.fixture(scope="module")
def monte_carlo_results(tmp_path_factory: pytest.TempPathFactory, tiny_files: Tiny) -> Path:
    folder = tmp_path_factory.mktemp("mc")
    experiment = load_experiment(tiny_files.experiment(folder, runs=2000))
    run_sweep(experiment, folder / "out", workers=1)
    return folder / "out"


def test_sobol_ranks_the_deciding_input_first(sobol_results: Path) -> None:
    report = analyse(load_results(sobol_results), ["agreed", "round"])
    assert report.method == "sobol" and report.design == "sobol"
    assert [(a.cell, a.outcome) for a in report.analyses] == [
        (0, "agreed"), (0, "round"), (1, "agreed"), (1, "round"),
    ]  # fmt: skip
    assert any("Dirichlet" in note for note in report.notes)
    for analysis in report.analyses:
        table = analysis.table.set_index("factor")
        # The model's own draws (chance) matter too; among the inputs the breakdown risk leads.
        assert CHANCE in table.index
        table = table.drop(index=CHANCE)
        assert table.index[0] == BREAKDOWN, analysis.table
        rest = table.drop(index=BREAKDOWN)
        # Clearly first: its lower bound above every other input's upper bound.
        low = table.loc[BREAKDOWN, "ST"] - table.loc[BREAKDOWN, "ST_conf"]
        assert low > (rest["ST"] + rest["ST_conf"]).max()
        # The salience tables are one input each, not one per issue.
        assert "actors.east.salience" in table.index
        assert not any(name.startswith("actors.east.salience.") for name in table.index)


def test_pawn_on_a_monte_carlo_sweep(monte_carlo_results: Path) -> None:
    report = analyse(load_results(monte_carlo_results), ["agreed", "term.land"], cells=[1])
    assert report.method == "pawn"
    for analysis in report.analyses:
        assert analysis.cell == 1
        assert analysis.table["factor"].iloc[0] == BREAKDOWN or analysis.outcome == "term.land"
    land = report.analyses[1]
    assert any("undefined" in note for note in land.notes)  # no term without a deal


def test_cli_writes_tables_json_and_figure(sobol_results: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["sensitivity", str(sobol_results), "--outcome", "agreed", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "first-order" in result.output and BREAKDOWN in result.output
    saved = load_sensitivity(tmp_path)
    assert saved is not None and saved.analyses[0].table["factor"].iloc[0] == BREAKDOWN
    assert (tmp_path / "sensitivity.png").stat().st_size > 10_000


def test_figures_draw_every_analysis(sobol_results: Path) -> None:
    loaded = load_results(sobol_results)
    report = analyse(loaded, ["agreed"])
    figure = sensitivity_plot(report)
    for ax, analysis in zip(figure.axes, report.analyses, strict=True):
        bars = [a for a in ax.get_children() if a.get_gid() == "sensitivity-main"]
        # One bar per input, the longest on top, as long as its total index.
        widths = sorted(((bar.get_y(), bar.get_width()) for bar in bars), reverse=True)
        assert [w for _, w in widths] == pytest.approx(list(analysis.table["ST"]))
    found = discover(loaded, "agreed", cells=[0])
    figure = discovery_plot(found)
    chosen = [a for ax in figure.axes for a in ax.collections if a.get_gid() == "discovery-chosen"]
    assert len(chosen) == 1


def test_discover_finds_the_breakdown_risk(monte_carlo_results: Path) -> None:
    result = CliRunner().invoke(
        main, ["discover", str(monte_carlo_results), "--target", "agreed", "--cell", "0"]
    )
    assert result.exit_code == 0, result.output
    saved = load_discovery(monte_carlo_results)
    assert saved is not None
    box = saved.analyses[0].prim
    assert BREAKDOWN in box.limits.index  # low breakdown risk is where deals happen
    assert box.limits.loc[BREAKDOWN, "high"] < 0.2 and box.density > box.base_rate
    assert "'agreed' holds in" in result.output and "quasi-p" in result.output


def test_report_gains_the_sections_once_the_analyses_exist(monte_carlo_results: Path) -> None:
    loaded = load_results(monte_carlo_results)
    for name in ("sensitivity.json", "discovery.json"):
        (monte_carlo_results / name).unlink(missing_ok=True)
    assert 'id="sensitivity"' not in build_report(loaded)
    runner = CliRunner()
    assert runner.invoke(main, ["sensitivity", str(monte_carlo_results)]).exit_code == 0
    assert runner.invoke(
        main, ["discover", str(monte_carlo_results), "--target", "agreed and gain.east > 0"]
    ).exit_code == 0  # fmt: skip
    html = build_report(loaded)
    assert 'id="sensitivity"' in html and 'id="discovery"' in html
    assert 'href="#sensitivity"' in html and "agreed and gain.east &gt; 0" in html
    # An analysis of another sweep (a stale file) is left out.
    path = monte_carlo_results / "sensitivity.json"
    data = json.loads(path.read_text())
    data["sweep"] = "another@sweep"
    path.write_text(json.dumps(data))
    assert 'id="sensitivity"' not in build_report(loaded)


@pytest.mark.parametrize(
    ("arguments", "problem", "choices"),
    [
        (["sensitivity", "{mc}", "--outcome", "durabel"], "no outcome column 'durabel'", "available: agreed"),
        (["sensitivity", "{mc}", "--outcome", "gain.eas"], "did you mean 'gain.east'", "available:"),
        (["sensitivity", "{mc}", "--method", "sobol"], "needs a sweep with design: sobol", "--method pawn"),
        (["sensitivity", "{sobol}", "--method", "morris"], "design: sobol", "--method pawn"),
        (["discover", "{mc}", "--target", "agreed and (gain.east >"], "cannot parse the target", "e.g. 'agreed and"),
        (["discover", "{mc}", "--target", "agreed and gain.eas > 0"], "did you mean 'gain.east'", "outcome columns:"),
        (["discover", "{mc}", "--target", "round > 100"], "no world meets the target", "cell"),
        (["sensitivity", "{missing}"], "no such directory", "RESULTS"),
    ],
)  # fmt: skip
def test_bad_input_is_named_with_what_is_available(
    arguments: list[str],
    problem: str,
    choices: str,
    monte_carlo_results: Path,
    sobol_results: Path,
    tmp_path: Path,
) -> None:
    places = {"mc": monte_carlo_results, "sobol": sobol_results, "missing": tmp_path / "nothing"}
    result = CliRunner().invoke(main, [a.format(**places) for a in arguments])
    assert result.exit_code == 2, result.output
    assert problem in result.output and choices in result.output
    assert "Traceback" not in result.output


def test_the_readme_example_is_the_committed_analysis() -> None:
    from sim.analysis.sensitivity_results import format_sensitivity

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    saved = load_sensitivity(root / "results" / "showcase" / "baseline-sobol")
    assert saved is not None
    table = format_sensitivity(saved, top=5).splitlines()
    shown = [line for line in table if not line.startswith("  ...")]
    assert all(line in readme for line in shown if line), "rerun the README's sensitivity example"
    found = load_discovery(root / "results" / "showcase" / "baseline-sobol")
    assert found is not None and found.analyses[0].sentence in readme


def test_morris_screening_ranks_the_deciding_input_first(tmp_path: Path, tiny_files: Tiny) -> None:
    tiny_files.scenario(tmp_path)
    path = tmp_path / "one-input-decides.yaml"
    path.write_text(
        ONE_INPUT_DECIDES.replace("design: sobol", "design: morris").replace("1500", "500"),
        encoding="utf-8",
    )
    run_sweep(load_experiment(path), tmp_path / "out", workers=1)
    report = analyse(load_results(tmp_path / "out"), ["agreed"], cells=[0])
    assert report.method == "morris"
    table = report.analyses[0].table.set_index("factor")
    assert list(table.columns) == ["mu", "mu_star", "mu_star_conf", "sigma"]
    assert table.index[0] == BREAKDOWN
    # A higher breakdown risk only ever ends talks: its effects on agreement are negative.
    assert table.loc[BREAKDOWN, "mu"] < 0


def test_the_analyses_never_run_the_model(
    monte_carlo_results: Path, sobol_results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.core.model

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an analysis ran the model")

    monkeypatch.setattr(sim.core.model.NegotiationModel, "__init__", refuse)
    assert analyse(load_results(sobol_results), ["agreed"]).analyses
    assert analyse(load_results(monte_carlo_results), ["agreed"]).analyses
    assert discover(load_results(monte_carlo_results), "agreed", cells=[0]).analyses


def test_levers_join_the_uncertainties_when_cells_are_pooled(monte_carlo_results: Path) -> None:
    from sim.analysis.discovery_results import POOLED

    loaded = load_results(monte_carlo_results)
    found = discover(loaded, "agreed and round <= 4", levers=True)
    (pooled,) = found.analyses
    assert pooled.cell == POOLED and pooled.n_worlds == 4000
    # A quick deal needs East to concede early: the lever (East's exponent 2, not 0.5) is in the box.
    lever = "lever.actors.east.strategy.beta"
    assert lever in pooled.prim.limits.index
    assert pooled.prim.limits.loc[lever, "low"] > 0.5
    assert lever in pooled.sentence


@pytest.mark.parametrize(
    ("command", "module", "function", "target"),
    [
        ("sensitivity", "sim.analysis.sensitivity_results", "analyse", "sensitivity.json"),
        ("sensitivity", "sim.analysis.sensitivity_results", "analyse", "sensitivity.png"),
        ("discover", "sim.analysis.discovery_results", "discover", "discovery.json"),
        ("discover", "sim.analysis.discovery_results", "discover", "discovery.png"),
    ],
)
def test_an_output_path_that_is_a_folder_stops_before_the_analysis(
    command: str,
    module: str,
    function: str,
    target: str,
    monte_carlo_results: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis ran although its output cannot be written")

    monkeypatch.setattr(importlib.import_module(module), function, refuse)
    out = tmp_path / "out"
    (out / target).mkdir(parents=True)
    arguments = [command, str(monte_carlo_results), "--out", str(out)]
    if command == "discover":
        arguments += ["--target", "agreed"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    assert "folder, not a file" in result.output and target in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == [target]
