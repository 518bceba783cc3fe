"""sim.api: the notebook API gives the same numbers as the numpy path and the CLI's library calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.api as parley
from sim.analysis.compare import compare, pick_side
from sim.core.runner import run_batch
from sim.scenario.loader import load_scenario


def test_run_batch_is_the_numpy_columns_as_a_frame() -> None:
    frame = parley.run_batch("alaska-summit", 64, changes=["actors.russia.war_cost=0.12"])
    columns = run_batch(
        load_scenario("alaska-summit", ["actors.russia.war_cost=0.12"]), np.arange(64)
    )
    assert list(frame.columns) == list(columns) and len(frame) == 64
    for name, values in columns.items():
        np.testing.assert_array_equal(frame[name].to_numpy(), np.asarray(values))


def test_one_run_is_its_row_of_the_batch() -> None:
    one = parley.run("alaska-summit", world=3)
    row = parley.run_batch("alaska-summit", [3]).iloc[0]
    pd.testing.assert_series_equal(one.row, row)
    assert one.record["agreed"] == row["agreed"] and one.record["round"] == row["round"]
    assert len(one.trajectory) == row["round"]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> parley.Results:
    return parley.sweep("veto-structure", tmp_path_factory.mktemp("api"), runs=60, workers=1)


def test_results_frames(results: parley.Results) -> None:
    summary = results.summary()
    by_cell = results.runs.groupby("cell")["agreed"].mean()
    np.testing.assert_allclose(summary["p_agreement"].to_numpy(), by_cell.to_numpy(), rtol=1e-12)
    assert list(summary.index) == list(results.cells.index) == [0, 1, 2, 3]
    assert {"actors.ukraine.veto", "actors.nato.veto"} <= set(results.cells.columns)
    assert set(results.priors.index) == set(results.manifest["experiment"]["uncertainty"])
    assert "dist" in results.priors.columns
    assert (summary["ci_low"] <= summary["p_agreement"]).all()


def test_figures_one_call_each(results: parley.Results) -> None:
    assert results.figure("agreement").axes
    with pytest.raises(KeyError, match="no figure 'nonsense'"):
        results.figure("nonsense")


def test_comparison_frame_is_the_comparison(results: parley.Results) -> None:
    frame = parley.compare(results, results, cell_a=0, cell_b=1)
    expected = compare(pick_side(results.stored, 0, "A"), pick_side(results.stored, 1, "B"))
    assert frame.loc["P(agreement)", "difference"] == expected["agreement"]["difference"]
    assert frame.loc["P(agreement)", "ci_low"] == expected["agreement"]["ci95"][0]
    for issue, entry in expected["issues"].items():
        assert frame.loc[f"median {issue}", "b"] == entry["median_b"]


def test_load_reads_a_results_folder(results: parley.Results) -> None:
    again = parley.load(Path(results.stored.path))
    pd.testing.assert_frame_equal(again.runs, results.runs)
