"""What keeping a sweep's round-by-round histograms costs, as a share of the batch's CPU time.

    python benchmarks/bench_rounds.py                       # the baseline, 5,000 worlds
    python benchmarks/bench_rounds.py textbook/nash-split --worlds 20000

Workload: one batch of a scenario's worlds (:func:`sim.core.runner.simulate`), as a sweep's chunk
runs it.  The same process times every call of :meth:`RoundHistograms.add` (one fixed histogram
per actor's threshold and no-deal value and per issue's status quo, each round) and the whole
batch, and prints their ratio: the share of a sweep's CPU the fan chart's data costs.
Measured (2 shared cores): 0.4% for the baseline (private values), 3.7% for the textbook split,
whose rounds cost almost nothing else.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sim.core import round_histograms
from sim.core.runner import simulate
from sim.scenario.loader import load_scenario


def main() -> None:
    """Time one batch and the histograms' bookkeeping within it, and print the share."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="alaska-summit")
    parser.add_argument("--worlds", type=int, default=5_000)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    spent = [0.0]
    add = round_histograms.RoundHistograms.add

    def timed(self: round_histograms.RoundHistograms, now: object) -> None:
        started = time.process_time()
        add(self, now)  # type: ignore[arg-type]
        spent[0] += time.process_time() - started

    round_histograms.RoundHistograms.add = timed  # type: ignore[method-assign]
    started = time.process_time()
    simulate(scenario, np.arange(args.worlds), seed=1)
    total = time.process_time() - started
    print(
        f"{args.scenario}, {args.worlds:,} worlds: {total:.2f} s CPU, of which round histograms "
        f"{spent[0]:.3f} s ({100 * spent[0] / total:.1f}%)"
    )


if __name__ == "__main__":
    main()
