"""The odds beside the single negotiation: a batch of worlds of the current settings, summarised.

The batched model (:func:`sim.core.runner.run_batch`) runs every world at once; the summary is the one
``parley sweep`` prints (:func:`sim.analysis.summaries.summarize`): P(agreement) with its 95% Wilson
interval, the agreed terms' median and 5-95% range, each actor's mean gain, and how talks ended.
World ``w`` of the batch is world ``w`` of any sweep or ``parley run --world w`` with the same
seed, so what the page shows can be reproduced from the exported scenario.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.summaries import CellSummary, format_p_agreement, summarize
from sim.core.runner import run_batch
from sim.scenario.schema import Scenario

BATCH_WORLDS = 5_000
"""Worlds in the page's live batch (the baseline runs them in about 0.2 s on one core)."""


@dataclass(frozen=True, eq=False)
class Odds:
    """Outcome records of a batch of worlds and their summary (equal only to itself)."""

    scenario: Scenario
    records: pd.DataFrame
    summary: CellSummary

    @property
    def p_agreement(self) -> float:
        """The share of worlds that reached a deal."""
        value = self.summary["p_agreement"]
        return float("nan") if value is None else float(value)

    @property
    def headline(self) -> str:
        """``P(agreement) = 48.2% [46.8, 49.6]`` (95% Wilson interval, N worlds)."""
        return f"P(agreement) = {format_p_agreement(self.summary)}"


def batch_odds(
    scenario: Scenario, worlds: int = BATCH_WORLDS, *, seed: int | None = None, workers: int = 1
) -> Odds:
    """Run worlds ``0 .. worlds-1`` of ``scenario`` (seed: the scenario's) and summarise them.

    With ``workers`` > 1 the worlds are split into that many consecutive chunks run in worker
    processes at once; a world's fate depends only on (seed, world), so the records are the
    same as with one.
    """
    if worlds < 1:
        raise ValueError(f"need at least one world, got {worlds}")
    if workers < 1:
        raise ValueError(f"need at least one worker, got {workers}")
    if workers == 1:
        columns = run_batch(scenario, np.arange(worlds), seed=seed)
    else:
        chunks = np.array_split(np.arange(worlds), min(workers, worlds))
        pool = _pool(workers)
        parts = [
            f.result() for f in [pool.submit(run_batch, scenario, c, seed=seed) for c in chunks]
        ]
        columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    records = pd.DataFrame(columns)
    summary = summarize(records, scenario.issue_names, scenario.actor_names)[0]
    return Odds(scenario=scenario, records=records, summary=summary)


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` kept for the life of the process (spawned: safe in threads)."""
    if workers not in _POOLS:
        context = multiprocessing.get_context("spawn")
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return _POOLS[workers]
