"""Sweep throughput: a million negotiations, batched, against one model per world.

    python benchmarks/bench_sweep.py                  # 1,000,000 worlds, all cores
    python benchmarks/bench_sweep.py --worlds 100000  # quicker
    python benchmarks/bench_sweep.py --worlds 50000 --against ../old-checkout  # side by side

(a) runs ``experiments/baseline-uncertainty.yaml`` with the local backend on all cores and writes
    runs.parquet, as ``parley sweep`` does: wall time, worlds per second and peak memory (this
    process and its largest worker, from ``resource.getrusage``);
(b) runs a subsample of the same worlds one model per world (``run_batch`` with a single world
    per call) over the same kind of process pool, and prints the ratio of the two rates.

``--against DIR`` times (a) side by side with another checkout of Parley (say, the commit before a
refactoring): each repeat runs that checkout's own benchmark and then this one, in fresh processes,
alternating so that the shared machine's load falls on both alike, and prints the median ratio.

``--private`` runs the same sweep with every actor's war cost private (issue 8): the others
believe it is drawn from the experiment's own prior on it (normal, sd 0.04, centred on the
scenario's value), and each world's sampled war cost is the truth.  ``--per-world-sample 0``
skips (b).

``--complete-information`` runs the same sweep with no private value anywhere (the baseline's
private war costs made public: the complete-information path of issue 4's target).

Every run also prints the time a million worlds would take at the measured rate and its ratio to
the target of its path (60 s with private values or ratification, issues 8 and 9; 30 s
without either, issue 4): on this shared machine measure 100,000-200,000 worlds and read the extrapolation.

``--after-signing`` instead times, in this one process, the same sampled worlds of the baseline
with and without its domestic ratifiers and implementation phase (issue 9) and prints the CPU-time
ratio: the cost of ratification (anticipation, verdicts) and the 12-period implementation phase.

Targets (issue #4): 1e6 worlds in <= 30 s on 2 cores, >= 30x the per-world rate, <= 1 GB;
(issue #8) with private values, 1e6 worlds in <= 60 s on 2 cores; (issue #9) with ratification
and the 12-period implementation phase on (the baseline has both), 1e6 worlds in <= 60 s on 2
cores, <= 1 GB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tree_memory import TreeMemory

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


def with_private_war_costs(experiment: Any) -> Any:
    """The experiment with every actor's war cost private in every cell's scenario."""
    from sim.scenario.schema import Scenario

    def private(scenario: Scenario) -> Scenario:
        data = scenario.model_dump()
        for actor in data["actors"].values():
            actor["private"] = {"field": "war_cost", "belief": {"dist": "normal", "sd": 0.04}}
        return Scenario.model_validate(data)

    cells = tuple(replace(cell, scenario=private(cell.scenario)) for cell in experiment.cells)
    scenarios = {name: private(scenario) for name, scenario in experiment.scenarios.items()}
    return replace(experiment, cells=cells, scenarios=scenarios)


def without_private_values(experiment: Any) -> Any:
    """The experiment with every actor's no-deal value public (complete information)."""
    from sim.scenario.schema import Scenario

    def public(scenario: Scenario) -> Scenario:
        data = scenario.model_dump()
        for actor in data["actors"].values():
            actor["private"] = None
        return Scenario.model_validate(data)

    cells = tuple(replace(cell, scenario=public(cell.scenario)) for cell in experiment.cells)
    scenarios = {name: public(scenario) for name, scenario in experiment.scenarios.items()}
    return replace(experiment, cells=cells, scenarios=scenarios)


def has_private_values(experiment: Any) -> bool:
    """Whether any cell's scenario declares a private value."""
    return any(
        actor.private is not None
        for cell in experiment.cells
        for actor in cell.scenario.actors.values()
    )


def peak_memory_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its largest child process, in MB."""
    unit = 1 / 1024 if sys.platform == "darwin" else 1.0  # ru_maxrss: bytes on macOS, else KiB
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * unit / 1024
    return {"parent_mb": round(own, 1), "largest_worker_mb": round(child, 1)}


PATHS = {"--private": "private", "--complete-information": "complete_information"}
"""The path flags that ``--against`` passes on to both checkouts' benchmarks."""


