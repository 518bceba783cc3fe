"""Worker processes end with their parent, even a parent killed outright (``kill -9``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

POOL = textwrap.dedent(
    """
    import sys, time
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    def initializer():
        if sys.argv[1] != "none":
            module, name = sys.argv[1].rsplit(".", 1)
            getattr(__import__(module, fromlist=[name]), name)()

    if __name__ == "__main__":
        pool = ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context(sys.argv[2]), initializer=initializer
        )
        for future in [pool.submit(time.sleep, 0.5) for _ in range(2)]:
            future.result()
        print(*pool._processes, flush=True)
        time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _orphans_after_kill(
    initializer: str, tmp_path: Path, patience: float, start_method: str
) -> list[int]:
    """Start a pool whose workers run ``initializer`` (started by ``start_method``), kill its
    parent with SIGKILL and return the workers still running ``patience`` seconds later (killing
    them)."""
    script = tmp_path / "pool.py"
    script.write_text(POOL)
    parent = subprocess.Popen(
        [sys.executable, str(script), initializer, start_method],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    with parent.stdout:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


START_METHODS = ["spawn", "fork"]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("start_method", START_METHODS)
def test_a_pool_without_the_watch_outlives_its_killed_parent(
    tmp_path: Path, start_method: str
) -> None:
    """The failure the watch is for (so the test below can fail): idle workers wait for ever."""
    assert len(_orphans_after_kill("none", tmp_path, 3.0, start_method)) == 2


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize(
    "initializer", ["sim.parent_watch.exit_with_parent", "sim.sweep.backends._worker_init"]
)
def test_workers_end_with_their_killed_parent(
    initializer: str, tmp_path: Path, start_method: str
) -> None:
    assert _orphans_after_kill(initializer, tmp_path, 15.0, start_method) == []


def test_the_watch_does_nothing_in_a_main_process() -> None:
    from sim.parent_watch import exit_with_parent

    exit_with_parent()  # no parent_process: no thread, no exit
    assert all(
        thread.name != "parley-parent-watch" for thread in __import__("threading").enumerate()
    )
