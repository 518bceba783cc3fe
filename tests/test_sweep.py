"""Monte Carlo sweeps (sim.sweep, parley sweep / replay) on the real model with a tiny scenario.

The central promise: the results file is identical, byte for byte, whatever the chunk size, the
number of workers, the backend, or an interruption and resume.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from killing import kill_after_parts

import sim.sweep.parts
from sim.cli import main
from sim.core.newton_kernel import engine
from sim.errors import SweepError, SweepInterrupted
from sim.experiment.loader import load_experiment
from sim.experiment.sampling import sample
from sim.experiment.spec import Experiment
from sim.sweep.chunks import ChunkDone, plan_chunks
from sim.sweep.parts import merge_parts
from sim.sweep.run import run_sweep

if TYPE_CHECKING:
    from conftest import Tiny

RUNS = 600


@pytest.fixture(scope="module")
def experiment_path(tmp_path_factory: pytest.TempPathFactory, tiny_files: Tiny) -> Path:
    return tiny_files.experiment(tmp_path_factory.mktemp("experiment"), runs=RUNS)


@pytest.fixture(scope="module")
def experiment(experiment_path: Path) -> Experiment:
    return load_experiment(experiment_path)


@pytest.fixture(scope="module")
def reference(experiment: Experiment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The uninterrupted in-process sweep every other run is compared with."""
    out = tmp_path_factory.mktemp("reference")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            sim.sweep.parts, "ROW_GROUP_SIZE", 256
        )  # several row groups even in a small file
        run_sweep(experiment, out, workers=1, chunk_size=RUNS)
    return out


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.sweep.parts, "ROW_GROUP_SIZE", 256)


def assert_same_files(folder: Path, other: Path) -> None:
    """Both results files are identical byte for byte: the records and the round aggregates."""
    for name in ("runs.parquet", "rounds.parquet"):
        assert (folder / name).read_bytes() == (other / name).read_bytes(), name


# --- what a sweep writes ----------------------------------------------------------------------


def test_rows_are_every_world_of_every_cell_in_order(
    reference: Path, experiment: Experiment
) -> None:
    table = pq.read_table(reference / "runs.parquet")
    assert table.num_rows == 2 * RUNS
    assert pq.ParquetFile(reference / "runs.parquet").metadata.num_row_groups == 5
    frame = table.to_pandas()
    expected = pd.MultiIndex.from_product([range(2), range(RUNS)])
    assert list(zip(frame["cell"], frame["world"], strict=True)) == list(expected)
    assert list(frame.columns[:3]) == ["cell", "scenario", "world"]
    assert set(frame["scenario"]) == {"tiny"}
    for column in ("agreed", "end_reason", "round", "term.land", "gain.east", "seed"):
        assert column in frame.columns
    assert set(frame["end_reason"]) <= {"agreement", "breakdown", "deadline"}
    assert frame["agreed"].any() and not frame["agreed"].all()
    assert (frame["end_reason"] == "agreement").equals(frame["agreed"])


def test_param_columns_are_the_sampled_values_shared_by_the_cells(
    reference: Path, experiment: Experiment
) -> None:
    frame = pq.read_table(reference / "runs.parquet").to_pandas()
    worlds = np.arange(RUNS)
    sampled = sample(experiment.cells[0].parameters, experiment.seed, worlds)
    for cell in (0, 1):
        rows = frame[frame["cell"] == cell]
        np.testing.assert_array_equal(
            rows["param.actors.east.war_cost"], sampled["actors.east.war_cost"]
        )
        np.testing.assert_array_equal(
            rows["param.actors.west.salience.money"], sampled["actors.west.salience"][:, 1]
        )
    # The factor changes the outcome (otherwise this experiment would test nothing).
    first, second = (frame[frame["cell"] == c]["agreed"].to_numpy() for c in (0, 1))
    assert not np.array_equal(first, second)


def test_manifest_records_what_ran(reference: Path, experiment: Experiment) -> None:
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 7 and manifest["n_worlds"] == 2 * RUNS
    assert manifest["experiment"]["name"] == "tiny-sweep"
    assert manifest["experiment"]["scenario_paths"]["tiny"].endswith("tiny.yaml")
    assert set(manifest["scenarios"]) == {"tiny"}
    assert [c["factors"] for c in manifest["cells"]] == [
        {"actors.east.strategy.beta": 0.5},
        {"actors.east.strategy.beta": 2.0},
    ]
    assert all(len(c["scenario_hash"]) == 64 for c in manifest["cells"])
    assert manifest["timings"]["seconds"] >= 0
    for key in ("parley_version", "git_commit", "platform", "python", "numpy", "chunk_size"):
        assert key in manifest
    # every dependency whose version can change the results, as installed
    from importlib.metadata import version

    for package in ("numpy", "scipy", "pandas", "pyarrow", "mesa", "numba"):
        assert manifest[package] == version(package)
    assert manifest["engine"] == engine()  # the quadratic dual's Newton (PARLEY_ENGINE)
    # no folder of the machine that made it
    text = (reference / "manifest.json").read_text()
    assert str(Path.home()) not in text and str(Path.cwd()) not in text
    assert not (reference / "parts").exists()


