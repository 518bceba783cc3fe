"""How the local pool's worker processes start: forked from this process where that is safe,
spawned otherwise.

A spawned worker is a new interpreter that imports numpy, pyarrow and the model again before
its first chunk: on the project's 2-core machine the workers of a million-world sweep were ready
0.6 s after it began.  A forked one starts as a copy of this process, imports done: 0.1 s
(docs/speed.md, "Workers forked, not spawned").  Results do not depend on the start method: a
world's fate depends only on (seed, world).

``fork`` copies only the calling thread, so a lock that another Python thread holds at that
moment stays held in the child for ever.  A process running other Python threads (a notebook's
kernel, a dask client, the page's server) therefore spawns its workers.  The C libraries a
worker uses re-initialise their own threads after a fork (OpenBLAS, Arrow, glibc's malloc and
stdio, through ``pthread_atfork``).  From Python 3.12, CPython deprecates any fork of a process
with threads, and numpy's and Arrow's pools are threads: there the workers are spawned too.
``PARLEY_START_METHOD`` (``fork`` or ``spawn``) overrides the choice.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from multiprocessing.context import BaseContext

from sim.errors import SweepError, did_you_mean

START_METHOD_VARIABLE = "PARLEY_START_METHOD"
"""The environment variable that picks the pool's start method: ``fork`` or ``spawn``."""

START_METHODS = ("fork", "spawn")


def start_method() -> str:
    """The start method of the local pool's workers (see the module's docstring)."""
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if chosen:
        if chosen not in START_METHODS:
            hint = did_you_mean(chosen, START_METHODS)
            raise SweepError(
                f"{START_METHOD_VARIABLE}={chosen!r}: use one of {', '.join(START_METHODS)}, "
                "or unset it" + (f"; {hint}" if hint else "")
            )
        if chosen not in multiprocessing.get_all_start_methods():
            raise SweepError(
                f"{START_METHOD_VARIABLE}={chosen}: not available on this system; use spawn"
            )
        return chosen
    forkable = (
        sys.platform.startswith("linux")
        and sys.version_info < (3, 12)
        and threading.active_count() == 1
    )
    return "fork" if forkable else "spawn"


def pool_context() -> BaseContext:
    """The multiprocessing context the local pool starts its workers with."""
    return multiprocessing.get_context(start_method())
