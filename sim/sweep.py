"""Monte Carlo sweeps: run every cell of an experiment over many worlds, in chunks, in parallel.

Each cell's worlds ``0 .. runs-1`` are cut into chunks.  A chunk samples its worlds' uncertain
parameters (:mod:`sim.sampling`) and runs them as one vectorised batch
(:func:`sim.runner.run_batch`); the finished chunk is written atomically to
``<out>/parts/``.  At the end the parts are merged in (cell, world) order into
``<out>/runs.parquet`` with a streaming writer (bounded memory), next to ``manifest.json``.

Every draw is counter-based, so the results are identical bit for bit whatever the chunk size,
the number of workers or the backend (a local process pool or dask.distributed), and an
interrupted sweep resumed with ``resume=True`` produces the same file as an uninterrupted one.
Worlds with the same index share their sampled parameters and their random draws in every cell
(common random numbers), so differences between cells are differences of the cells, not noise.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.experiment import Cell, Experiment
from sim.io import atomic_path, write_bytes, write_text
from sim.sampling import Parameter, flatten, sample
from sim.scenario import Scenario

RUNS_FILE = "runs.parquet"
MANIFEST_FILE = "manifest.json"
PARTS_DIR = "parts"
ROW_GROUP_SIZE = 65_536
"""Rows per row group of runs.parquet; fixed so the file's bytes do not depend on chunk size."""
FIRST_COLUMNS = ("cell", "scenario", "world")
DEFAULT_CHUNK_SIZE = 25_000
"""Worlds per chunk by default: a worker then peaks near 250 MB (twice that at 50,000, which
runs about 10% faster); see benchmarks/bench_sweep.py."""
MIN_CHUNK_SIZE = 1_000
Backend = Literal["local", "dask"]
_PART_NAME = re.compile(r"^cell(\d{5})-chunk(\d{7})\.arrows$")


class SweepError(Exception):
    """A sweep cannot start or continue (bad output folder, mismatched resume, failed worker)."""


class SweepInterrupted(SweepError):
    """The sweep was interrupted; finished chunks are on disk and ``resume`` will continue."""


# ---------------------------------------------------------------------------------------------
# Chunks


@dataclass(frozen=True)
class Chunk:
    """Worlds ``start .. stop-1`` of one cell."""

    cell: int
    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start

    @property
    def file_name(self) -> str:
        return f"cell{self.cell:05d}-chunk{self.index:07d}.arrows"


def default_chunk_size(runs: int, n_cells: int, workers: int) -> int:
    """Chunks big enough to amortise the model's per-batch overhead, small enough that every
    worker gets several (for load balance and a smooth progress bar)."""
    total = runs * n_cells
    per_worker = math.ceil(total / max(1, 4 * workers))
    return max(1, min(runs, DEFAULT_CHUNK_SIZE, max(MIN_CHUNK_SIZE, per_worker)))


def plan_chunks(n_cells: int, runs: int, chunk_size: int) -> list[Chunk]:
    """All chunks of a sweep in (cell, world) order."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    chunks: list[Chunk] = []
    for cell in range(n_cells):
        for index, start in enumerate(range(0, runs, chunk_size)):
            chunks.append(Chunk(cell, index, start, min(start + chunk_size, runs)))
    return chunks


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk (picklable, no open files)."""

    chunk: Chunk
    scenario: Scenario
    parameters: tuple[Parameter, ...]
    seed: int
    parts_dir: str | None = None
    scenario_name: str = ""


@dataclass(frozen=True)
class ChunkDone:
    chunk: Chunk
    rows: int
    seconds: float


def compute_chunk(task: ChunkTask) -> pa.Table:
    """Sample the chunk's worlds, run them as one batch, and return the rows as an Arrow table.

    Columns: ``cell``, ``scenario`` (its name), ``world``, one ``param.<path>`` per sampled value (a table's lanes as
    ``param.<path>.<issue>``), then the outcome record columns of :mod:`sim.records`.
    """
    from sim.runner import run_batch

    chunk = task.chunk
    worlds = np.arange(chunk.start, chunk.stop, dtype=np.int64)
    sampled = sample(task.parameters, task.seed, worlds)
    records = run_batch(task.scenario, worlds, seed=task.seed, overrides=sampled)
    columns: dict[str, Any] = {
        "cell": np.full(chunk.size, chunk.cell, dtype=np.int64),
        "scenario": np.full(chunk.size, task.scenario_name, dtype=object),
        "world": worlds,
    }
    columns.update(flatten(task.parameters, sampled))
    for name, values in records.items():
        if name not in columns:
            columns[name] = values
    return pa.table({name: _arrow_array(values) for name, values in columns.items()})


