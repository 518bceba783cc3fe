"""Start a sweep in a subprocess and kill it with SIGKILL once some chunks are on disk."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def kill_after_parts(
    command: Sequence[str], parts: Path, at_least: int, timeout: float = 120
) -> int:
    """Run ``command``, SIGKILL it once ``parts`` holds ``at_least`` part files; return how many
    parts were finished.  Fails if the process ended on its own before it could be killed."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if parts.is_dir() and len(list(parts.glob("cell*.arrows"))) >= at_least:
            break
        time.sleep(0.01)
    still_running = process.poll() is None
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert still_running, "the sweep finished before it could be killed"
    return len(list(parts.glob("cell*.arrows")))
