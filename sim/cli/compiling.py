"""A one-line notice when a command's first run after an install compiles the model's kernels.

The compiled kernels (numba) are built on the first negotiation that needs them and cached on
disk: on a fresh install the first ``parley run`` spends ~15 s of CPU compiling before it prints
anything (``benchmarks/bench_compile.py``).  A command about to run the model calls
:func:`announce_compiling`; numba then tells a listener of ours when it starts compiling (a cache
miss: loading from the cache is not compiling), and the first time it compiles one of Parley's
functions the listener prints :data:`NOTICE` on standard error.  A sweep's workers compile in
processes of their own, so ``parley sweep`` and ``parley app`` instead look before they start
them (:func:`announce_cold_workers`).  Only on a terminal: piped or captured output (scripts, tests,
CI) gets nothing it did not ask for.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

NOTICE = (
    "parley: compiling the model's kernels (once after an install, about 15 s; later runs load "
    "them from numba's cache)"
)
SWEEP_NOTICE = (
    "parley: the workers compile the model's kernels first (once after an install, about 15 s; "
    "later runs load them from numba's cache)"
)
_PACKAGE = "sim."

_listening: list[Any] = []
"""The listener, once registered (numba keeps it for the process)."""


def announce_compiling(stream: TextIO | None = None) -> None:
    """Print :data:`NOTICE` on ``stream`` (standard error) when numba first compiles one of
    Parley's functions in this process, if ``stream`` is a terminal; at most one listener a
    process (importing numba, which the model's kernels import anyway)."""
    stream = sys.stderr if stream is None else stream
    if _listening or not stream.isatty():
        return
    from numba.core import event

    class Notice(event.Listener):  # type: ignore[misc]
        """Says :data:`NOTICE` once, at the first compile of a function of ours."""

        said = False

        def on_start(self, compiling: Any) -> None:
            function = getattr(compiling.data.get("dispatcher"), "py_func", None)
            module = getattr(function, "__module__", "") or ""
            if not self.said and module.startswith(_PACKAGE):
                self.said = True
                print(NOTICE, file=stream, flush=True)

        def on_end(self, compiling: Any) -> None:
            """Nothing to do when a compile ends."""

    listener = Notice()
    event.register("numba:compile", listener)  # type: ignore[no-untyped-call]
    _listening.append(listener)


def announce_cold_workers(stream: TextIO | None = None) -> None:
    """Print :data:`SWEEP_NOTICE` on ``stream`` (standard error) if it is a terminal and the
    kernels are not in numba's cache (:func:`kernels_cold`): a local sweep's workers, or the
    page's, will compile them before their first chunk."""
    stream = sys.stderr if stream is None else stream
    if stream.isatty() and kernels_cold():
        print(SWEEP_NOTICE, file=stream, flush=True)


def kernels_cold() -> bool:
    """Whether numba's cache, where this machine's workers will look, lacks a compiled loop of
    the Newton that every negotiation runs, the generic one or one of the shipped library's
    shapes (:data:`sim.core.newton_loop.SPECIALISED`; their index files, found by numba's own
    cache locator);
    False where that cannot be told (a numba without this layout: no notice rather than a
    wrong one)."""
    try:
        from numba.core.caching import FunctionCache

        from sim.core import newton_loop

        loops = (newton_loop.newton_worlds, *newton_loop.SPECIALISED.values())
        caches = [FunctionCache(loop) for loop in loops]  # type: ignore[no-untyped-call]
        indexes = [cache._cache_file._index_path for cache in caches]
    except (AttributeError, ImportError, RuntimeError):
        return False
    return not all(Path(index).exists() for index in indexes)
