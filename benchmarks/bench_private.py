"""Where the private-values baseline's time goes: the proposer's searches, solves, Newton steps.

    python benchmarks/bench_private.py                  # 4,000 worlds of the baseline experiment
    python benchmarks/bench_private.py --worlds 25000   # a sweep chunk at 1,000,000 worlds
    PARLEY_ENGINE=numpy python benchmarks/bench_private.py   # on the numpy reference Newton

Workload: the first N worlds of ``experiments/baseline-uncertainty.yaml`` (its first cell, its
sampled parameters), one ``run_batch`` as a sweep's chunk runs them.

(1) CPU seconds per world with the baseline's private war costs and with them made public
    (complete information), alternating in this process (``--repeats`` each), their ratio, and
    what a million worlds would take on 2 cores at the private rate against issue 8's 60 s.
(2) One more, instrumented run counts the work: world-rounds with an uncertain veto responder,
    the proposer's evaluations of F(alpha) per world by search (the bracket's ends, the
    first-order root, Brent's search) and the calls that make them (``evaluation_calls``: the
    root and Brent's search share theirs, side by side), the solves and the Newton iterations under them (dual
    evaluations, :meth:`sim.core.dual.DualProblem.at`), and how many of those run on five rows or
    fewer: a few slow worlds keep a vectorised loop going at full numpy call overhead.  The
    counts are deterministic, so a change to the search shows in them whatever the machine's
    load (the CPU times on the shared 2-core machine move by +-20% between runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
EXPERIMENT = REPO / "experiments" / "baseline-uncertainty.yaml"
SMALL_CALL = 5
"""A dual evaluation on this many rows or fewer is a call whose cost is numpy's overhead."""


def workload(worlds: int) -> tuple[Any, Any, np.ndarray, dict[str, np.ndarray], int]:
    """The baseline cell's scenario, its public twin, the worlds and their sampled parameters."""
    from sim.experiment.loader import load_experiment
    from sim.experiment.sampling import sample
    from sim.scenario.schema import Scenario

    experiment = load_experiment(EXPERIMENT).with_runs(worlds)
    cell = experiment.cells[0]
    index = np.arange(worlds, dtype=np.int64)
    overrides = sample(cell.parameters, experiment.seed, index)
    data = cell.scenario.model_dump()
    for actor in data["actors"].values():
        actor["private"] = None
    public = Scenario.model_validate(data)
    return cell.scenario, public, index, overrides, experiment.seed


@contextmanager
def patched(owner: Any, name: str, wrap: Callable[[Any], Any]) -> Iterator[None]:
    """``owner.name`` replaced by ``wrap(original)`` for the duration."""
    original = getattr(owner, name)
    setattr(owner, name, wrap(original))
    try:
        yield
    finally:
        setattr(owner, name, original)


