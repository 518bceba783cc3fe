"""Worker processes that end with their parent.

A ``ProcessPoolExecutor`` worker waits for work on a queue whose pipe every worker also holds
open for writing, so when the parent dies without shutting the pool down (``kill -9`` of
``parley sweep``, ``SIGTERM`` to ``parley app``, the kernel's out-of-memory killer) no end of
file ever reaches it: measured before 0.6.0, a sweep's two workers went on computing their
chunks and then waited for ever, ~350-500 MB each.  :func:`exit_with_parent`, called in a
worker's initializer, ends the worker as soon as its parent is gone, by waiting on the parent's
sentinel (the pipe a child was started with, spawned or forked, whose other end only the parent
holds: it reads as closed once the parent exits).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading

EXIT_STATUS = 1
"""A worker's exit status when its parent is gone (nothing it was doing is kept)."""


def exit_with_parent() -> None:
    """In a child process: end this process at once when the parent exits (a daemon thread
    waits for it).  Nothing happens in a process that was not started by ``multiprocessing``."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch(sentinel: int) -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(EXIT_STATUS)

    threading.Thread(
        target=watch, args=(parent.sentinel,), name="parley-parent-watch", daemon=True
    ).start()
