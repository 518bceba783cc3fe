"""Atomic file writes: a reader never sees a half-written file under its final name.

Every file Parley writes goes through :func:`atomic_path`: the content goes to a temporary file
beside the final one, which is given the permissions a plain ``open`` would give (``0o666`` less
the user's umask), flushed to the disk (``fsync``), and only then renamed over the final name;
the folder is synced too, so the rename survives a crash.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask: from ``/proc/self/status`` where there is one (reading it there
    does not change it even for a moment), else by setting it and putting it back."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def fsync_path(path: str | os.PathLike[str]) -> None:
    """Flush a file (or a folder's entries) to the disk."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if Path(path).is_dir() else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    except OSError:  # some file systems cannot sync a folder; the data itself was synced
        if not Path(path).is_dir():
            raise
    finally:
        os.close(descriptor)


def refuse_folders(*paths: str | os.PathLike[str]) -> None:
    """Raise :class:`IsADirectoryError` naming the first of ``paths`` that is a folder: called
    before a command writes several files, so that none is written if one cannot be."""
    for path in paths:
        if Path(path).is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    The file gets the user's umask (not ``mkstemp``'s owner-only mode) and is fsynced before
    the rename; on failure the temporary file is removed.
    """
    final = Path(path)
    temporary = temporary_beside(final)
    try:
        yield temporary
        commit(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def temporary_beside(final: Path) -> Path:
    """A new, empty temporary file in ``final``'s folder (created if need be), named
    ``.NAME.*.tmp``: what :func:`commit` later puts in ``final``'s place."""
    final.parent.mkdir(parents=True, exist_ok=True)
    refuse_folders(final)
    handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(handle)
    return Path(name)


def commit(temporary: Path, final: Path) -> None:
    """Give ``temporary`` the user's umask (not ``mkstemp``'s owner-only mode), make it durable
    (fsync) and put it in ``final``'s place in one step (a rename; then the folder's fsync)."""
    os.chmod(temporary, 0o666 & ~current_umask())
    fsync_path(temporary)
    os.replace(temporary, final)
    fsync_path(final.parent)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike[str], payload: bytes) -> Path:
    """Write ``payload`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(payload)
    return Path(path)


def save_figure(figure: Any, path: str | os.PathLike[str], **options: Any) -> Path:
    """Save a matplotlib figure atomically; the format follows the file's suffix by default."""
    final = Path(path)
    options.setdefault("format", final.suffix.lstrip(".") or "png")
    with atomic_path(final) as temporary:
        figure.savefig(temporary, **options)
    return final


def _not_json(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json_object(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON object at ``path``, read strictly: ``NaN`` and ``Infinity`` (which Python's
    reader accepts), malformed JSON and a document that is not an object raise
    :class:`ValueError` (and a file that cannot be read :class:`OSError`)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=_not_json)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, not a {type(data).__name__}")
    return data