def counted_run(scenario: Any, index: np.ndarray, overrides: Any, seed: int) -> Counter[str]:
    """Run the batch once, counting searches, evaluations, solves and Newton steps."""
    from sim.core import dual, uncertain_offer
    from sim.core.runner import run_batch

    counts: Counter[str] = Counter()

    def search(kind: str) -> Callable[[Any], Any]:
        def wrap(original: Any) -> Any:
            def run(rows: Any, *rest: Any) -> Any:
                counts[f"worlds.{kind}"] += rows.size
                steps = original(rows, *rest)
                try:
                    request = next(steps)
                    while True:
                        counts[f"evaluations.{kind}"] += request[1].size
                        request = steps.send((yield request))
                except StopIteration as stop:
                    return stop.value

            return run

        return wrap

    def evaluations(original: Any) -> Any:
        def run(self: Any, alpha: Any, rows: Any, signal: bool) -> Any:
            counts["evaluations.all"] += rows.size
            counts["evaluation_calls"] += 1
            return original(self, alpha, rows, signal)

        return run

    def risky(original: Any) -> Any:
        def run(*args: Any) -> Any:
            counts["world_rounds.risky"] += args[0].shape[0]
            counts["world_rounds.two_uncertain"] += int((args[8].sum(axis=1) >= 2).sum())
            return original(*args)

        return run

    def newton_steps(original: Any) -> Any:
        def run(self: Any, lam: Any, *rest: Any) -> Any:
            counts["dual_evaluations.calls"] += 1
            counts["dual_evaluations.rows"] += lam.shape[0]
            counts["dual_evaluations.small_calls"] += lam.shape[0] <= SMALL_CALL
            return original(self, lam, *rest)

        return run

    def solves(original: Any) -> Any:
        def run(self: Any, start: Any, *rest: Any) -> Any:
            counts["solves.calls"] += 1
            counts["solves.rows"] += start.shape[0]
            return original(self, start, *rest)

        return run

    from sim.core import model
    from sim.core.newton_kernel import ENGINE_VARIABLE

    # the counts are the numpy reference's (the compiled kernel evaluates inside its own loop)
    engine = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = "numpy"
    with (
        patched(uncertain_offer, "root_steps", search("root")),
        patched(uncertain_offer, "brent_steps", search("brent")),
        patched(uncertain_offer._Problem, "evaluate", evaluations),
        patched(model, "risky_offers", risky),
        patched(dual.DualProblem, "at", newton_steps),
        patched(dual.DualProblem, "solve_quadratic", solves),
    ):
        run_batch(scenario, index, seed=seed, overrides=overrides)
    if engine is None:
        del os.environ[ENGINE_VARIABLE]
    else:
        os.environ[ENGINE_VARIABLE] = engine
    ends = counts["evaluations.all"] - counts["evaluations.root"] - counts["evaluations.brent"]
    counts["evaluations.bracket_ends"] = ends
    return counts


def summary(numbers: dict[str, Any]) -> str:
    """The numbers as a few lines of text."""
    ms = numbers["cpu_ms_per_world"]
    lines = [
        f"{numbers['worlds']:,} baseline worlds: {ms['private']} ms of CPU per world with private"
        f" values, {ms['public']} ms without ({numbers['private_over_public']}x); a million"
        f" worlds on 2 cores: {numbers['million_worlds_seconds_on_2_cores']:,} s ="
        f" {numbers['over_60s_target']}x the 60 s target",
        "work per world (deterministic):",
    ]
    lines += [f"  {key:32s} {value:10.2f}" for key, value in numbers["per_world"].items()]
    return "\n".join(lines)


def batch_arguments(doc: str | None) -> argparse.Namespace:
    """``--worlds``, ``--repeats`` and ``--json``: the options of the batch benchmarks."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--worlds", type=int, default=4_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    return parser.parse_args()


def main() -> None:
    """Time the batch with and without private values, then count its work."""
    from sim.core.runner import run_batch

    args = batch_arguments(__doc__)
    private, public, index, overrides, seed = workload(args.worlds)
    seconds: dict[str, list[float]] = {"private": [], "public": []}
    for _ in range(args.repeats):
        for side, scenario in (("public", public), ("private", private)):
            started = time.process_time()
            run_batch(scenario, index, seed=seed, overrides=overrides)
            seconds[side].append(round(time.process_time() - started, 3))
    per_world = {side: statistics.median(v) / args.worlds for side, v in seconds.items()}
    million = 1e6 * per_world["private"] / 2
    counts = counted_run(private, index, overrides, seed)
    numbers: dict[str, Any] = {
        "worlds": args.worlds,
        "cpu_seconds": seconds,
        "cpu_ms_per_world": {side: round(1e3 * v, 3) for side, v in per_world.items()},
        "private_over_public": round(per_world["private"] / per_world["public"], 2),
        "million_worlds_seconds_on_2_cores": round(million),
        "over_60s_target": round(million / 60, 1),
        "per_world": {key: round(value / args.worlds, 2) for key, value in sorted(counts.items())},
    }
    print(json.dumps(numbers, indent=2) if args.json else summary(numbers))


if __name__ == "__main__":
    main()
