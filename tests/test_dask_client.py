"""Dask as its users use it: an existing Client, the scenario scattered once, a bounded number of
chunks in flight, the dashboard's address reported; the results file is the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sim.experiment.loader import load_experiment
from sim.sweep import backends
from sim.sweep.chunks import ChunkDone
from sim.sweep.run import run_sweep

if TYPE_CHECKING:
    from conftest import Tiny

distributed = pytest.importorskip("dask.distributed")

RUNS = 300
CHUNK = 25


@pytest.fixture(scope="module")
def experiment_file(tmp_path_factory: pytest.TempPathFactory, tiny_files: Tiny) -> Path:
    return tiny_files.experiment(tmp_path_factory.mktemp("experiment"), runs=RUNS)


def test_an_existing_client_runs_the_sweep_and_stays_open(
    experiment_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment = load_experiment(experiment_file)
    run_sweep(experiment, tmp_path / "reference", workers=1, chunk_size=CHUNK)

    submitted: list[object] = []
    real_submit = distributed.Client.submit

    def counting_submit(self: object, function: object, *args: object, **kwargs: object) -> object:
        submitted.append(args[0])
        return real_submit(self, function, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(distributed.Client, "submit", counting_submit)
    in_flight: list[int] = []
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster,
        distributed.Client(cluster) as client,
    ):

        def count(done: ChunkDone) -> None:
            in_flight.append(sum(1 for f in client.futures.values() if f.status == "pending"))

        result = run_sweep(
            experiment, tmp_path / "dask", client=client, chunk_size=CHUNK, on_chunk=count
        )
        assert client.status == "running"  # the caller's client is left open
    same = (tmp_path / "reference" / "runs.parquet").read_bytes()
    assert (tmp_path / "dask" / "runs.parquet").read_bytes() == same
    assert result.chunks_run == len(submitted) == (RUNS // CHUNK) * len(experiment.cells)
    # Every task travels without its scenario (scattered once per cell's scenario).
    assert all(getattr(task, "scenario", "missing") is None for task in submitted)
    # At most IN_FLIGHT_PER_WORKER chunks per worker were ever queued.
    assert in_flight and max(in_flight) <= backends.IN_FLIGHT_PER_WORKER


def test_a_started_cluster_reports_its_dashboard(experiment_file: Path, tmp_path: Path) -> None:
    experiment = load_experiment(experiment_file).with_runs(40)
    links: list[str] = []
    run_sweep(experiment, tmp_path, workers=1, backend="dask", on_dashboard=links.append)
    assert len(links) == 1 and links[0].startswith("http")