def _arrow_array(values: Any) -> pa.Array:
    array = np.asarray(values)
    if array.dtype.kind in "OU":
        return pa.array(array.tolist(), type=pa.string())
    return pa.array(array)


def run_chunk_to_part(task: ChunkTask) -> ChunkDone:
    """Worker entry point of the local backend: compute a chunk and write its part file."""
    started = time.perf_counter()
    if task.parts_dir is None:
        raise ValueError("run_chunk_to_part needs parts_dir")
    payload = run_chunk_to_bytes(task)
    write_part(payload, Path(task.parts_dir) / task.chunk.file_name)
    return ChunkDone(task.chunk, task.chunk.size, time.perf_counter() - started)


def run_chunk_to_bytes(task: ChunkTask) -> bytes:
    """The chunk's rows in the Arrow IPC stream format: the contents of its part file.

    The dask backend's worker entry point: bytes travel to the client, so workers need no file
    system shared with it.
    """
    table = compute_chunk(task)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def write_part(payload: bytes, path: Path) -> None:
    """Write one chunk's part file atomically: a temporary file, then ``os.replace``.

    Parts are Arrow IPC streams (uncompressed): cheap to write, and read back by memory map
    without copies when they are merged.
    """
    write_bytes(path, payload)


def read_part(path: Path) -> pa.Table:
    """A part file's rows (memory-mapped)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_stream(source).read_all()


def read_part_schema(path: Path) -> pa.Schema:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_stream(source).schema


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group; let the parent decide and finish running chunks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# ---------------------------------------------------------------------------------------------
# Merging the parts


def merge_parts(part_paths: Sequence[Path], destination: Path) -> int:
    """Concatenate part files (Arrow IPC streams), in order, into one Parquet file; returns the
    number of rows.

    Streams: holds one part and at most one row group at a time.  Columns missing from a part
    (cells whose scenarios have other actors or issues) are filled with nulls.  The row groups
    have a fixed size, so the file's bytes do not depend on how the rows were chunked.
    """
    schemas = [read_part_schema(path) for path in part_paths]
    schema = _union_schema(schemas)
    rows = 0
    # Dictionary-encode only the text columns: on float columns it costs three times the
    # writing time and makes the file bigger.
    text_columns = [f.name for f in schema if pa.types.is_string(f.type)]
    with (
        atomic_path(destination) as temporary,
        pq.ParquetWriter(temporary, schema, use_dictionary=text_columns) as writer,
    ):

        def write_group(group: pa.Table) -> None:
            # One contiguous row group: page layout (and so the bytes) independent of chunking.
            writer.write_table(group.combine_chunks(), row_group_size=ROW_GROUP_SIZE)

        pending: list[pa.Table] = []
        pending_rows = 0
        for path in part_paths:
            table = _conform(read_part(path), schema)
            pending.append(table)
            pending_rows += table.num_rows
            rows += table.num_rows
            if pending_rows >= ROW_GROUP_SIZE:
                buffered = pa.concat_tables(pending)  # zero-copy
                full = (buffered.num_rows // ROW_GROUP_SIZE) * ROW_GROUP_SIZE
                for offset in range(0, full, ROW_GROUP_SIZE):
                    write_group(buffered.slice(offset, ROW_GROUP_SIZE))
                rest = buffered.slice(full)
                pending, pending_rows = ([rest], rest.num_rows) if rest.num_rows else ([], 0)
        if pending_rows:
            write_group(pa.concat_tables(pending))
    return rows


def _union_schema(schemas: Iterable[pa.Schema]) -> pa.Schema:
    fields: dict[str, pa.Field] = {}
    for schema in schemas:
        for schema_field in schema:
            known = fields.get(schema_field.name)
            if known is None:
                fields[schema_field.name] = schema_field.with_nullable(True)
            elif known.type != schema_field.type:
                raise SweepError(
                    f"column {schema_field.name} has type {known.type} in one part and "
                    f"{schema_field.type} in another"
                )
    names = list(fields)
    ordered = (
        [n for n in FIRST_COLUMNS if n in fields]
        + [n for n in names if n.startswith("param.")]
        + [n for n in names if n not in FIRST_COLUMNS and not n.startswith("param.")]
    )
    return pa.schema([fields[n] for n in ordered])


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = [
        table.column(f.name) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


# ---------------------------------------------------------------------------------------------
# The manifest


def _sha256(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of a scenario's canonical JSON."""
    return _sha256(scenario.model_dump(mode="json"))


