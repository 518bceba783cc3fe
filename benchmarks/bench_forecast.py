"""Forecast speed: the expected utility model on the Scholz data, and ``parley forecast``.

    python benchmarks/bench_forecast.py             # both measurements
    python benchmarks/bench_forecast.py --runs 20000 --skip-cli

(a) Ten-round runs of Bueno de Mesquita's expected utility model (Scholz, Calbert & Smith 2011) on
    their ten-actor example (tests/data/bdm-scholz-example.csv), vectorised over runs in one
    process on one core, against the same model written pair by pair in plain Python
    (tests/bdm_reference.py, the way the public ports loop) in the same process: runs per second
    of each and their ratio.  The two public Python ports run at about half a run per second
    (figure stated in Parley issue 10; they are not packaged, so not run here).
(b) Wall and CPU time of ``parley forecast alaska-summit`` (default options, 1,000 worlds),
    run as a subprocess.

Targets (issue #10): >= 1,000 ten-round runs per second per core; the command in < 10 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: no BLAS threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "bdm-scholz-example.csv"
ROUNDS = 10


def scholz() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position, capability, salience of the ten actors, each (1, 10)."""
    with DATA.open() as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return tuple(  # type: ignore[return-value]
        np.array([[float(row[name]) for row in rows]])
        for name in ("Position", "Capability", "Salience")
    )


def vectorised_rate(runs: int, repeats: int) -> float:
    """Best of ``repeats``: ten-round runs per second, all runs in one call."""
    from sim.forecast.expected_utility import run_rounds

    x, c, s = (np.repeat(a, runs, axis=0) for a in scholz())
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        run_rounds(x, c, s, ROUNDS)
        best = max(best, runs / (time.perf_counter() - start))
    return best


def scalar_rate(runs: int) -> float:
    """Ten-round runs per second, one run at a time in plain Python."""
    sys.path.insert(0, str(REPO / "tests"))
    from bdm_reference import reference_round

    x, c, s = (list(a[0]) for a in scholz())
    scale = max(x) - min(x)
    start = time.perf_counter()
    for _ in range(runs):
        positions = list(x)
        for _ in range(ROUNDS):
            positions = reference_round(positions, c, s, scale)
    return runs / (time.perf_counter() - start)


def forecast_seconds() -> tuple[float, float]:
    """Wall and CPU time of ``parley forecast alaska-summit`` (figure to a temporary folder).

    The CPU time (user + system of the child) is what the command costs on an idle core; the
    wall time also counts waiting for a busy machine.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "forecast", "alaska-summit", "--out", out],
            check=True,
            capture_output=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10_000, help="vectorised runs per call")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scalar-runs", type=int, default=20)
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()
    vectorised = vectorised_rate(args.runs, args.repeats)
    scalar = scalar_rate(args.scalar_runs)
    result = {
        "expected_utility_runs_per_s": round(vectorised, 1),
        "scalar_runs_per_s": round(scalar, 2),
        "speedup": round(vectorised / scalar, 1),
        "target_runs_per_s": 1000,
        "public_ports_runs_per_s": 0.5,
    }
    if not args.skip_cli:
        wall, cpu = forecast_seconds()
        result["forecast_alaska_summit_s"] = round(wall, 2)
        result["forecast_alaska_summit_cpu_s"] = round(cpu, 2)
        result["target_forecast_s"] = 10
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
