"""Where chunks run: a local process pool or a Dask cluster, with progress reporting."""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.errors import SweepError, SweepInterrupted
from sim.parent_watch import exit_with_parent
from sim.sweep.chunks import ChunkDone, ChunkTask, run_chunk_to_bytes, run_chunk_to_part
from sim.sweep.parts import write_part
from sim.sweep.start_method import pool_context


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Hold Ctrl-C back in this thread while worker processes may start.

    A child inherits the blocked signal (through ``fork`` and ``exec``), so a Ctrl-C cannot
    reach a worker while its interpreter is still starting up (where it would print a
    traceback).  Blocking is not enough for this process itself: the signal may arrive at
    another of its threads (numpy's, pyarrow's), and Python then runs its handler in this one
    anyway, between starting a worker and sending it its instructions (the worker then dies
    with a traceback).  So Python's handler is deferred too; a Ctrl-C that came meanwhile is
    raised again as soon as the block ends, and the parent decides.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.getsignal(signal.SIGINT)
    came: list[int] = []
    if handler is not None:
        signal.signal(signal.SIGINT, lambda signum, frame: came.append(signum))
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # one held back arrives now
        if came:
            signal.raise_signal(signal.SIGINT)


SCHEDULER_TIMEOUT = "5s"
"""How long to wait for a dask scheduler to answer."""


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group; let the parent decide and finish running chunks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()  # a parent killed outright leaves no worker behind
    # Import the model now and exempt everything imported from garbage collection: the
    # collection after every chunk (sim.sweep.chunks.collect_cycles; run_chunk_to_part freezes
    # what the first chunk loads) then scans only the chunk's own objects.
    import sim.core.runner  # noqa: F401

    gc.freeze()


@dataclass
class _Progress:
    total: int
    enabled: bool
    initial: int = 0
    _bar: Any = field(default=None, init=False)

    def __enter__(self) -> _Progress:
        if self.enabled:
            from tqdm import tqdm

            class Bar(tqdm):  # type: ignore[type-arg]
                # No monitor thread: a process with another thread spawns its workers rather
                # than forking them (sim.sweep.start_method).
                monitor_interval = 0

            # A terminal that reports no size (some CI ptys) would hide tqdm's bar entirely.
            size = shutil.get_terminal_size()
            self._bar = Bar(
                total=self.total,
                initial=self.initial,
                unit="world",
                unit_scale=True,
                ncols=size.columns,
                nrows=size.lines,
                smoothing=0.1,
                file=sys.stderr,
            )
        return self

    def update(self, worlds: int) -> None:
        if self._bar is not None:
            self._bar.update(worlds)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _run_local(
    tasks: Sequence[ChunkTask], workers: int, finished: Callable[[ChunkDone], None]
) -> None:
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    executor = ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)), mp_context=pool_context(), initializer=_worker_init
    )
    try:
        # Keep a bounded window of submitted chunks so a huge sweep does not queue every task.
        queue: Iterator[ChunkTask] = iter(tasks)
        running: set[Future[ChunkDone]] = set()
        window = 4 * workers
        for task in queue:
            with sigint_blocked():
                running.add(executor.submit(run_chunk_to_part, task))
            if len(running) >= window:
                break
        while running:
            completed, running = wait(running, return_when=FIRST_COMPLETED)
            for future in completed:
                finished(future.result())
                next_task = next(queue, None)
                if next_task is not None:
                    with sigint_blocked():
                        running.add(executor.submit(run_chunk_to_part, next_task))
    except KeyboardInterrupt as interrupt:
        executor.shutdown(wait=True, cancel_futures=True)
        raise SweepInterrupted("interrupted") from interrupt
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


IN_FLIGHT_PER_WORKER = 2
"""Chunks submitted to a dask cluster per worker at any time: enough to keep every worker busy,
few enough that a huge sweep does not queue every task (and its results) on the scheduler."""


def _run_dask(
    tasks: Sequence[ChunkTask],
    parts_dir: Path,
    workers: int | None,
    scheduler: str | None,
    finished: Callable[[ChunkDone], None],
    client: Any = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> None:
    """Run the tasks on a dask cluster: ``client`` (the caller's, left open), else the scheduler
    at ``scheduler``, else a LocalCluster of ``workers`` processes.  Each cell's scenario is
    scattered to the workers once; at most :data:`IN_FLIGHT_PER_WORKER` chunks per worker are
    in flight.  ``on_dashboard`` receives the dashboard's address of a cluster started here."""
    from dask.distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if client is not None:
            pass
        elif scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout=SCHEDULER_TIMEOUT))
            except (OSError, ValueError, TypeError) as error:
                raise SweepError(
                    f"cannot use the dask scheduler at {scheduler} ({error}); check --scheduler, "
                    "or start the scheduler first"
                ) from None
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers or default_workers(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: never collide with another cluster
                )
            )
            client = stack.enter_context(Client(cluster))
            if on_dashboard is not None and client.dashboard_link:
                on_dashboard(str(client.dashboard_link))
        scenarios: dict[int, Any] = {}  # one scattered copy per distinct scenario object
        for task in tasks:
            if id(task.scenario) not in scenarios:
                scenarios[id(task.scenario)] = client.scatter(task.scenario, broadcast=True)
        by_key: dict[str, ChunkTask] = {}

        def submit(task: ChunkTask) -> Any:
            remote = replace(task, parts_dir=None, scenario=None)  # type: ignore[arg-type]
            future = client.submit(
                run_chunk_with_scenario, remote, scenarios[id(task.scenario)], pure=False
            )
            by_key[future.key] = task
            return future

        queue = iter(tasks)
        window = IN_FLIGHT_PER_WORKER * max(1, workers or len(client.scheduler_info()["workers"]))
        running = as_completed([submit(t) for t in itertools.islice(queue, window)])
        try:
            for future in running:
                started = time.perf_counter()
                chunk = by_key.pop(future.key).chunk
                write_part(future.result(), parts_dir / chunk.file_name)
                future.release()
                next_task = next(queue, None)
                if next_task is not None:
                    running.add(submit(next_task))
                finished(ChunkDone(chunk, chunk.size, time.perf_counter() - started))
        except KeyboardInterrupt as interrupt:
            for future in running.futures:
                future.cancel()
            raise SweepInterrupted("interrupted") from interrupt


def run_chunk_with_scenario(task: ChunkTask, scenario: Any) -> bytes:
    """A dask worker's entry point: the task's rows (:func:`run_chunk_to_bytes`) with its
    scenario given apart, as the copy scattered to the workers once per sweep."""
    return run_chunk_to_bytes(replace(task, scenario=scenario))
