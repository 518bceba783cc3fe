"""The odds beside the single negotiation: a batch of worlds of the current settings, summarised.

The batched model (:func:`sim.core.runner.run_batch`) runs every world at once; the summary is the one
``parley sweep`` prints (:func:`sim.analysis.summaries.summarize`): P(agreement) with its 95% Wilson
interval, the agreed terms' median and 5-95% range, each actor's mean gain, and how talks ended.
World ``w`` of the batch is world ``w`` of any sweep or ``parley run --world w`` with the same
seed, so what the page shows can be reproduced from the exported scenario.

The page can show the batch progressively (:func:`progressive_odds`): first the odds of worlds
``0 .. FIRST_SLICE-1``, marked provisional with their own (wider) interval, then those of the
whole batch (where whole batches are slow: :mod:`sim.app.provisional`).  A world's fate depends
only on (seed, world), so the slices together are the same records as the batch run at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.summaries import CellSummary, format_p_agreement, format_stage, summarize
from sim.app.pool import OddsPool, concatenated, shared_pool
from sim.app.split import worker_chunks
from sim.arrays import IntArray
from sim.core.records import FUNNEL, Columns
from sim.core.runner import run_batch
from sim.scenario.schema import Scenario

BATCH_WORLDS = 5_000
"""Worlds in the page's live batch."""

FIRST_SLICE = 500
"""Worlds of the page's first, provisional update (chosen with ``benchmarks/bench_app.py
--first-slices``: a slice's time is mostly a cost per round that does not shrink with its
worlds, so a smaller first slice is barely faster, and every further slice pays it again)."""


@dataclass(frozen=True, eq=False)
class Odds:
    """Outcome records of worlds ``0 .. n-1`` of a batch of ``batch_worlds`` worlds and their
    summary (equal only to itself); provisional while ``n < batch_worlds``."""

    scenario: Scenario
    records: pd.DataFrame
    summary: CellSummary
    batch_worlds: int

    @property
    def worlds(self) -> int:
        """The worlds these odds summarise (a prefix of the batch)."""
        return len(self.records)

    @property
    def provisional(self) -> bool:
        """Whether these are the odds of a first slice of the batch, not of all its worlds."""
        return self.worlds < self.batch_worlds

    @property
    def coverage(self) -> str:
        """``provisional: 500 of 5,000 worlds`` (empty for a complete batch)."""
        if not self.provisional:
            return ""
        return f"provisional: {self.worlds:,} of {self.batch_worlds:,} worlds"

    @property
    def p_agreement(self) -> float:
        """The share of worlds that reached a deal."""
        value = self.summary["p_agreement"]
        return float("nan") if value is None else float(value)

    @property
    def headline(self) -> str:
        """``P(agreement) = 48.2% [46.8, 49.6]`` (95% Wilson interval), with ``(provisional:
        500 of 5,000 worlds)`` after it for a first slice."""
        shown = f"P(agreement) = {format_p_agreement(self.summary)}"
        return f"{shown} ({self.coverage})" if self.provisional else shown

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
    one, which then raises :class:`~sim.app.pool.BatchCancelled`.
    """
    *_, odds = progressive_odds(
        scenario, worlds, first=worlds, seed=seed, workers=workers, pool=pool, session=session
    )
    return odds


def progressive_odds(
    scenario: Scenario,
    worlds: int = BATCH_WORLDS,
    *,
    first: int = FIRST_SLICE,
    seed: int | None = None,
    workers: int = 1,
    pool: OddsPool | None = None,
    session: str = "",
) -> Iterator[Odds]:
    """The odds of worlds ``0 .. first-1`` (provisional), then of all ``worlds``: the batch of
    :func:`batch_odds` in two slices, its first summarised as soon as it is done.

    On a ``pool`` every slice is queued at once, when this is called (the workers go on to the
    rest while the first is summarised), and a newer batch of the same ``session`` cancels the remaining slices
    between rounds: the next step then raises :class:`~sim.app.pool.BatchCancelled`.
    """
    if worlds < 1:
        raise ValueError(f"need at least one world, got {worlds}")
    if workers < 1:
        raise ValueError(f"need at least one worker, got {workers}")
    if first < 1:
        raise ValueError(f"need at least one world in the first slice, got {first}")
    if pool is None and workers > 1:
        pool = shared_pool(workers)
    if pool is None:
        slices = [np.arange(0, min(first, worlds))]
        if first < worlds:
            slices.append(np.arange(first, worlds))
        return _run_here(scenario, slices, seed, worlds)
    ticket = pool.begin(session)  # queued now, not at the first step: the page starts it early
    queued = [
        pool.submit_chunks(scenario, chunks, seed, ticket)
        for chunks in worker_chunks(first, worlds, pool.workers)
    ]
    return _gathered(scenario, pool, ticket, queued, worlds)


def _run_here(
    scenario: Scenario, slices: Sequence[IntArray], seed: int | None, batch_worlds: int
) -> Iterator[Odds]:
    parts: list[Columns] = []
    for chunk in slices:
        parts.append(run_batch(scenario, chunk, seed=seed))
        yield _odds_of(scenario, parts, batch_worlds)


def _gathered(
    scenario: Scenario,
    pool: OddsPool,
    ticket: tuple[int, int],
    queued: Sequence[Sequence[Future[Columns | None]]],
    batch_worlds: int,
) -> Iterator[Odds]:
    parts: list[Columns] = []
    for futures in queued:
        parts.append(pool.gather(futures, ticket))
        yield _odds_of(scenario, parts, batch_worlds)


def _odds_of(scenario: Scenario, parts: Sequence[Columns], batch_worlds: int) -> Odds:
    """The odds of the worlds in ``parts`` (consecutive slices from world 0, in order)."""
    records = pd.DataFrame(concatenated(parts))
    summary = summarize(records, scenario.issue_names, scenario.actor_names)[0]
    return Odds(scenario=scenario, records=records, summary=summary, batch_worlds=batch_worlds)


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
        *_, odds = self.progressive(scenario, worlds, first=worlds, pool=pool, session=session)
        return odds

    def has(self, scenario: Scenario, worlds: int = BATCH_WORLDS) -> bool:
        """Whether the batch of these settings is among the kept ones."""
        return (scenario.model_dump_json(), worlds) in self._odds  # a dict lookup: atomic

    def progressive(
        self,
        scenario: Scenario,
        worlds: int = BATCH_WORLDS,
        *,
        first: int = FIRST_SLICE,
        pool: OddsPool | None = None,
        session: str = "",
    ) -> Iterator[Odds]:
        """:func:`progressive_odds` of these settings; a kept batch comes at once, complete
        (and, on a ``pool``, cancels the session's stale batch as a new one would, when this is
        called)."""
        key = (scenario.model_dump_json(), worlds)
        with self._lock:
            kept = self._odds.get(key)
            if kept is not None:
                self._odds.move_to_end(key)
        if kept is not None:
            if pool is not None:
                pool.begin(session)
            return iter([kept])
        steps = progressive_odds(scenario, worlds, first=first, pool=pool, session=session)
        return self._keeping(key, steps)

    def _keeping(self, key: tuple[str, int], steps: Iterator[Odds]) -> Iterator[Odds]:
        odds: Odds | None = None
        for odds in steps:
            yield odds
        assert odds is not None
        with self._lock:
            self._odds[key] = odds
            while len(self._odds) > self.size:
                self._odds.popitem(last=False)
