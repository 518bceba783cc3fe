"""The odds beside the single negotiation: a batch of worlds of the current settings, summarised.

The batched model (:func:`sim.core.runner.run_batch`) runs every world at once; the summary is the one
``parley sweep`` prints (:func:`sim.analysis.summaries.summarize`): P(agreement) with its 95% Wilson
interval, the agreed terms' median and 5-95% range, each actor's mean gain, and how talks ended.
World ``w`` of the batch is world ``w`` of any sweep or ``parley run --world w`` with the same
seed, so what the page shows can be reproduced from the exported scenario.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.summaries import CellSummary, format_p_agreement, format_stage, summarize
from sim.arrays import IntArray
from sim.core.model import NegotiationModel
from sim.core.records import FUNNEL, Columns
from sim.core.runner import columns_of, run_batch
from sim.scenario.schema import Scenario

BATCH_WORLDS = 5_000
"""Worlds in the page's live batch."""


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

    @property
    def funnel(self) -> list[tuple[str, str]]:
        """``(stage, "P(signed) = 31.2% [30.6, 31.9]")`` for signed, ratified and durable (empty
        for records without the deal's funnel)."""
        stages = self.summary.get("funnel") or {}
        return [
            (stage, f"P({stage}) = {format_stage(stages[stage])}")
            for stage in FUNNEL
            if stage in stages
        ]


def batch_odds(
    scenario: Scenario,
    worlds: int = BATCH_WORLDS,
    *,
    seed: int | None = None,
    workers: int = 1,
    pool: OddsPool | None = None,
    session: str = "",
) -> Odds:
    """Run worlds ``0 .. worlds-1`` of ``scenario`` (seed: the scenario's) and summarise them.

    With ``workers`` > 1 (or a ``pool``) the worlds are split into consecutive chunks run in
    worker processes at once; a world's fate depends only on (seed, world), so the records are
    the same as with one.  On a ``pool``, a newer batch of the same ``session`` cancels this
    one, which then raises :class:`BatchCancelled`.
    """
    if worlds < 1:
        raise ValueError(f"need at least one world, got {worlds}")
    if workers < 1:
        raise ValueError(f"need at least one worker, got {workers}")
    if pool is None and workers > 1:
        pool = shared_pool(workers)
    if pool is None:
        columns = run_batch(scenario, np.arange(worlds), seed=seed)
    else:
        columns = pool.run(scenario, worlds, seed=seed, session=session)
    records = pd.DataFrame(columns)
    summary = summarize(records, scenario.issue_names, scenario.actor_names)[0]
    return Odds(scenario=scenario, records=records, summary=summary)


CACHED_BATCHES = 16
"""Batches the page keeps, so moving a control back (or undoing every change) is instant."""


class OddsCache:
    """The last few batches by the settings they ran (least recently used dropped first)."""

    def __init__(self, size: int = CACHED_BATCHES) -> None:
        self.size = size
        self._odds: OrderedDict[tuple[str, int], Odds] = OrderedDict()
        self._lock = threading.Lock()

    def odds(
        self,
        scenario: Scenario,
        worlds: int = BATCH_WORLDS,
        *,
        pool: OddsPool | None = None,
        session: str = "",
    ) -> Odds:
        """:func:`batch_odds` of these settings, run again only if not among the kept ones."""
        key = (scenario.model_dump_json(), worlds)
        with self._lock:
            if key in self._odds:
                self._odds.move_to_end(key)
                return self._odds[key]
        odds = batch_odds(scenario, worlds, pool=pool, session=session)
        with self._lock:
            self._odds[key] = odds
            while len(self._odds) > self.size:
                self._odds.popitem(last=False)
        return odds


class BatchCancelled(Exception):
    """A batch stopped because a newer one of the same page session started."""


SESSION_SLOTS = 256
"""Page sessions whose latest batch numbers the workers can read (a slot is reused after)."""

_LATEST: Any = None  # in a worker: the shared latest batch number of each session slot


def _start_worker(latest: Any) -> None:
    """Worker start-up: keep the shared batch numbers, import the model before the first batch."""
    global _LATEST
    _LATEST = latest


def _run_part(
    scenario: Scenario, worlds: IntArray, seed: int | None, slot: int, number: int
) -> Columns | None:
    """One chunk of a batch, or None as soon as a newer batch of its session has started.

    The same steps as :func:`sim.core.runner.simulate`, checking between rounds.
    """
    model = NegotiationModel(scenario, worlds, seed=seed)
    while model.running:
        if _LATEST is not None and _LATEST[slot] != number:
            return None
        model.step()
    return columns_of(model)


def _ready() -> bool:
    return True


class OddsPool:
    """Worker processes kept for the life of the page, splitting each batch between them.

    Spawned (safe next to the server's threads).  A batch is cut into one chunk per worker; each
    worker stops its chunk between rounds once a newer batch of the same session has begun, so
    a stale batch never holds up the one the page now wants.
    """

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.workers = workers
        self._latest = context.RawArray("q", SESSION_SLOTS)
        self._slots: dict[str, int] = {}
        self._lock = threading.Lock()
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._latest,),
        )

    def warm_up(self) -> None:
        """Start the workers now (they import the model) so the first batch does not wait."""
        for future in [self._executor.submit(_ready) for _ in range(self.workers)]:
            future.result()

    def run(self, scenario: Scenario, worlds: int, *, seed: int | None, session: str) -> Columns:
        """Worlds ``0 .. worlds-1`` as record columns; raises :class:`BatchCancelled` if a
        newer batch of ``session`` started meanwhile."""
        with self._lock:
            slot = self._slots.setdefault(session, len(self._slots) % SESSION_SLOTS)
            self._latest[slot] += 1
            number = int(self._latest[slot])
        chunks = np.array_split(np.arange(worlds), min(self.workers, worlds))
        futures = [
            self._executor.submit(_run_part, scenario, chunk, seed, slot, number)
            for chunk in chunks
        ]
        parts = [future.result() for future in futures]
        if any(part is None for part in parts):
            raise BatchCancelled(f"batch {number} of session slot {slot} was superseded")
        done = [part for part in parts if part is not None]
        return {name: np.concatenate([part[name] for part in done]) for name in done[0]}


_POOLS: dict[int, OddsPool] = {}


def shared_pool(workers: int) -> OddsPool:
    """The process's pool of ``workers`` worker processes (started on first use, then kept)."""
    if workers not in _POOLS:
        _POOLS[workers] = OddsPool(workers)
    return _POOLS[workers]
