"""What the first run after an install costs: the compiled kernels' one-off compile, kernel by kernel.

    python benchmarks/bench_compile.py               # parley run alaska-summit, cold then warm
    python benchmarks/bench_compile.py --repeats 3   # medians of three of each
    python benchmarks/bench_compile.py --json

Parley's kernels (numba, ``njit(cache=True)``) compile on the first negotiation that needs them
and are cached on disk afterwards.  Each repeat runs ``parley run alaska-summit`` in a fresh
process twice: first with an empty numba cache (``NUMBA_CACHE_DIR`` pointed at a new directory:
what a fresh install pays), then again on the cache the first wrote (what every later run pays),
and prints the CPU seconds of both and their ratio.  A last, instrumented cold run lists the
functions whose compile took longest (CPU seconds, a function's time including what it compiled
inside it, indented under it): where to look when the first run grows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
COMMAND = ["run", "alaska-summit"]

_INSTRUMENTED = """
import json, sys, time
import numba.core.dispatcher as dispatcher
from click.testing import CliRunner
from sim.cli import main

original = dispatcher.Dispatcher.compile
spent, depth = {}, [0]

def timed(self, signature):
    depth[0] += 1
    started = time.process_time()
    try:
        return original(self, signature)
    finally:
        depth[0] -= 1
        name = "  " * depth[0] + self.py_func.__module__ + "." + self.py_func.__qualname__
        spent[name] = spent.get(name, 0.0) + time.process_time() - started

dispatcher.Dispatcher.compile = timed
result = CliRunner().invoke(main, sys.argv[1:])
assert result.exit_code == 0, result.output
print(json.dumps(spent))
"""


def _cpu_of(arguments: list[str], cache: str, out: str) -> float:
    """CPU seconds (user + system) of one fresh process running ``arguments`` on ``cache``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    environment = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(REPO)}
    subprocess.run(arguments + ["--out", out], check=True, env=environment, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _slowest(cache: str, out: str, count: int) -> list[tuple[str, float]]:
    """The ``count`` functions whose compile took longest in one instrumented cold run."""
    environment = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(REPO)}
    arguments = [sys.executable, "-c", _INSTRUMENTED, *COMMAND, "--out", out]
    printed = subprocess.run(
        arguments, check=True, env=environment, capture_output=True, text=True
    ).stdout
    spent: dict[str, float] = json.loads(printed.strip().splitlines()[-1])
    return sorted(spent.items(), key=lambda item: -item[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--top", type=int, default=15, help="compiles to list (0: none)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    command = [sys.executable, "-m", "sim", *COMMAND]
    cold, warm = [], []
    with tempfile.TemporaryDirectory(prefix="parley-bench-compile-") as scratch:
        out = str(Path(scratch) / "out")
        for repeat in range(args.repeats):
            cache = str(Path(scratch) / f"cache{repeat}")
            cold.append(_cpu_of(command, cache, out))
            warm.append(_cpu_of(command, cache, out))
        slowest = _slowest(str(Path(scratch) / "instrumented"), out, args.top) if args.top else []
    report: dict[str, Any] = {
        "command": "parley " + " ".join(COMMAND),
        "cold_cpu_s": round(statistics.median(cold), 2),
        "warm_cpu_s": round(statistics.median(warm), 2),
        "cold_over_warm": round(statistics.median(cold) / statistics.median(warm), 1),
        "slowest_compiles": [{"function": name, "cpu_s": round(s, 2)} for name, s in slowest],
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{report['command']}: {report['cold_cpu_s']:.1f} s of CPU with an empty numba cache, "
        f"{report['warm_cpu_s']:.1f} s with it warm ({report['cold_over_warm']}x; medians of "
        f"{args.repeats})"
    )
    if slowest:
        print("slowest compiles (CPU s, including what each compiled inside it):")
        for name, seconds in slowest:
            print(f"  {seconds:6.2f}  {name}")


if __name__ == "__main__":
    main()