def batched_seconds_of(checkout: Path, args: argparse.Namespace) -> tuple[float, float]:
    """Wall time of (a) in ``checkout``'s own benchmark, run in a fresh process, and the CPU time
    of that whole process and its workers (less sensitive to other load on a shared machine)."""
    command = [sys.executable, str(checkout / "benchmarks" / "bench_sweep.py"), "--json"]
    command += ["--worlds", str(args.worlds), "--per-world-sample", "20"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.chunk_size:
        command += ["--chunk-size", str(args.chunk_size)]
    command += [flag for flag, on in PATHS.items() if getattr(args, on)]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, cwd=checkout, env=env, capture_output=True, text=True, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(json.loads(done.stdout)["batched_seconds"]), cpu


def side_by_side(args: argparse.Namespace) -> None:
    """Time (a) here and in ``args.against``, alternating, and print the median ratio."""
    other, here = args.against.resolve(), REPO
    wall: dict[str, list[float]] = {"against": [], "here": []}
    cpu: dict[str, list[float]] = {"against": [], "here": []}
    for _ in range(args.repeats):
        for side, checkout in (("against", other), ("here", here)):
            seconds, cpu_seconds = batched_seconds_of(checkout, args)
            wall[side].append(seconds)
            cpu[side].append(round(cpu_seconds, 2))
    median_wall = {side: statistics.median(values) for side, values in wall.items()}
    median_cpu = {side: statistics.median(values) for side, values in cpu.items()}
    numbers = {
        "worlds": args.worlds,
        "against": str(other),
        "wall_seconds_against": wall["against"],
        "wall_seconds_here": wall["here"],
        "cpu_seconds_against": cpu["against"],
        "cpu_seconds_here": cpu["here"],
        "wall_here_over_against": round(median_wall["here"] / median_wall["against"], 3),
        "cpu_here_over_against": round(median_cpu["here"] / median_cpu["against"], 3),
    }
    print(json.dumps(numbers, indent=2))


def per_world_run(experiment: Any, args: argparse.Namespace, workers: int) -> tuple[int, float]:
    """(b): a subsample of the first cell's worlds, one model per world, on the same pool size."""
    cell = experiment.cells[0]
    sample_size = min(args.per_world_sample, args.worlds)
    if sample_size <= 0:
        return 0, 0.0
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
        return done, time.perf_counter() - started


def after_signing_ratio(experiment: Any, worlds: int, repeats: int = 3) -> dict[str, Any]:
    """CPU seconds of one batch of the first cell's sampled worlds with the baseline's ratifiers
    and implementation phase and without them (same process, alternating), and their ratio."""
    from sim.core.runner import run_batch
    from sim.experiment.sampling import sample

    cell = experiment.cells[0]
    index = np.arange(worlds, dtype=np.int64)
    overrides = sample(cell.parameters, experiment.seed, index)
    full = cell.scenario
    plain = full.model_copy(update={"ratification": None, "implementation": None})
    seconds: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(repeats):
        for side, scenario in (("without", plain), ("with", full)):
            started = time.process_time()
            run_batch(scenario, index, seed=experiment.seed, overrides=overrides)
            seconds[side].append(round(time.process_time() - started, 3))
    ratio = statistics.median(seconds["with"]) / statistics.median(seconds["without"])
    return {"worlds": worlds, "cpu_seconds": seconds, "with_over_without": round(ratio, 2)}


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
    parser.add_argument("--against", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--repeats", type=int, default=3, help="with --against: runs per side")
    parser.add_argument("--private", action="store_true", help="every war cost private")
    parser.add_argument(
        "--complete-information",
        action="store_true",
        help="no private values (the baseline's Moscow and Kyiv war costs made public)",
    )
    parser.add_argument(
        "--after-signing",
        action="store_true",
        help="CPU-time ratio of the baseline with/without ratification and implementation",
    )
    args = parser.parse_args()
    if args.against is not None:
        side_by_side(args)
        return

    from sim.experiment.loader import load_experiment
    from sim.sweep.backends import default_workers
    from sim.sweep.run import run_sweep

    workers = args.workers or default_workers()
    experiment = load_experiment(EXPERIMENT).with_runs(args.worlds)
    if args.after_signing:
        print(json.dumps(after_signing_ratio(experiment, min(args.worlds, 25_000)), indent=2))
        return
    if args.private and args.complete_information:
        parser.error("--private and --complete-information exclude each other")
    if args.private:
        experiment = with_private_war_costs(experiment)
    if args.complete_information:
        experiment = without_private_values(experiment)
    private = has_private_values(experiment)
    ratified = any(cell.scenario.ratification is not None for cell in experiment.cells)
    target = 60 if private or ratified else 30  # issues 8 and 9; issue 4 without either
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch) / "baseline-uncertainty"
        chunk_times: list[float] = []
        with TreeMemory() as tree:
            started = time.perf_counter()
            result = run_sweep(
                experiment,
                out,
                workers=workers,
                chunk_size=args.chunk_size,
                force=True,
                on_chunk=lambda _: chunk_times.append(time.perf_counter()),
            )
            batched_seconds = time.perf_counter() - started
        first_chunk = chunk_times[0] - started if chunk_times else float("nan")
        tail = started + batched_seconds - chunk_times[-1] if chunk_times else float("nan")
        parquet_mb = (out / "runs.parquet").stat().st_size / 1e6
    memory = {**peak_memory_mb(), **tree.peak, "sampler_cpu_seconds": tree.sampler_cpu_seconds}
    batched_rate = args.worlds / batched_seconds

    done, per_world_seconds = per_world_run(experiment, args, workers)
    per_world_rate = done / per_world_seconds if done else float("nan")

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
        "speedup": round(batched_rate / per_world_rate, 1) if done else None,
        "private": args.private,
        "complete_information": args.complete_information,
        "first_chunk_done_seconds": round(first_chunk, 2),
        "tail_seconds": round(tail, 2),
        "private_values": private,
        "million_worlds_seconds": round(1e6 / batched_rate, 1),
        "target_seconds": target,
        "over_target": round(1e6 / batched_rate / target, 2),
    }
    if args.json:
        print(json.dumps(numbers, indent=2))
        return
    print(
        f"(a) batched:   {args.worlds:,} worlds in {batched_seconds:.1f} s on {workers} workers "
        f"= {batched_rate:,.0f} worlds/s (chunk {numbers['chunk_size']:,}; "
        f"runs.parquet {parquet_mb:.0f} MB)"
    )
    path = ("private values" if private else "complete information") + (
        ", ratification" if ratified else ""
    )
    print(
        f"    target ({path}, {workers} workers): 1,000,000 worlds <= {numbers['target_seconds']} s;"
        f" at this rate {numbers['million_worlds_seconds']:,.0f} s = {numbers['over_target']}x"
        " the target"
    )
    print(
        f"    first chunk done after {first_chunk:.1f} s; from the last chunk to the end "
        f"(merging the parts): {tail:.1f} s"
    )
    print(
        f"    peak memory: parent {memory['parent_mb']:.0f} MB, largest worker "
        f"{memory['largest_worker_mb']:.0f} MB; whole process tree at once "
        f"({memory['processes']:.0f} processes): {memory['tree_pss_mb']:.0f} MB summed PSS "
        f"(sampled every second), {memory['tree_rss_mb']:.0f} MB summed RSS (every 0.1 s)"
    )
    if done:
        print(
            f"(b) per world: {done:,} worlds in {per_world_seconds:.1f} s = "
            f"{per_world_rate:,.1f} worlds/s (one model per world)"
        )
        print(f"    batched / per-world = {batched_rate / per_world_rate:,.1f}x")


if __name__ == "__main__":
    main()
