"""What a cheaper search for several uncertain responders would buy, and what it would cost.

    python benchmarks/bench_search_budget.py                     # 15,000 baseline worlds
    python benchmarks/bench_search_budget.py --budgets 4,6,8,12 --worlds 25000

The proposer facing two or more uncertain responders searches the common alpha with Brent's
method (:func:`sim.core.alpha_search.brent_steps`, about 13.7 evaluations of F a search on the
private-values baseline, each a solve).  A search capped at B evaluations is the first B of
those same probes (Brent's steps are deterministic), so one run of the shipped search measures
every cap's answer on the same problems.  This benchmark reports, on the first N worlds of
``experiments/baseline-uncertainty.yaml`` (the workload of ``bench_private.py``):

(1) the quality of a capped search: the share of the shipped run's several-responder searches
    whose best F among their first B probes falls short of the search's own answer by more
    than 1% and by more than 10% of it (a cap with no feasible probe yet counts as losing all);
(2) its speed: the batch's CPU per world with every several-responder search stopped after B
    probes, in this process, alternating with the shipped search (``--repeats`` each), and the
    ratio.  Stopping a search changes the offers and so the later rounds, as a cheaper search
    would.

A million private-values worlds took 80.3 s on 2 workers on an idle machine
(``bench_sweep.py --worlds 1000000 --per-world-sample 0``, 0.6.8), so issue 8's 60 s needs a
CPU ratio of about 0.75 (docs/speed.md, "What the 60 s would cost").  The cap is a what-if
measured from outside the package (the shipped search is wrapped here), not an option of it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
from bench_private import patched, workload

LOSSES = (0.01, 0.1)
"""The shortfalls of F, as shares of the search's answer, whose frequency (1) reports."""


class Capped:
    """Wraps the several-responder searches: each is stopped after ``cap`` probes (None: run to
    the end), answering with the best trial among its probes as Brent's search does (ties go
    to the later probe); with ``record``, the best F after each of ``budgets`` probes and at the
    end is kept per searched world."""

    def __init__(self, cap: int | None, budgets: tuple[int, ...] = (), record: bool = False):
        self.cap, self.budgets, self.record = cap, budgets, record
        self.best_after: dict[int, list[np.ndarray]] = {b: [] for b in budgets}
        self.answers: list[np.ndarray] = []

    def __call__(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def run(rows: Any, start: Any, relative: Any = None, ends: bool = False) -> Any:
            rest = () if relative is None else (relative, ends)
            if not ends:  # one uncertain responder: the shipped search, untouched
                return (yield from original(rows, start, *rest))
            return (yield from self._search(original(rows, start, *rest), rows))

        return run

    def _search(self, steps: Generator[Any, Any, Any], rows: np.ndarray) -> Any:
        best: Any = None
        value, after = np.full(rows.size, -np.inf), {}
        request, probes = next(steps), 0
        try:
            while True:
                trial = yield request
                probes += 1
                # the probe's rows are a subsequence of the search's (ascending world rows)
                at = np.searchsorted(rows, request[1])
                better = np.flatnonzero(trial.value >= value[at])
                value[at[better]] = trial.value[better]
                if best is None:
                    best = trial.copy()
                else:
                    best.put(at[better], trial.take(better))
                if probes in self.budgets:
                    after[probes] = value.copy()
                if self.cap is not None and probes >= self.cap:
                    steps.close()
                    return best
                request = steps.send(trial)
        except StopIteration as stop:
            if self.record:
                for budget in self.budgets:
                    self.best_after[budget].append(after.get(budget, value))
                self.answers.append(value)
            return stop.value

    def shortfalls(self) -> dict[str, dict[str, float]]:
        """Per budget, the share of searches losing more than each of ``LOSSES`` of F."""
        answer = np.concatenate(self.answers)
        scored = np.isfinite(answer) & (answer > 0.0)
        result = {}
        for budget in self.budgets:
            found = np.concatenate(self.best_after[budget])[scored]
            loss = np.where(np.isfinite(found), 1.0 - found / answer[scored], 1.0)
            result[str(budget)] = {
                f"over_{share:g}": round(float(np.mean(loss > share)), 4) for share in LOSSES
            }
        result["searches"] = {"scored": int(scored.sum()), "all": int(answer.size)}
        return result


def timed(capped: Capped | None, task: tuple[Any, ...]) -> float:
    """CPU seconds of one batch, with the several-responder searches capped (None: shipped)."""
    from sim.core import uncertain_offer
    from sim.core.runner import run_batch

    scenario, index, overrides, seed = task
    started = time.process_time()
    if capped is None:
        run_batch(scenario, index, seed=seed, overrides=overrides)
    else:
        with patched(uncertain_offer, "brent_steps", capped):
            run_batch(scenario, index, seed=seed, overrides=overrides)
    return time.process_time() - started


def main() -> None:
    """Measure every budget's shortfall on the shipped run, then its CPU against the shipped."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--worlds", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--budgets", default="4,6,8,12", help="probes a search may make")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    budgets = tuple(sorted({int(item) for item in args.budgets.split(",")}))
    scenario, _, index, overrides, seed = workload(args.worlds)
    task = (scenario, index, overrides, seed)
    recorder = Capped(None, budgets, record=True)
    timed(recorder, task)  # the shipped searches, each cap's best read off as they go
    seconds: dict[str, list[float]] = {"shipped": [], **{str(b): [] for b in budgets}}
    for _ in range(args.repeats):
        for budget in (None, *budgets):
            capped = None if budget is None else Capped(budget)
            seconds["shipped" if budget is None else str(budget)].append(timed(capped, task))
    ms = {key: 1e3 * statistics.median(v) / args.worlds for key, v in seconds.items()}
    numbers = {
        "worlds": args.worlds,
        "shortfall": recorder.shortfalls(),
        "cpu_ms_per_world": {key: round(value, 4) for key, value in ms.items()},
        "cpu_ratio": {key: round(value / ms["shipped"], 3) for key, value in ms.items()},
    }
    if args.json:
        print(json.dumps(numbers, indent=2))
        return
    scored = numbers["shortfall"]["searches"]
    print(
        f"{args.worlds:,} baseline worlds, {scored['all']:,} several-responder searches"
        f" ({scored['scored']:,} with a positive answer); shipped search"
        f" {numbers['cpu_ms_per_world']['shipped']} ms of CPU a world"
    )
    print("probes  loses >1% of F  loses >10%  CPU a world  ratio")
    for budget in budgets:
        key = str(budget)
        losses = numbers["shortfall"][key]
        print(
            f"{budget:6d}  {losses['over_0.01']:14.1%}  {losses['over_0.1']:10.1%}"
            f"  {numbers['cpu_ms_per_world'][key]:8.4f} ms  {numbers['cpu_ratio'][key]:.3f}"
        )


if __name__ == "__main__":
    main()