def sweep_identity(experiment: Experiment, chunk_size: int) -> dict[str, Any]:
    """Everything that determines a sweep's results; its hash guards ``resume``."""
    return {
        "parley_version": __version__,
        "experiment": experiment.spec.model_dump(mode="json"),
        "scenarios": {name: scenario_hash(s) for name, s in experiment.scenarios.items()},
        "cells": [_cell_entry(cell) for cell in experiment.cells],
        "seed": experiment.seed,
        "runs": experiment.runs,
        "chunk_size": chunk_size,
    }


def _cell_entry(cell: Cell) -> dict[str, Any]:
    return {
        "cell": cell.index,
        "scenario": cell.scenario_name,
        "factors": dict(cell.factors),
        "scenario_hash": scenario_hash(cell.scenario),
        "parameters": [p.path for p in cell.parameters],
    }


def _git_commit() -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return {"git_commit": None}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return {"git_commit": commit.stdout.strip(), "git_dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None}


def build_manifest(
    experiment: Experiment,
    *,
    chunk_size: int,
    n_chunks: int,
    backend: str,
    workers: int,
    started: datetime,
    finished: datetime | None = None,
    status: str = "running",
) -> dict[str, Any]:
    """The JSON manifest written next to runs.parquet."""
    identity = sweep_identity(experiment, chunk_size)
    experiment_entry = experiment.spec.model_dump(mode="json")
    experiment_entry["runs"] = experiment.runs
    experiment_entry["path"] = str(experiment.path) if experiment.path else None
    experiment_entry["scenario_paths"] = {
        name: str(path) for name, path in experiment.scenario_paths.items()
    }
    timings: dict[str, Any] = {"started": started.isoformat(timespec="seconds")}
    if finished is not None:
        timings["finished"] = finished.isoformat(timespec="seconds")
        timings["seconds"] = round((finished - started).total_seconds(), 3)
    return {
        "status": status,
        "parley_version": __version__,
        **_git_commit(),
        "experiment": experiment_entry,
        "experiment_hash": _sha256(identity),
        "scenarios": {name: s.model_dump(mode="json") for name, s in experiment.scenarios.items()},
        "scenario_hashes": identity["scenarios"],
        "cells": identity["cells"],
        "seed": experiment.seed,
        "runs_per_cell": experiment.runs,
        "n_cells": len(experiment.cells),
        "n_worlds": experiment.runs * len(experiment.cells),
        "chunk_size": chunk_size,
        "n_chunks": n_chunks,
        "common_random_numbers": True,
        "backend": backend,
        "workers": workers,
        "timings": timings,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
    }


def write_json_atomic(payload: Mapping[str, Any], path: Path) -> None:
    write_text(path, json.dumps(payload, indent=2) + "\n")


def read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SweepError(f"{path}: cannot read the manifest: {error}") from error
    if not isinstance(manifest, dict):
        raise SweepError(f"{path}: the manifest is not a JSON object")
    return manifest


# ---------------------------------------------------------------------------------------------
# Running a sweep


@dataclass(frozen=True)
class SweepResult:
    """What a finished sweep wrote, and how long it took."""

    out: Path
    runs_path: Path
    manifest_path: Path
    manifest: Mapping[str, Any]
    chunks_run: int
    chunks_total: int
    seconds: float

    @property
    def n_worlds(self) -> int:
        return int(self.manifest["n_worlds"])


@dataclass
class _Progress:
    total: int
    enabled: bool
    initial: int = 0
    _bar: Any = field(default=None, init=False)

    def __enter__(self) -> _Progress:
        if self.enabled:
            from tqdm import tqdm

            # A terminal that reports no size (some CI ptys) would hide tqdm's bar entirely.
            size = shutil.get_terminal_size()
            self._bar = tqdm(
                total=self.total,
                initial=self.initial,
                unit="world",
                unit_scale=True,
                ncols=size.columns,
                nrows=size.lines,
                smoothing=0.1,
                file=sys.stderr,
            )
        return self

    def update(self, worlds: int) -> None:
        if self._bar is not None:
            self._bar.update(worlds)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_sweep(
    experiment: Experiment,
    out: str | Path,
    *,
    workers: int | None = None,
    backend: Backend = "local",
    scheduler: str | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = False,
    on_chunk: Callable[[ChunkDone], None] | None = None,
) -> SweepResult:
    """Run (or finish) a sweep of ``experiment`` into the folder ``out``.

    ``workers`` defaults to all cores (local backend) or the cluster's workers (dask).  With
    ``resume``, only the chunks missing from ``out/parts`` run, after checking that ``out`` was
    started by the same experiment (same hash).  Without it, an unfinished sweep in ``out`` is an
    error unless ``force``; a finished one is replaced.
    """
    out_dir = Path(out)
    parts_dir = out_dir / PARTS_DIR
    n_workers = workers if workers is not None else default_workers()
    if n_workers < 1:
        raise SweepError("--workers must be at least 1")
    if backend not in ("local", "dask"):
        raise SweepError(f"unknown backend '{backend}'; use local or dask")
    if chunk_size is not None and chunk_size < 1:
        raise SweepError("--chunk-size must be at least 1")

    previous = read_manifest(out_dir) if out_dir.exists() else None
    if resume:
        if previous is None:
            raise SweepError(
                f"{out_dir}: nothing to resume (no {MANIFEST_FILE}); run without --resume"
            )
        recorded = int(previous.get("chunk_size", 0))
        if chunk_size is not None and chunk_size != recorded:
            raise SweepError(
                f"{out_dir} was started with --chunk-size {recorded}; resume with the same size "
                "(or leave --chunk-size out)"
            )
        chunk_size = recorded
        _check_same_sweep(previous, experiment, chunk_size, out_dir)
    else:
        unfinished = previous is not None and previous.get("status") != "complete"
        if unfinished and _has_parts(parts_dir) and not force:
            raise SweepError(
                f"{out_dir} holds an unfinished sweep; pass --resume to finish it, or "
                "--force to start again"
            )
        if chunk_size is None:
            chunk_size = default_chunk_size(experiment.runs, len(experiment.cells), n_workers)
        if parts_dir.exists():
            shutil.rmtree(parts_dir)

    chunks = plan_chunks(len(experiment.cells), experiment.runs, chunk_size)
    runs_path = out_dir / RUNS_FILE
    manifest_path = out_dir / MANIFEST_FILE
    already_complete = (
        resume
        and previous is not None
        and previous.get("status") == "complete"
        and runs_path.exists()
    )
    if already_complete:
        assert previous is not None
        return SweepResult(out_dir, runs_path, manifest_path, previous, 0, len(chunks), 0.0)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts_dir.mkdir(exist_ok=True)
    for stale in parts_dir.glob(".*.tmp"):
        stale.unlink()
    done = {p.name for p in parts_dir.iterdir() if _PART_NAME.match(p.name)}

    started = datetime.now(UTC)
    clock = time.perf_counter()
    manifest_args: dict[str, Any] = {
        "chunk_size": chunk_size,
        "n_chunks": len(chunks),
        "backend": backend,
        "workers": n_workers,
        "started": started,
    }
    if not resume:
        with contextlib.suppress(FileNotFoundError):
            runs_path.unlink()
        write_json_atomic(build_manifest(experiment, **manifest_args), manifest_path)

    todo = [c for c in chunks if c.file_name not in done]
    tasks = [
        ChunkTask(
            chunk,
            experiment.cells[chunk.cell].scenario,
            experiment.cells[chunk.cell].parameters,
            experiment.seed,
            str(parts_dir),
            experiment.cells[chunk.cell].scenario_name,
        )
        for chunk in todo
    ]
    worlds_done = sum(c.size for c in chunks if c.file_name in done)
    total_worlds = sum(c.size for c in chunks)
    with _Progress(total_worlds, progress, initial=worlds_done) as bar:

        def finished(result: ChunkDone) -> None:
            bar.update(result.rows)
            if on_chunk is not None:
                on_chunk(result)

        if backend == "dask":
            _run_dask(
                tasks, parts_dir, n_workers if workers is not None else None, scheduler, finished
            )
        elif n_workers == 1 or len(tasks) <= 1:
            try:
                for task in tasks:
                    finished(run_chunk_to_part(task))
            except KeyboardInterrupt as interrupt:
                raise SweepInterrupted("interrupted") from interrupt
        else:
            _run_local(tasks, n_workers, finished)

    merge_parts([parts_dir / c.file_name for c in chunks], runs_path)
    finished_at = datetime.now(UTC)
    if resume and previous is not None:
        manifest_args["started"] = datetime.fromisoformat(previous["timings"]["started"])
    manifest = build_manifest(experiment, **manifest_args, finished=finished_at, status="complete")
    manifest["timings"]["this_session_seconds"] = round(time.perf_counter() - clock, 3)
    manifest["resumed"] = bool(resume)
    write_json_atomic(manifest, manifest_path)
    shutil.rmtree(parts_dir)
    return SweepResult(
        out_dir,
        runs_path,
        manifest_path,
        manifest,
        len(todo),
        len(chunks),
        time.perf_counter() - clock,
    )


def _has_parts(parts_dir: Path) -> bool:
    return parts_dir.is_dir() and any(_PART_NAME.match(p.name) for p in parts_dir.iterdir())


def _check_same_sweep(
    previous: Mapping[str, Any], experiment: Experiment, chunk_size: int, out_dir: Path
) -> None:
    identity = sweep_identity(experiment, chunk_size)
    if previous.get("experiment_hash") == _sha256(identity):
        return
    differences: list[str] = []
    if previous.get("parley_version") != identity["parley_version"]:
        differences.append(
            f"parley version {previous.get('parley_version')} vs {identity['parley_version']}"
        )
    if previous.get("seed") != identity["seed"]:
        differences.append(f"seed {previous.get('seed')} vs {identity['seed']}")
    if previous.get("runs_per_cell") != identity["runs"]:
        differences.append(f"runs {previous.get('runs_per_cell')} vs {identity['runs']}")
    if previous.get("scenario_hashes") != identity["scenarios"]:
        differences.append("the scenario files changed")
    if not differences:
        differences.append("the experiment file changed")
    raise SweepError(
        f"{out_dir} holds a sweep of a different experiment ({'; '.join(differences)}); "
        "it cannot be resumed: use another --out, or drop --resume to start again"
    )


def _run_local(
    tasks: Sequence[ChunkTask], workers: int, finished: Callable[[ChunkDone], None]
) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)), mp_context=context, initializer=_worker_init
    )
    try:
        # Keep a bounded window of submitted chunks so a huge sweep does not queue every task.
        queue: Iterator[ChunkTask] = iter(tasks)
        running: set[Future[ChunkDone]] = set()
        window = 4 * workers
        for task in queue:
            running.add(executor.submit(run_chunk_to_part, task))
            if len(running) >= window:
                break
        while running:
            completed, running = wait(running, return_when=FIRST_COMPLETED)
            for future in completed:
                finished(future.result())
                next_task = next(queue, None)
                if next_task is not None:
                    running.add(executor.submit(run_chunk_to_part, next_task))
    except KeyboardInterrupt as interrupt:
        executor.shutdown(wait=True, cancel_futures=True)
        raise SweepInterrupted("interrupted") from interrupt
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _run_dask(
    tasks: Sequence[ChunkTask],
    parts_dir: Path,
    workers: int | None,
    scheduler: str | None,
    finished: Callable[[ChunkDone], None],
) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers or default_workers(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        by_key = {}
        futures = []
        for task in tasks:
            remote = ChunkTask(
                task.chunk, task.scenario, task.parameters, task.seed, None, task.scenario_name
            )
            future = client.submit(run_chunk_to_bytes, remote, pure=False)
            by_key[future.key] = task.chunk
            futures.append(future)
        try:
            for future in as_completed(futures):
                started = time.perf_counter()
                chunk = by_key[future.key]
                write_part(future.result(), parts_dir / chunk.file_name)
                future.release()
                finished(ChunkDone(chunk, chunk.size, time.perf_counter() - started))
        except KeyboardInterrupt as interrupt:
            for future in futures:
                future.cancel()
            raise SweepInterrupted("interrupted") from interrupt


# ---------------------------------------------------------------------------------------------
# After the sweep


def summary_columns(schema: pa.Schema) -> list[str]:
    """The columns :func:`sim.analysis.summarize` reads (a small part of a wide results file)."""
    keep = ("cell", "agreed", "end_reason", "round")
    return [
        name
        for name in schema.names
        if name in keep or name.startswith("term.") or name.startswith("gain.")
    ]


def summarize_sweep(out: str | Path) -> list[Any]:
    """Per-cell summaries (:func:`sim.analysis.summarize`) of a finished sweep, reading only the
    columns the summary needs."""
    from sim import analysis

    out_dir = Path(out)
    runs_path = out_dir / RUNS_FILE
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise SweepError(f"{out_dir}: no {MANIFEST_FILE}")
    columns = summary_columns(pq.read_schema(runs_path))
    frame = pq.read_table(runs_path, columns=columns).to_pandas()
    scenarios = {
        name: Scenario.model_validate(data) for name, data in manifest["scenarios"].items()
    }
    cells = tuple(
        analysis.CellInfo(int(c["cell"]), str(c["scenario"]), dict(c.get("factors") or {}))
        for c in manifest["cells"]
    )
    results = analysis.Results(out_dir, frame, manifest, scenarios, cells)
    return list(results.summarize())


# ---------------------------------------------------------------------------------------------
# Replaying one world


@dataclass(frozen=True)
class WorldReplay:
    """Everything needed to rerun one world of a sweep on its own."""

    experiment: Experiment
    cell: Cell
    world: int
    seed: int
    sampled: Mapping[str, np.ndarray]

    @property
    def scenario(self) -> Scenario:
        return self.cell.scenario

    def overrides(self) -> dict[str, float]:
        """The world's sampled values as scalar field overrides (a table as its entries)."""
        values: dict[str, float] = {}
        for parameter in self.cell.parameters:
            drawn = np.asarray(self.sampled[parameter.path])
            if drawn.ndim == 1:
                values[parameter.path] = float(drawn[0])
            else:
                for lane, issue in enumerate(parameter.field.lanes):
                    values[f"{parameter.path}.{issue}"] = float(drawn[0, lane])
        return values

    def parameters(self) -> dict[str, float]:
        """The world's ``param.*`` columns, as in runs.parquet."""
        return {
            name: float(np.asarray(value)[0])
            for name, value in flatten(self.cell.parameters, self.sampled).items()
        }


def replay_world(results: str | Path, world: int, cell: int | None = None) -> WorldReplay:
    """Rebuild world ``world`` of cell ``cell`` of the sweep in the folder ``results``.

    The experiment and its scenarios come from the manifest (not from the files, which may have
    changed since); the cell's scenario is checked against its recorded hash.  ``cell`` may be
    left out when the sweep has one cell.  Raises :class:`SweepError` with a readable message.
    """
    from sim.experiment import experiment_from_manifest
    from sim.loader import InputError
    from sim.sampling import sample_world

    directory = Path(results)
    if directory.is_file():
        directory = directory.parent
    manifest = read_manifest(directory) if directory.is_dir() else None
    if manifest is None:
        raise SweepError(
            f"{directory}: no {MANIFEST_FILE}; is this a folder written by parley sweep?"
        )
    try:
        experiment = experiment_from_manifest(manifest)
    except (InputError, KeyError, ValueError) as error:
        raise SweepError(
            f"{directory / MANIFEST_FILE}: cannot rebuild the experiment: {error}"
        ) from error
    cells = experiment.cells
    if cell is None:
        if len(cells) > 1:
            listing = "; ".join(f"{c.index}: {c.label}" for c in cells)
            raise SweepError(
                f"this sweep has {len(cells)} cells: choose one with --cell ({listing})"
            )
        cell = 0
    if not 0 <= cell < len(cells):
        raise SweepError(f"no cell {cell}; cells are 0..{len(cells) - 1}")
    chosen = cells[cell]
    recorded = manifest.get("cells", [])
    if cell < len(recorded) and recorded[cell].get("scenario_hash") != scenario_hash(
        chosen.scenario
    ):
        raise SweepError(
            f"{directory / MANIFEST_FILE}: cell {cell}'s scenario does not rebuild to the one that "
            "ran (another parley version?)"
        )
    runs = int(manifest.get("runs_per_cell", experiment.runs))
    if not 0 <= world < runs:
        raise SweepError(f"no world {world}; worlds are 0..{runs - 1}")
    sampled = sample_world(chosen.parameters, experiment.seed, world)
    return WorldReplay(experiment, chosen, world, experiment.seed, sampled)
