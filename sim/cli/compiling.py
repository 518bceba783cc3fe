"""A one-line notice when a command's first run after an install compiles the model's kernels.

The compiled kernels (numba) are built on the first negotiation that needs them and cached on
disk: on a fresh install the first ``parley run`` spends ~15 s of CPU compiling before it prints
anything (``benchmarks/bench_compile.py``).  A command about to run the model calls
:func:`announce_compiling`; numba then tells a listener of ours when it starts compiling (a cache
miss: loading from the cache is not compiling), and the first time it compiles one of Parley's
functions the listener prints :data:`NOTICE` on standard error.  Only on a terminal: piped or
captured output (scripts, tests, CI) gets nothing it did not ask for.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

NOTICE = (
    "parley: compiling the model's kernels (once after an install, about 15 s; later runs load "
    "them from numba's cache)"
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
