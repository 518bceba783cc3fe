"""Ctrl-C for the ``parley`` command: one line on stderr, exit status 130 (128 + SIGINT, as
shells report it), never a traceback, whatever the process is doing when it comes.

Two regimes.  Outside a command's own work (while Python imports numpy, pandas and mesa, while
click parses the arguments, while the interpreter shuts down) :func:`exit_now` ends the process
at once: nothing is being written, so there is nothing to tidy.  While a command runs,
:func:`raising` lets Ctrl-C raise :class:`KeyboardInterrupt` so the command can keep what it
finished (a sweep keeps its chunks) before :mod:`sim.cli.failures` reports it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import NoReturn

EXIT_STATUS = 130
"""128 + SIGINT: what a shell reports for a command ended by Ctrl-C."""
MESSAGE = "parley: interrupted"

_told = False


def tell(message: str = MESSAGE) -> None:
    """Write the interrupt's one line to stderr, once per process (a second Ctrl-C adds none)."""
    global _told
    if _told:
        return
    _told = True
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    with contextlib.suppress(OSError):
        os.write(2, (message + "\n").encode("utf-8", "replace"))


def exit_now(signum: int = signal.SIGINT, frame: FrameType | None = None) -> NoReturn:
    """SIGINT handler: say so in one line and end the process with status 130 at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tell()
    os._exit(EXIT_STATUS)


def install() -> None:
    """Make Ctrl-C end the process through :func:`exit_now` (the ``parley`` entry point's first
    act, before anything heavy is imported)."""
    signal.signal(signal.SIGINT, exit_now)


@contextlib.contextmanager
def raising() -> Iterator[None]:
    """While the block runs, Ctrl-C raises :class:`KeyboardInterrupt` (Python's default) so the
    code can tidy up; afterwards the previous handler is back (in the main thread only, the one
    place Python delivers signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
