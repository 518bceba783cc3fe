"""Chunks of worlds: planning them and running one chunk of one cell to a table of records."""

from __future__ import annotations

import gc
import io
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.experiment.designs import DesignName, noise_worlds
from sim.experiment.quantiles import factors_of, sample_design
from sim.experiment.sampling import Parameter, flatten
from sim.scenario.schema import Scenario
from sim.sweep.arrow_columns import arrow_array
from sim.sweep.parts import BackgroundParts
from sim.sweep.rounds import ROUNDS_KEY, encode_histograms

DEFAULT_CHUNK_SIZE = 25_000
"""Worlds per chunk at most, chosen by measurement (complete-information baseline, one process,
2026-12-01, CPU time per world and the worker's peak resident memory): 5,000 worlds 311 us;
10,000 266-274 us, 283 MB; 15,000 355 MB; 20,000 418 MB; 25,000 245 us, 486 MB; 50,000 256 us,
817 MB.  25,000 is the fastest measured, and a 1,000,000-world sweep on 2 workers then peaks at
774 MB summed PSS (956 MB summed RSS) for the whole process tree (benchmarks/bench_sweep.py).
Measured again once the line search and the war's value were faster (one process, each size
twice, alternating, on the loaded machine): 5,000 409-418 us; 10,000 278-344; 25,000 249-266;
50,000 266-284 -- still the fastest."""
CHUNKS_PER_WORKER = 2
"""Chunks each worker gets at least (below ``DEFAULT_CHUNK_SIZE``): a chunk of 5,000 worlds
costs ~1.6x the CPU per world of one of 25,000 (the model's per-round overhead), so a
50,000-world sweep on 2 workers runs 4 chunks of 12,500 rather than 8 of 6,250 (measured with
benchmarks/bench_sweep.py --complete-information --worlds 50000, alternating: 2,633 and 2,172
worlds/s against 2,300 and 1,685)."""
MIN_CHUNK_SIZE = 1_000


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
        """Worlds in the chunk."""
        return self.stop - self.start

    @property
    def file_name(self) -> str:
        """The chunk's part file name."""
        return f"cell{self.cell:05d}-chunk{self.index:07d}.arrows"


def default_chunk_size(runs: int, n_cells: int, workers: int) -> int:
    """Chunks big enough to amortise the model's per-batch overhead, small enough that every
    worker gets at least ``CHUNKS_PER_WORKER`` (for load balance and the progress bar)."""
    total = runs * n_cells
    per_worker = math.ceil(total / max(1, CHUNKS_PER_WORKER * workers))
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
    design: DesignName = "monte-carlo"
    runs: int = 0
    """Worlds per cell (Latin and Morris designs depend on it)."""


@dataclass(frozen=True)
class ChunkDone:
    """A finished chunk: which, how many rows, how long it took."""

    chunk: Chunk
    rows: int
    seconds: float


def compute_chunk(task: ChunkTask) -> pa.Table:
    """Sample the chunk's worlds, run them as one batch, and return the rows as an Arrow table.

    Columns: ``cell``, ``scenario`` (its name), ``world``, one ``param.<path>`` per sampled value (a table's lanes as
    ``param.<path>.<issue>``), then the outcome record columns of :mod:`sim.core.records`; the
    schema metadata carries the chunk's round histograms (:mod:`sim.sweep.rounds`).
    """
    from sim.core.runner import columns_of, simulate

    chunk = task.chunk
    worlds = np.arange(chunk.start, chunk.stop, dtype=np.int64)
    sampled = sample_design(task.design, task.parameters, task.seed, task.runs, worlds)
    model_worlds = noise_worlds(task.design, len(factors_of(task.parameters)), worlds)
    model = simulate(task.scenario, model_worlds, seed=task.seed, overrides=sampled)
    records = columns_of(model)
    columns: dict[str, Any] = {
        "cell": np.full(chunk.size, chunk.cell, dtype=np.int64),
        "scenario": np.full(chunk.size, task.scenario_name, dtype=object),
        "world": worlds,
    }
    columns.update(flatten(task.parameters, sampled))
    for name, values in records.items():
        if name not in columns:
            columns[name] = values
    table = pa.table({name: arrow_array(values) for name, values in columns.items()})
    assert model.round_histograms is not None
    return table.replace_schema_metadata({ROUNDS_KEY: encode_histograms(model.round_histograms)})


def run_chunk_to_part(task: ChunkTask) -> ChunkDone:
    """Worker entry point of the local backend: compute a chunk and write its part file.

    Its processes do nothing but chunks, so what survives a chunk's collection is then frozen
    (``gc.freeze``): what a worker keeps (modules, compiled kernels, caches) is never garbage
    the collector must find, and the next chunk's collection scans only what that chunk made.
    A worker freezes its imports when it starts (:mod:`sim.sweep.backends`), but the kernels
    numba loads on the first chunk add ~115,000 objects: measured on the complete-information
    baseline, chunks of 25,000 worlds, 33 ms -> 1 ms a collection.  A frozen object is still
    freed when nothing refers to it; only a cycle among frozen objects would stay, and a chunk
    leaves none behind.  A dask worker, which runs other work too, is not frozen.
    """
    started = time.perf_counter()
    if task.parts_dir is None:
        raise ValueError("run_chunk_to_part needs parts_dir")
    table = compute_chunk(task)
    collect_cycles()
    gc.freeze()
    PARTS.write(table, Path(task.parts_dir) / task.chunk.file_name)
    return ChunkDone(task.chunk, task.chunk.size, time.perf_counter() - started)


PARTS = BackgroundParts()
"""This process's part files, each made durable while the next chunk runs: ~10 ms of waiting
on the disk a chunk, 0.2 s a worker over a million complete-information worlds (docs/speed.md).
The sweep calls ``PARTS.wait()`` before it merges chunks it ran itself; a pool's workers finish
their last part as they exit."""


def run_chunk_to_bytes(task: ChunkTask) -> bytes:
    """The chunk's rows in the Arrow IPC stream format: the contents of its part file.

    The dask backend's worker entry point: bytes travel to the client, so workers need no file
    system shared with it.
    """
    table = compute_chunk(task)
    collect_cycles()
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def collect_cycles() -> None:
    """Free a finished chunk's model: it and its agents refer to each other, so only the cyclic
    garbage collector frees them (without it a worker's resident size grew chunk after chunk:
    350, 474, 617 MB after three chunks of 25,000 worlds).  Called as soon as the chunk's table
    holds the records, before it is written: the model's arrays are then gone while the rows are
    serialised (before 0.6.2 they were collected after, and both were alive at the chunk's peak).

    The freed memory stays in the process heap for the next chunk, which needs as much: handing
    it back to the operating system after every chunk (glibc's ``malloc_trim``, as before 0.4.5)
    made the next chunk fault every page in again.  Measured on the complete-information
    baseline (one process, six chunks each, 2026-12-02): with the trim 57 us of user and 9 us of
    system CPU per world, without it 52 and 1.3; the worker's peak resident size is the same
    (603 and 617 MB: a chunk's own peak), only its size between chunks differs (281 against
    616 MB).  A 1,000,000-world sweep on 2 workers ran in 33.5 and 34.5 s against 37.5 s with the
    trim, alternating, with the whole process tree's peak at 940-944 MB summed PSS against 973
    (benchmarks/bench_sweep.py --complete-information).
    """
    gc.collect()
