"""Sweep throughput: a million negotiations, batched, against one model per world.

    python benchmarks/bench_sweep.py                  # 1,000,000 worlds, all cores
    python benchmarks/bench_sweep.py --worlds 100000  # quicker

(a) runs ``experiments/baseline-uncertainty.yaml`` with the local backend on all cores and writes
    runs.parquet, as ``parley sweep`` does: wall time, worlds per second and peak memory (this
    process and its largest worker, from ``resource.getrusage``);
(b) runs a subsample of the same worlds one model per world (``run_batch`` with a single world
    per call) over the same kind of process pool, and prints the ratio of the two rates.

Targets (issue #4): 1e6 worlds in <= 30 s on 2 cores, >= 30x the per-world rate, <= 1 GB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
EXPERIMENT = REPO / "experiments" / "baseline-uncertainty.yaml"


def per_world(task: tuple[object, tuple[object, ...], int, int, int]) -> int:
    """Worker: run worlds ``start .. stop-1`` one model each (one-world batches)."""
    from sim.core.runner import run_batch
    from sim.experiment.sampling import sample

    scenario, parameters, seed, start, stop = task
    for world in range(start, stop):
        worlds = np.array([world], dtype=np.int64)
        overrides = sample(parameters, seed, worlds)  # type: ignore[arg-type]
        run_batch(scenario, worlds, seed=seed, overrides=overrides)  # type: ignore[arg-type]
    return stop - start


def peak_memory_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its largest child process, in MB."""
    unit = 1 / 1024 if sys.platform == "darwin" else 1.0  # ru_maxrss: bytes on macOS, else KiB
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * unit / 1024
    return {"parent_mb": round(own, 1), "largest_worker_mb": round(child, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--worlds", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--per-world-sample", type=int, default=2_000)
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()

    from sim.experiment.loader import load_experiment
    from sim.sweep.backends import default_workers
    from sim.sweep.run import run_sweep

    workers = args.workers or default_workers()
    experiment = load_experiment(EXPERIMENT).with_runs(args.worlds)
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch) / "baseline-uncertainty"
        started = time.perf_counter()
        result = run_sweep(experiment, out, workers=workers, chunk_size=args.chunk_size, force=True)
        batched_seconds = time.perf_counter() - started
        parquet_mb = (out / "runs.parquet").stat().st_size / 1e6
    memory = peak_memory_mb()
    batched_rate = args.worlds / batched_seconds

    cell = experiment.cells[0]
    sample_size = min(args.per_world_sample, args.worlds)
    step = max(1, sample_size // (4 * workers))
    tasks = [
        (cell.scenario, cell.parameters, experiment.seed, start, min(start + step, sample_size))
        for start in range(0, sample_size, step)
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        list(pool.map(per_world, tasks[:workers]))  # start the workers and import the model
        started = time.perf_counter()
        done = sum(pool.map(per_world, tasks))
        per_world_seconds = time.perf_counter() - started
    per_world_rate = done / per_world_seconds

    numbers = {
        "worlds": args.worlds,
        "workers": workers,
        "chunk_size": result.manifest["chunk_size"],
        "batched_seconds": round(batched_seconds, 2),
        "batched_worlds_per_second": round(batched_rate),
        "runs_parquet_mb": round(parquet_mb, 1),
        **memory,
        "per_world_sample": done,
        "per_world_seconds": round(per_world_seconds, 2),
        "per_world_worlds_per_second": round(per_world_rate, 1),
        "speedup": round(batched_rate / per_world_rate, 1),
    }
    if args.json:
        print(json.dumps(numbers, indent=2))
        return
    print(
        f"(a) batched:   {args.worlds:,} worlds in {batched_seconds:.1f} s on {workers} workers "
        f"= {batched_rate:,.0f} worlds/s (chunk {numbers['chunk_size']:,}; "
        f"runs.parquet {parquet_mb:.0f} MB)"
    )
    print(
        f"    peak memory: parent {memory['parent_mb']:.0f} MB, largest worker "
        f"{memory['largest_worker_mb']:.0f} MB"
    )
    print(
        f"(b) per world: {done:,} worlds in {per_world_seconds:.1f} s = {per_world_rate:,.1f} "
        "worlds/s (one model per world)"
    )
    print(f"    batched / per-world = {batched_rate / per_world_rate:,.1f}x")


if __name__ == "__main__":
    main()
