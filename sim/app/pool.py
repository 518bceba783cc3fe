"""The page's worker processes: each batch of worlds split between them, and cancelled when stale.

A page's batch (:mod:`sim.app.odds`) runs on a pool of processes started with the page; a newer
batch of the same page (session) cancels the chunks of the stale one between rounds.  The
workers also draw the odds figures (:mod:`sim.app.odds_figures`).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

import numpy as np

from sim.arrays import IntArray
from sim.core.model import NegotiationModel
from sim.core.records import Columns
from sim.core.runner import columns_of
from sim.parent_watch import exit_with_parent
from sim.scenario.schema import Scenario

T = TypeVar("T")


class BatchCancelled(Exception):
    """A batch stopped because a newer one of the same page session started."""


SESSION_SLOTS = 256
"""Page sessions whose latest batch numbers the workers can read (a slot is reused after)."""

_LATEST: Any = None  # in a worker: the shared latest batch number of each session slot


def _start_worker(latest: Any) -> None:
    """Worker start-up: keep the shared batch numbers, end with the server (a server stopped
    by a signal does not shut its pool down)."""
    global _LATEST
    _LATEST = latest
    exit_with_parent()


def superseded(slot: int, number: int) -> bool:
    """In a worker: whether a newer batch than batch ``number`` of session ``slot`` has begun."""
    return _LATEST is not None and _LATEST[slot] != number


def _run_part(
    scenario: Scenario, worlds: IntArray, seed: int | None, slot: int, number: int
) -> Columns | None:
    """One chunk of a batch, or None as soon as a newer batch of its session has started.

    The same steps as :func:`sim.core.runner.simulate`, checking between rounds.
    """
    model = NegotiationModel(scenario, worlds, seed=seed)
    while model.running:
        if superseded(slot, number):
            return None
        model.step()
    return columns_of(model)


def _ready() -> bool:
    """Import what the workers draw the odds figures with (:mod:`sim.app.odds_figures`)."""
    import sim.output.figures.gains  # noqa: F401
    import sim.output.figures.terms  # noqa: F401
    import sim.output.report  # noqa: F401

    return True


class OddsPool:
    """Worker processes kept for the life of the page, splitting each batch between them.

    Spawned (safe next to the server's threads).  A batch is cut so that the workers end
    together (:func:`sim.app.split.worker_chunks`); a worker stops its chunk between rounds once
    a newer batch of the same session has begun, so a stale batch never holds up the one the
    page now wants.  The workers also draw the odds figures (:mod:`sim.app.odds_figures`).
    """

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.workers = workers
        self._latest = context.RawArray("q", SESSION_SLOTS)
        self._slots: dict[str, int] = {}
        self._free: list[int] = []  # slots of closed pages, reused first
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

    def begin(self, session: str) -> tuple[int, int]:
        """Start a new batch of ``session`` (cancelling its previous one): its ticket."""
        with self._lock:
            if session not in self._slots:
                taken = len(self._slots) + len(self._free)
                self._slots[session] = self._free.pop() if self._free else taken % SESSION_SLOTS
            slot = self._slots[session]
            self._latest[slot] += 1
            return slot, int(self._latest[slot])

    def ticket(self, session: str) -> tuple[int, int] | None:
        """The ticket of ``session``'s latest batch (None before its first)."""
        with self._lock:
            slot = self._slots.get(session)
            return None if slot is None else (slot, int(self._latest[slot]))

    def end(self, session: str) -> None:
        """A page closed: cancel its batch (its workers stop between rounds) and free its slot."""
        with self._lock:
            slot = self._slots.pop(session, None)
            if slot is not None:
                self._latest[slot] += 1
                self._free.append(slot)

    def submit(
        self, scenario: Scenario, worlds: IntArray, seed: int | None, ticket: tuple[int, int]
    ) -> list[Future[Columns | None]]:
        """Queue ``worlds`` of the batch ``ticket``, one consecutive chunk per worker."""
        chunks = np.array_split(worlds, min(self.workers, len(worlds)))
        return self.submit_chunks(scenario, chunks, seed, ticket)

    def submit_chunks(
        self,
        scenario: Scenario,
        chunks: Sequence[IntArray],
        seed: int | None,
        ticket: tuple[int, int],
    ) -> list[Future[Columns | None]]:
        """Queue the given chunks of worlds of the batch ``ticket``, in order."""
        return [
            self._executor.submit(_run_part, scenario, chunk, seed, *ticket) for chunk in chunks
        ]

    def run(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Queue ``function(*args)`` on a worker (a module-level function: it is pickled)."""
        return self._executor.submit(function, *args)

    def gather(self, futures: Sequence[Future[Columns | None]], ticket: tuple[int, int]) -> Columns:
        """The record columns of queued chunks, in order; raises :class:`BatchCancelled` if a
        newer batch of the session started meanwhile."""
        parts = [future.result() for future in futures]
        done = [part for part in parts if part is not None]
        if len(done) < len(parts) or int(self._latest[ticket[0]]) != ticket[1]:
            raise BatchCancelled(f"batch {ticket[1]} of session slot {ticket[0]} was superseded")
        return concatenated(done)


_POOLS: dict[int, OddsPool] = {}


def existing_pool(workers: int) -> OddsPool | None:
    """The process's pool of ``workers`` worker processes if it has started, else None."""
    return _POOLS.get(workers)


def shared_pool(workers: int) -> OddsPool:
    """The process's pool of ``workers`` worker processes (started on first use, then kept)."""
    if workers not in _POOLS:
        _POOLS[workers] = OddsPool(workers)
    return _POOLS[workers]


def concatenated(parts: Sequence[Columns]) -> Columns:
    """The columns of consecutive parts of a batch, in order."""
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
