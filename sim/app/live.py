"""The page's live batches: the server's worker pool and cache, and each session's batch started
as soon as a control's change is applied (before the page re-renders).

A control's change handler calls :func:`start_batch` with the new settings: the batch's slices
are queued on the workers at once (cancelling the session's stale batch), and the odds card's
task, started only after the page has re-rendered, takes that batch (:func:`take_batch`) instead
of starting its own.  Measured with ``benchmarks/bench_app.py``: the re-render and the task's
start came between the key press and the batch's start (0.11-0.15 s at load 4).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator

import solara
import solara.lab

from sim.app.odds import BATCH_WORLDS, FIRST_SLICE, Odds, OddsCache
from sim.app.pool import OddsPool, existing_pool, shared_pool
from sim.app.provisional import Provisional
from sim.scenario.schema import Scenario

logger = logging.getLogger(__name__)

ODDS_WORKERS = min(2, os.cpu_count() or 1)
"""Processes the page's batch is split over (the machine's two cores)."""

ODDS_CACHE = OddsCache()
"""The server's last batches (shared by its sessions: a batch depends only on its settings)."""

PROVISIONAL = Provisional.from_environment()
"""Whether the page's batches show a provisional first slice (``parley app --provisional``)."""

_started: dict[str, tuple[Scenario, Iterator[Odds]]] = {}
_lock = threading.Lock()


def odds_pool() -> OddsPool | None:
    """The page's worker processes (none on a one-core machine: the batch runs in the server)."""
    return shared_pool(ODDS_WORKERS) if ODDS_WORKERS > 1 else None


def page_batch(
    scenario: Scenario, session: str, worlds: int = BATCH_WORLDS, first_slice: int = FIRST_SLICE
) -> Iterator[Odds]:
    """The odds of a batch of ``scenario`` for page ``session``, started now on the workers
    (cancelling the session's stale batch): a provisional first slice first where
    :data:`PROVISIONAL` says so, and the batch's time (from now to its whole odds) recorded for
    it unless the page had kept the batch."""
    first = PROVISIONAL.first(first_slice, worlds)
    kept = ODDS_CACHE.has(scenario, worlds)
    steps = ODDS_CACHE.progressive(scenario, worlds, first=first, pool=odds_pool(), session=session)
    return steps if kept else _timed(steps, first < worlds, time.perf_counter())


def _timed(steps: Iterator[Odds], provisional: bool, started: float) -> Iterator[Odds]:
    """``steps``, recording the whole batch's time from ``started`` (the batch's start: a
    generator's body runs only at its first step, when the card takes it after a render)."""
    for odds in steps:
        if not odds.provisional:
            PROVISIONAL.record(time.perf_counter() - started, provisional)
        yield odds


def start_batch(
    scenario: Scenario, session: str, worlds: int = BATCH_WORLDS, first_slice: int = FIRST_SLICE
) -> Iterator[Odds]:
    """Start the batch of ``scenario`` for page ``session`` now (:func:`page_batch`) and keep
    it for :func:`take_batch`."""
    steps = page_batch(scenario, session, worlds, first_slice)
    with _lock:
        _started[session] = (scenario, steps)
    return steps


def start_early(scenario: Scenario) -> None:
    """:func:`start_batch` for a change handler, in the page's session (nothing outside a page):
    a failure is logged, and the odds card then starts the batch itself (and shows why it could
    not run)."""
    try:
        session = solara.get_kernel_id()
    except RuntimeError:  # not in a page's session (a script or a test changing the state)
        return
    try:
        start_batch(scenario, session)
    except Exception:
        logger.exception("starting the batch early failed")


def take_batch(scenario: Scenario, session: str) -> Iterator[Odds] | None:
    """The batch of ``scenario`` started for ``session`` (taken: a second call gives None), or
    None if the session's started batch is of other settings (or there is none)."""
    with _lock:
        started = _started.pop(session, None)
    if started is not None and started[0] == scenario:
        return started[1]
    return None


def end_session(session: str) -> None:
    """Page ``session`` closed: drop the batch started for it and not taken, cancel what its
    workers still run for it and free its slot (:meth:`sim.app.pool.OddsPool.end`)."""
    with _lock:
        _started.pop(session, None)
    pool = existing_pool(ODDS_WORKERS) if ODDS_WORKERS > 1 else None
    if pool is not None:
        pool.end(session)


def page_opened() -> Callable[[], None]:
    """A page's session started: the cleanup that ends it when its browser tab disconnects
    (Solara calls it at the virtual kernel's shutdown)."""
    session = solara.get_kernel_id()
    return lambda: end_session(session)


solara.lab.on_kernel_start(page_opened)
