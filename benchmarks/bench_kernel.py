"""The compiled Newton kernel against the numpy reference, and what it costs to start.

    python benchmarks/bench_kernel.py                  # 4,000 worlds of the private baseline
    python benchmarks/bench_kernel.py --worlds 2000 --repeats 1

(1) CPU ms per world of ``run_batch`` on the first N worlds of the private-values baseline
    (``experiments/baseline-uncertainty.yaml``, as ``bench_private.py``) and of its public twin,
    under ``PARLEY_ENGINE=numpy`` and the kernel, alternating in this process (``--repeats``
    each; the kernel is compiled or loaded before the first timing), and the ratios.
(2) Start-up, each in a fresh process: importing the engine (``sim.core.runner``), the first
    solve with the kernel loaded from numba's cache, and the first solve with an empty cache
    (the one-off compile: a fresh install, or after the kernel's source changes).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_private import batch_arguments, workload  # noqa: E402

ENGINES = ("numpy", "kernel")
FIRST_SOLVE = """
import time
started = time.process_time()
import numpy as np
import sim.core.runner
from sim.core.solver import solve_group
imported = time.process_time()
rng = np.random.default_rng(0)
solve_group(rng.uniform(size=(2, 3, 4)), np.full((2, 3, 4), 0.25), np.zeros(3, bool),
            np.full((2, 2), 0.9))
print(imported - started, time.process_time() - imported)
"""


def start_up(cache: str | None) -> tuple[float, float]:
    """CPU seconds to import the engine and for its first (kernel) solve, in a fresh process
    (numba's cache directory ``cache`` if given)."""
    env = dict(os.environ, PARLEY_ENGINE="kernel")
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = cache
    done = subprocess.run(
        [sys.executable, "-c", FIRST_SOLVE], env=env, capture_output=True, text=True, check=True
    )
    imported, first = (float(word) for word in done.stdout.split())
    return imported, first


def main() -> None:
    """Time both engines on the baseline, then their start-up."""
    from sim.core.newton_kernel import ENGINE_VARIABLE, compiled_newton
    from sim.core.runner import run_batch

    args = batch_arguments(__doc__)
    start_up(None)  # make sure the cache is warm for the timings below
    private, public, index, overrides, seed = workload(args.worlds)
    compiled_newton()
    seconds: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for side, scenario in (("public", public), ("private", private)):
            for name in ENGINES:
                os.environ[ENGINE_VARIABLE] = name
                started = time.process_time()
                run_batch(scenario, index, seed=seed, overrides=overrides)
                elapsed = round(time.process_time() - started, 3)
                seconds.setdefault(f"{side}.{name}", []).append(elapsed)
    ms = {key: round(1e3 * statistics.median(v) / args.worlds, 3) for key, v in seconds.items()}
    cached = start_up(None)
    with tempfile.TemporaryDirectory() as empty:
        fresh = start_up(empty)
    numbers: dict[str, Any] = {
        "worlds": args.worlds,
        "cpu_seconds": seconds,
        "cpu_ms_per_world": ms,
        "numpy_over_kernel": {
            side: round(ms[f"{side}.numpy"] / ms[f"{side}.kernel"], 2)
            for side in ("private", "public")
        },
        "import_seconds": round(cached[0], 3),
        "first_solve_cached_seconds": round(cached[1], 3),
        "first_solve_compiling_seconds": round(fresh[1], 3),
    }
    if args.json:
        print(json.dumps(numbers, indent=2))
        return
    print(f"{args.worlds:,} baseline worlds, CPU ms per world:")
    for side in ("private", "public"):
        print(
            f"  {side:8s} numpy {ms[f'{side}.numpy']:7.3f}  kernel {ms[f'{side}.kernel']:7.3f}"
            f"  ({numbers['numpy_over_kernel'][side]}x)"
        )
    print(
        f"start-up (CPU s, fresh process): import {numbers['import_seconds']}, first solve"
        f" {numbers['first_solve_cached_seconds']} from the cache,"
        f" {numbers['first_solve_compiling_seconds']} compiling"
    )


if __name__ == "__main__":
    main()