# --- the same results whatever the chunking, workers or backend ----------------------------------


def test_chunk_size_does_not_change_a_byte(
    experiment: Experiment, reference: Path, tmp_path: Path
) -> None:
    run_sweep(experiment, tmp_path, workers=1, chunk_size=97)
    assert_same_files(tmp_path, reference)


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_process_pool_gives_the_same_file(
    experiment: Experiment,
    reference: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    start_method: str,
) -> None:
    monkeypatch.setenv("PARLEY_START_METHOD", start_method)
    result = run_sweep(experiment, tmp_path, workers=2, chunk_size=150)
    assert result.chunks_run == 8
    assert_same_files(tmp_path, reference)


def test_dask_gives_the_same_file(experiment: Experiment, reference: Path, tmp_path: Path) -> None:
    run_sweep(experiment, tmp_path, workers=2, backend="dask", chunk_size=200)
    assert_same_files(tmp_path, reference)


# --- interruption and resume ---------------------------------------------------------------------


def test_resume_after_kill_9_equals_an_uninterrupted_run(tmp_path: Path, tiny_files: Tiny) -> None:
    path = tiny_files.experiment(tmp_path, runs=120)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(path),
        "--workers",
        "1",
        "--chunk-size",
        "20",
        "--out",
        str(out),
        "--json",
    ]
    finished_parts = kill_after_parts(command, out / "parts", 3)
    assert 3 <= finished_parts < 12
    assert not (out / "runs.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    experiment = load_experiment(path)
    with pytest.raises(SweepError, match="--resume"):
        run_sweep(experiment, out, workers=1)
    ran: list[int] = []
    result = run_sweep(experiment, out, workers=1, resume=True, on_chunk=lambda d: ran.append(1))
    assert result.chunks_run == len(ran) == 12 - finished_parts
    uninterrupted = tmp_path / "uninterrupted"
    run_sweep(experiment, uninterrupted, workers=1, chunk_size=120)
    assert_same_files(out, uninterrupted)


def test_resume_refuses_a_different_experiment(experiment: Experiment, tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = experiment.with_runs(100)
    run_sweep(small, out, workers=1, chunk_size=50)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SweepError, match="different experiment.*runs 100 vs 600"):
        run_sweep(experiment, out, workers=1, resume=True)
    with pytest.raises(SweepError, match="chunk-size 50"):
        run_sweep(small, out, workers=1, resume=True, chunk_size=20)
    with pytest.raises(SweepError, match="nothing to resume"):
        run_sweep(small, tmp_path / "empty", resume=True)


def test_a_simulated_crash_resumes_to_the_same_file(
    experiment: Experiment, reference: Path, tmp_path: Path
) -> None:
    def crash_after_three(done: ChunkDone) -> None:
        if done.chunk.index == 2 and done.chunk.cell == 1:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted):
        run_sweep(experiment, tmp_path, workers=1, chunk_size=100, on_chunk=crash_after_three)
    assert len(list((tmp_path / "parts").glob("cell*.arrows"))) == 9
    result = run_sweep(experiment, tmp_path, workers=1, resume=True)
    assert result.chunks_run == 3
    assert_same_files(tmp_path, reference)
    again = run_sweep(experiment, tmp_path, workers=1, resume=True)
    assert again.chunks_run == 0
    assert not (tmp_path / "parts").exists()


# --- pieces ---------------------------------------------------------------------------------------


def test_plan_chunks_covers_each_cell_once() -> None:
    chunks = plan_chunks(2, 10, 4)
    assert [(c.cell, c.start, c.stop) for c in chunks] == [
        (0, 0, 4),
        (0, 4, 8),
        (0, 8, 10),
        (1, 0, 4),
        (1, 4, 8),
        (1, 8, 10),
    ]
    assert len({c.file_name for c in chunks}) == 6


