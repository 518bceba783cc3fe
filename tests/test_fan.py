"""The fan chart over rounds (sim.analysis.fan, sim.output.figures.fan, parley plot --kind fan)
on a real sweep of the tiny scenario: what it draws is what rounds.parquet and runs.parquet say."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from figure_checks import assert_legible, by_gid, panels
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D

from sim.analysis.fan import MIN_OPEN_WORLDS, agreement_by_round, fan_data
from sim.analysis.results import Results, load_results
from sim.cli import main
from sim.experiment.loader import load_experiment
from sim.output.figures.registry import figures
from sim.output.palette import STATUS_QUO_COLOR, actor_colors
from sim.sweep.run import run_sweep

if TYPE_CHECKING:
    from conftest import Tiny

RUNS = 400


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, tiny_files: Tiny) -> Path:
    where = tmp_path_factory.mktemp("fan")
    out = where / "out"
    run_sweep(load_experiment(tiny_files.experiment(where, runs=RUNS)), out, workers=1)
    return out


@pytest.fixture(scope="module")
def results(folder: Path) -> Results:
    return load_results(folder)


def test_share_agreed_by_round_counts_the_records() -> None:
    runs = pd.DataFrame(
        {
            "cell": [0, 0, 0, 0, 1, 1],
            "agreed": [True, True, False, True, False, True],
            "round": [2, 3, 5, 3, 4, 1],
        }
    )
    table = agreement_by_round(runs, 5)
    zero = table[table["cell"] == 0].set_index("round")
    assert zero["agreed"].tolist() == [0, 1, 3, 3, 3]
    assert zero["share"].tolist() == [0.0, 0.25, 0.75, 0.75, 0.75]
    assert (zero["low"] <= zero["share"]).all() and (zero["share"] <= zero["high"]).all()
    assert table[table["cell"] == 1]["agreed"].tolist() == [1, 1, 1, 1, 1]


def test_fan_draws_the_stored_medians_and_the_share_agreed(results: Results) -> None:
    data = fan_data(results)
    figure = figures(results, kinds=["fan"])["fan"]
    axes = panels(figure)
    cells = results.cell_ids
    assert len(axes) == 4 * len(cells)
    colors = actor_colors(results.actors)
    rounds = pd.read_parquet(results.path / "rounds.parquet")
    for row, cell in enumerate(cells):
        threshold_ax, reservation_ax, status_quo_ax, agreed_ax = axes[4 * row : 4 * row + 4]
        for actor in results.actors:
            for ax, quantity in (
                (threshold_ax, f"threshold.{actor}"),
                (reservation_ax, f"reservation.{actor}"),
            ):
                (line,) = by_gid(ax, f"median:{quantity}:{cell}")
                assert isinstance(line, Line2D)
                stored = rounds[(rounds["cell"] == cell) & (rounds["quantity"] == quantity)]
                stored = stored[stored["n"] >= MIN_OPEN_WORLDS].sort_values("round")
                np.testing.assert_allclose(line.get_xdata(), stored["round"])
                np.testing.assert_allclose(line.get_ydata(), stored["q50"])
                assert to_hex(line.get_color()) == colors[actor].lower()  # colour = actor
        for issue in results.issues:
            (line,) = by_gid(status_quo_ax, f"median:status_quo.{issue}:{cell}")
            assert to_hex(line.get_color()) == STATUS_QUO_COLOR.lower()  # not an actor colour
        (step,) = by_gid(agreed_ax, f"agreed:{cell}")
        cell_runs = results.runs[results.runs["cell"] == cell]
        final_share = float(cell_runs["agreed"].mean())
        assert step.get_ydata()[-1] == pytest.approx(final_share)
        expected = data.agreed[data.agreed["cell"] == cell]["share"].to_numpy()
        np.testing.assert_allclose(step.get_ydata(), expected)
    # the status quo's issues are named at their lines, the two tiny issues apart
    labels = [a.get_text() for a in axes[2].texts]
    assert sorted(", ".join(labels).split(", ")) == sorted(results.issues)
    for ax in axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert all(float(t).is_integer() for t in ticks), ticks
    title = " ".join(figure.get_suptitle().split())
    assert title.startswith(f"{results.name} [tiny]: ") and f"N = {2 * RUNS} worlds" in title
    assert_legible(figure)


def test_overlapping_status_quo_lines_share_one_label() -> None:
    from sim.output.figures.base import spread_labels

    placed = spread_labels([(0.0, "b"), (0.001, "a"), (0.3, "c"), (0.31, "d"), (0.8, "e")], 0.08)
    assert [text for _, text in placed] == ["b, a", "c, d", "e"]
    assert [y for y, _ in placed] == [0.0, 0.3, 0.8]
    pushed = spread_labels([(0.0, "a"), (0.05, "b"), (0.1, "c")], 0.08)
    ys = [y for y, _ in pushed]
    assert ys == pytest.approx([0.0, 0.08, 0.16])


def test_plot_kind_fan_writes_only_the_fan(folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["plot", str(folder), "--kind", "fan", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["fan.png"]
    assert (tmp_path / "fan.png").read_bytes()[:4] == b"\x89PNG"


def test_plot_kind_fan_without_rounds_file_says_why(folder: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    for name in ("runs.parquet", "manifest.json"):
        (old / name).write_bytes((folder / name).read_bytes())
    result = CliRunner().invoke(main, ["plot", str(old), "--kind", "fan"])
    assert result.exit_code == 2
    assert "no rounds.parquet" in result.output and "Traceback" not in result.output
    unknown = CliRunner().invoke(main, ["plot", str(folder), "--kind", "fans"])
    assert unknown.exit_code == 2 and "'fan'" in unknown.output


def test_the_report_shows_the_fan_chart_of_a_sweep(results: Results) -> None:
    from sim.output.report import build_report

    html = build_report(results, dpi=30)
    assert 'id="figure-fan"' in html and "50% and 90%" in html


def test_a_damaged_rounds_file_is_bad_input(folder: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ("runs.parquet", "manifest.json"):
        (damaged / name).write_bytes((folder / name).read_bytes())
    (damaged / "rounds.parquet").write_bytes(b"PAR1 not really")
    for command in (["plot", str(damaged)], ["report", str(damaged)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, result.output
        assert "rounds.parquet: cannot read parquet" in result.output


@pytest.mark.parametrize(
    ("command", "module", "plot"),
    [
        (["sensitivity", "--method", "pawn"], "sim.output.figures.sensitivity", "sensitivity_plot"),
        (["discover", "--target", "agreed"], "sim.output.figures.discovery", "discovery_plot"),
    ],
)
def test_analysis_figures_are_titled_with_every_scenario(
    folder: Path,
    results: Results,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    module: str,
    plot: str,
) -> None:
    import importlib

    target = importlib.import_module(module)
    drawn: list[str] = []
    original = getattr(target, plot)

    def spy(report: object, **kwargs: object) -> object:
        drawn.append(str(report.name))  # type: ignore[attr-defined]
        return original(report, **kwargs)

    monkeypatch.setattr(target, plot, spy)
    name, *options = command
    outcome = CliRunner().invoke(main, [name, str(folder), *options, "--out", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    assert drawn == [results.title] and results.title == f"{results.name} [tiny]"


def test_a_rounds_file_of_another_sweep_is_refused(
    folder: Path, tmp_path: Path, tiny_files: Tiny
) -> None:
    other = tmp_path / "other"
    run_sweep(load_experiment(tiny_files.experiment(tmp_path, runs=50)), other, workers=1)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for name in ("runs.parquet", "manifest.json"):
        (mixed / name).write_bytes((folder / name).read_bytes())
    (mixed / "rounds.parquet").write_bytes((other / "rounds.parquet").read_bytes())
    result = CliRunner().invoke(main, ["plot", str(mixed), "--kind", "fan"])
    assert result.exit_code == 2
    assert "made by another sweep" in result.output


def test_a_sweep_of_many_cells_draws_the_first_rows_and_says_so(
    results: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.output.figures.fan as fan

    monkeypatch.setattr(fan, "MAX_FAN_CELLS", 1)
    figure = figures(results, kinds=["fan"])["fan"]
    assert len(panels(figure)) == 4
    assert "first 1 of 2 cells" in " ".join(figure.get_suptitle().split())
