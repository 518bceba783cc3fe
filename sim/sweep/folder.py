"""A sweep's results folder while a command uses it: an exclusive lock, and the cleanup of what
an interrupted command left behind.

The lock is an ``flock`` on ``<out>/.parley.lock`` holding the owner's PID: a second sweep, a
``--resume`` or a ``--force`` into a folder in use is refused with that PID, and the kernel
releases the lock when its holder exits in any way (even ``kill -9``), so a lock is never stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sim.core.records import RUNS_FILE
from sim.errors import SweepError
from sim.sweep.parts import PARTS_DIR

LOCK_FILE = ".parley.lock"


@contextlib.contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold the exclusive lock of the results folder ``out_dir`` (created if missing).

    Raises :class:`SweepError` naming the holder's PID when another process holds it.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            raise SweepError(
                f"{out_dir} is in use by another parley command (PID {holder}); wait for it to "
                "finish, or choose another --out"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _holder(descriptor: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(descriptor, 32, 0).decode("ascii").strip()
        if text:
            return str(int(text))
    return "unknown"


def clean_leftovers(out_dir: Path, manifest: Mapping[str, Any] | None) -> list[Path]:
    """Remove what an interrupted command left in ``out_dir``; returns what was removed.

    Temporary files of an unfinished atomic write (``.*.tmp``, such as a merge killed halfway)
    go in any case; ``parts/`` goes too when the manifest says the sweep is complete and
    ``runs.parquet`` is there (a kill between the manifest and the cleanup).  Call it only while
    holding :func:`folder_lock`.
    """
    removed: list[Path] = []
    for folder in (out_dir, out_dir / PARTS_DIR):
        if folder.is_dir():
            for stale in folder.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
                removed.append(stale)
    parts = out_dir / PARTS_DIR
    complete = manifest is not None and manifest.get("status") == "complete"
    if complete and (out_dir / RUNS_FILE).is_file() and parts.is_dir():
        shutil.rmtree(parts)
        removed.append(parts)
    return removed