def test_merge_fills_columns_missing_from_some_parts(tmp_path: Path) -> None:
    import pyarrow as pa

    first = tmp_path / "a.arrows"
    second = tmp_path / "b.arrows"
    for path, table in (
        (first, pa.table({"cell": [0], "world": [0], "gain.east": [0.5]})),
        (second, pa.table({"cell": [1], "world": [0], "gain.north": [0.25]})),
    ):
        with pa.ipc.new_stream(str(path), table.schema) as writer:
            writer.write_table(table)
    assert merge_parts([first, second], tmp_path / "runs.parquet") == 2
    frame = pq.read_table(tmp_path / "runs.parquet").to_pandas()
    assert list(frame.columns) == ["cell", "world", "gain.east", "gain.north"]
    assert frame["gain.east"].isna().tolist() == [False, True]
    assert frame["gain.north"].isna().tolist() == [True, False]


def test_a_local_part_holds_the_bytes_a_dask_worker_sends(
    experiment: Experiment, tmp_path: Path
) -> None:
    """A local worker streams its chunk's table into the part file; a dask worker serialises it
    to bytes: the same stream, byte for byte, and no model left behind for the collector."""
    import gc

    from sim.core.model import NegotiationModel
    from sim.sweep.chunks import PARTS, Chunk, ChunkTask, run_chunk_to_bytes, run_chunk_to_part

    cell = experiment.cells[0]
    task = ChunkTask(
        Chunk(0, 0, 0, 50),
        cell.scenario,
        cell.parameters,
        experiment.seed,
        str(tmp_path),
        cell.scenario_name,
        experiment.design,
        experiment.runs,
    )

    def models() -> int:
        # type(), not isinstance: a dead weak proxy among the objects raises on isinstance
        return sum(issubclass(type(o), NegotiationModel) for o in gc.get_objects())

    gc.collect()
    alive = models()  # other tests' fixtures may hold some
    sent = run_chunk_to_bytes(task)
    done = run_chunk_to_part(task)
    PARTS.wait()  # the part is made durable and put in place in the background
    gc.unfreeze()  # run_chunk_to_part freezes what survived, as a pool worker does
    assert done.rows == 50
    assert (tmp_path / task.chunk.file_name).read_bytes() == sent
    assert not list(tmp_path.glob(".*.tmp"))
    assert models() <= alive


# --- the command line ---------------------------------------------------------------------------


def test_cli_sweep_json_summarises_each_cell(experiment_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(experiment_path),
            "--runs",
            "200",
            "--workers",
            "1",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["n_worlds"] == 400
    summary = payload["summary"]
    assert [cell["n"] for cell in summary] == [200, 200]
    frame = pq.read_table(out / "runs.parquet").to_pandas()
    for cell in summary:
        rows = frame[frame["cell"] == cell["cell"]]
        assert cell["agreed"] == int(rows["agreed"].sum())
        low, high = cell["ci95"]
        assert low <= cell["p_agreement"] <= high


def test_cli_sweep_prints_a_table(experiment_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(experiment_path),
            "--runs",
            "50",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "P(agreement)" in result.output
    assert "100 worlds" in result.output


def test_cli_replay_json_equals_the_row(reference: Path, experiment: Experiment) -> None:
    from sim.core.records import record_from_columns

    frame = pq.read_table(reference / "runs.parquet").to_pandas()
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    for cell, world in ((0, 0), (1, 17), (1, RUNS - 1)):
        row = int(np.flatnonzero((frame["cell"] == cell) & (frame["world"] == world))[0])
        result = CliRunner().invoke(
            main, ["replay", str(reference), "--world", str(world), "--cell", str(cell), "--json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == json.loads(
            json.dumps(record_from_columns(columns, row))
        )


def test_cli_replay_errors(reference: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing_cell = runner.invoke(main, ["replay", str(reference), "--world", "3"])
    assert missing_cell.exit_code == 2
    assert "--cell" in missing_cell.output
    too_far = runner.invoke(main, ["replay", str(reference), "--world", str(RUNS), "--cell", "0"])
    assert too_far.exit_code == 2
    assert f"0..{RUNS - 1}" in too_far.output
    nothing = runner.invoke(main, ["replay", str(tmp_path), "--world", "0"])
    assert nothing.exit_code == 2
    assert "manifest.json" in nothing.output


def test_manifest_paths_are_relative_to_the_project_or_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.sweep.manifest import portable_path

    root = Path(__file__).resolve().parents[1]
    shipped = root / "scenarios" / "alaska-summit.yaml"
    assert portable_path(shipped) == "scenarios/alaska-summit.yaml"
    mine = tmp_path / "study" / "mine.yaml"
    monkeypatch.chdir(tmp_path)
    assert portable_path(mine) == "study/mine.yaml"
    monkeypatch.chdir(root)
    assert portable_path(mine) == str(mine)  # outside both: kept as given
