"""The peak memory of a process and all its descendants, sampled from a separate process.

``TreeMemory`` (used by ``bench_sweep.py``) starts this file as a script that watches the
benchmark's process tree and reports the peaks when told to stop.  It is a process rather than a
thread of the benchmark because a sweep forks its workers only from a process with no other
Python thread (``sim.sweep.start_method``): a sampling thread would make the benchmark measure
spawned workers, which the ``parley`` command does not use.

Summed RSS (every 0.1 s; cheap) counts a page shared by several processes (the interpreter,
numpy's libraries, a forked worker's copy of its parent) once per process, so it is an upper
bound; summed PSS (every second on Linux: reading it walks each process's pages) divides each
shared page among the processes that map it, so it is what the tree takes from the machine.  The
list of descendants is refreshed every second.  The sampler leaves itself out.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


class TreeMemory:
    """Samples this process's tree while the ``with`` block runs; ``peak`` and
    ``sampler_cpu_seconds`` hold the results after it."""

    def __init__(self, interval: float = 0.1, slow_every: int = 10) -> None:
        self.interval, self.slow_every = interval, slow_every
        self.peak = {"tree_rss_mb": 0.0, "tree_pss_mb": 0.0, "processes": 0.0}
        self.sampler_cpu_seconds = 0.0
        self._sampler: subprocess.Popen[str] | None = None

    def __enter__(self) -> TreeMemory:
        self._sampler = subprocess.Popen(
            [sys.executable, __file__, str(os.getpid()), str(self.interval), str(self.slow_every)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._sampler.stdout is not None
        if self._sampler.stdout.readline().strip() != "ready":  # started before the timing
            raise RuntimeError("the memory sampler did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._sampler is not None
        answer, _ = self._sampler.communicate("stop\n", timeout=60)  # closes its stdin
        report = json.loads(answer)
        self.peak = report["peak"]
        self.sampler_cpu_seconds = report["cpu_seconds"]


def _resident(process: Any) -> tuple[float, float]:
    """RSS and PSS of one process in bytes: from /proc/PID/smaps_rollup on Linux (a cheap
    read, unlike the full smaps), else RSS for both."""
    rollup = Path(f"/proc/{process.pid}/smaps_rollup")
    if not rollup.exists():
        rss = float(process.memory_info().rss)
        return rss, rss
    fields = {}
    for line in rollup.read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        if name in ("Rss", "Pss"):
            fields[name] = float(value.split()[0]) * 1024  # kB
    return fields["Rss"], fields["Pss"]


def _sample(root_pid: int, interval: float, slow_every: int) -> dict[str, Any]:
    """Sample ``root_pid``'s tree until a line (or the end of input) arrives on stdin."""
    import psutil

    root = psutil.Process(root_pid)
    me = os.getpid()
    peak = {"tree_rss_mb": 0.0, "tree_pss_mb": 0.0, "processes": 0.0}
    processes = [root]
    print("ready", flush=True)
    count = 0
    while True:
        slow = count % slow_every == 0
        count += 1
        if slow:
            processes = [root, *(p for p in root.children(recursive=True) if p.pid != me)]
        rss = pss = 0.0
        for process in processes:
            try:
                if slow:
                    process_rss, process_pss = _resident(process)
                    pss += process_pss
                else:
                    process_rss = float(process.memory_info().rss)
            except (OSError, psutil.Error):  # it ended between the listing and the reading
                continue
            rss += process_rss
        peak["tree_rss_mb"] = max(peak["tree_rss_mb"], round(rss / 2**20, 1))
        if slow:
            peak["tree_pss_mb"] = max(peak["tree_pss_mb"], round(pss / 2**20, 1))
        peak["processes"] = max(peak["processes"], float(len(processes)))
        if select.select([sys.stdin], [], [], interval)[0]:
            return {"peak": peak, "cpu_seconds": round(time.process_time(), 2)}


if __name__ == "__main__":
    print(json.dumps(_sample(int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]))))
