"""Sweeps with a design (latin, sobol, morris): the same promises as Monte Carlo sweeps.

The results file is identical byte for byte whatever the chunk size, the number of workers or the
backend; a Sobol sweep killed with SIGKILL and resumed equals an uninterrupted one; replaying a
world gives its row.  The tiny scenario and experiment are conftest's ``tiny``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from killing import kill_after_parts

import sim.sweep.parts
from sim.cli import main
from sim.core.records import record_from_columns
from sim.experiment.designs import rows_per_block
from sim.experiment.loader import load_experiment
from sim.experiment.quantiles import factors_of
from sim.experiment.spec import Experiment
from sim.sweep.run import run_sweep

if TYPE_CHECKING:
    from conftest import Tiny

RUNS = 320  # 40 Saltelli blocks of G + 2 = 8 worlds (six factors), 46 Morris trajectories


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.sweep.parts, "ROW_GROUP_SIZE", 128)


@pytest.fixture(scope="module", params=["latin", "sobol", "morris"])
def designed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tiny_files: Tiny
) -> tuple[Experiment, Path]:
    """An experiment with a design, and its uninterrupted one-chunk sweep."""
    folder = tmp_path_factory.mktemp(request.param)
    experiment = load_experiment(tiny_files.experiment(folder, RUNS, design=request.param))
    out = folder / "reference"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sim.sweep.parts, "ROW_GROUP_SIZE", 128)
        run_sweep(experiment, out, workers=1, chunk_size=RUNS)
    return experiment, out


def test_chunks_workers_and_backends_do_not_change_a_byte(
    designed: tuple[Experiment, Path], tmp_path: Path
) -> None:
    experiment, reference = designed
    run_sweep(experiment, tmp_path / "chunks", workers=1, chunk_size=37)
    assert (tmp_path / "chunks" / "runs.parquet").read_bytes() == (
        reference / "runs.parquet"
    ).read_bytes()
    run_sweep(experiment, tmp_path / "pool", workers=2, chunk_size=100)
    assert (tmp_path / "pool" / "runs.parquet").read_bytes() == (
        reference / "runs.parquet"
    ).read_bytes()
    run_sweep(experiment, tmp_path / "dask", workers=2, backend="dask", chunk_size=160)
    assert (tmp_path / "dask" / "runs.parquet").read_bytes() == (
        reference / "runs.parquet"
    ).read_bytes()


def test_the_design_is_recorded_and_shapes_the_parameters(
    designed: tuple[Experiment, Path],
) -> None:
    experiment, reference = designed
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["experiment"]["design"] == experiment.design
    frame = pq.read_table(reference / "runs.parquet").to_pandas()
    cell = frame[frame["cell"] == 0].reset_index(drop=True)
    other = frame[frame["cell"] == 1].reset_index(drop=True)
    params = [c for c in frame.columns if c.startswith("param.")]
    # Common random numbers: both cells see the same designed worlds.
    assert cell[params].equals(other[params])
    war_cost = cell["param.actors.east.war_cost"].to_numpy()
    if experiment.design == "latin":
        strata = np.floor(war_cost / 0.2 * RUNS)
        np.testing.assert_array_equal(np.sort(strata), np.arange(RUNS))
    elif experiment.design == "sobol":
        factors = factors_of(experiment.cells[0].parameters)
        step = rows_per_block("sobol", len(factors))
        assert [f.name for f in factors][0] == "actors.east.war_cost"
        # Row 1 of a block is row 0 with the first factor (east's war cost) from row G + 1.
        block = cell[params].iloc[:step].to_numpy()
        changed = np.flatnonzero(block[1] != block[0])
        assert [params[i] for i in changed] == ["param.actors.east.war_cost"]
        assert block[1][changed[0]] == block[step - 1][changed[0]]
    else:
        factors = factors_of(experiment.cells[0].parameters)
        step = rows_per_block("morris", len(factors))
        # Each step of a trajectory moves exactly one factor (a salience table as a whole).
        for row in range(1, step):
            moved = {
                params[i].removeprefix("param.").rsplit(".", 1)[0]
                if "salience" in params[i]
                else params[i].removeprefix("param.")
                for i in np.flatnonzero(
                    cell[params].iloc[row].to_numpy() != cell[params].iloc[row - 1].to_numpy()
                )
            }
            assert len(moved) == 1, moved


def test_replay_gives_the_designed_row(designed: tuple[Experiment, Path]) -> None:
    experiment, reference = designed
    frame = pq.read_table(reference / "runs.parquet").to_pandas()
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    for cell, world in ((0, 0), (1, 9), (0, RUNS - 1)):
        result = CliRunner().invoke(
            main, ["replay", str(reference), "--world", str(world), "--cell", str(cell), "--json"]
        )
        assert result.exit_code == 0, result.output
        index = int(np.flatnonzero((frame["cell"] == cell) & (frame["world"] == world))[0])
        assert json.loads(result.output) == json.loads(
            json.dumps(record_from_columns(columns, index))
        )


def test_sobol_sweep_resumed_after_kill_9_equals_an_uninterrupted_one(
    tmp_path: Path, tiny_files: Tiny
) -> None:
    path = tiny_files.experiment(tmp_path, 160, design="sobol")
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "sim", "sweep", str(path), "--workers", "1",
        "--chunk-size", "20", "--out", str(out), "--json",
    ]  # fmt: skip
    finished_parts = kill_after_parts(command, out / "parts", 3)
    assert 3 <= finished_parts < 16
    refused = CliRunner().invoke(main, [*command[3:], "--resume", "--design", "monte-carlo"])
    assert refused.exit_code == 2 and "design sobol vs monte-carlo" in refused.output
    experiment = load_experiment(path)
    result = run_sweep(experiment, out, workers=1, resume=True)
    assert result.chunks_run == 16 - finished_parts
    uninterrupted = tmp_path / "uninterrupted"
    run_sweep(experiment, uninterrupted, workers=1, chunk_size=160)
    assert (out / "runs.parquet").read_bytes() == (uninterrupted / "runs.parquet").read_bytes()


def test_an_unknown_design_is_named_with_the_choices(tmp_path: Path, tiny_files: Tiny) -> None:
    path = tiny_files.experiment(tmp_path, RUNS, design="sobolx")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "design" in result.output and "sobol" in result.output
    assert "Traceback" not in result.output
