"""Sensitivity analysis time: ``parley sensitivity`` on a 100,000-world Sobol sweep of the baseline.

    python benchmarks/bench_sensitivity.py                       # sweep, then time the analysis
    python benchmarks/bench_sensitivity.py --out results/sobol   # reuse (or keep) the sweep there

(a) sweeps ``experiments/baseline-uncertainty.yaml`` (all its uncertain inputs: 32 factors, the
    four salience tables one each) with ``--design sobol --runs 100000`` on all cores, unless
    ``--out`` already holds that sweep;
(b) times ``parley sensitivity RESULTS`` end to end in a fresh process (start-up, reading
    runs.parquet and the manifest, SALib's Sobol' estimators with 200 bootstrap resamples, the
    table, sensitivity.json and the figure), for each ``--outcome`` set given, ``--repeat`` times,
    and prints the median; and the same analysis in this process (``analyse`` alone), to show
    where the time goes.  The machine's load average is printed next to the times.

Target (issue 11): under 60 s on 2 cores beyond the sweep.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXPERIMENT = REPO / "experiments" / "baseline-uncertainty.yaml"


def sweep(out: Path, runs: int) -> float:
    """Run the Sobol sweep into ``out`` unless it is already there; its wall time (0 if reused)."""
    manifest = out / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        design = data["experiment"].get("design")
        if data.get("status") == "complete" and design == "sobol" and data["runs_per_cell"] == runs:
            return 0.0
    started = time.perf_counter()
    command = [sys.executable, "-m", "sim", "sweep", str(EXPERIMENT), "--design", "sobol",
               "--runs", str(runs), "--out", str(out), "--force", "--json"]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--outcome", action="append", default=None, help="outcome set, e.g. agreed,gain.ukraine"
    )
    args = parser.parse_args()
    outcome_sets = [s.split(",") for s in (args.outcome or ["agreed"])]
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch) / "sobol"
        seconds = sweep(out, args.runs)
        print(f"sweep: {args.runs:,} worlds, design sobol: "
              + (f"{seconds:.1f} s" if seconds else "reused"))  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        for outcomes in outcome_sets:
            flags = [f"--outcome={o}" for o in outcomes]
            command = [sys.executable, "-m", "sim", "sensitivity", str(out), *flags,
                       "--out", str(Path(scratch) / "analysis")]  # fmt: skip
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
                times.append(time.perf_counter() - started)
            load = os.getloadavg()[0]
            print(f"parley sensitivity --outcome {' '.join(outcomes)}: median "
                  f"{statistics.median(times):.1f} s of {args.repeat} "
                  f"(min {min(times):.1f}, max {max(times):.1f}); load average {load:.1f}")  # fmt: skip

            from sim.analysis.results import load_results
            from sim.analysis.sensitivity_results import analyse

            started = time.perf_counter()
            loaded = load_results(out)
            read = time.perf_counter() - started
            analyse(loaded, outcomes)
            total = time.perf_counter() - started
            print(f"  in process: read {read:.1f} s, read + indices {total:.1f} s")


if __name__ == "__main__":
    main()
