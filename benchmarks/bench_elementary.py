"""The model's elementary functions (sim.elementary) against numpy's, in one process, as ratios.

    python benchmarks/bench_elementary.py               # 100,000 and 100 elements, 50 repeats
    python benchmarks/bench_elementary.py --json

numpy's float64 exp, log, log1p, expm1 and power take AVX-512 paths where the CPU has them, whose
last bits differ from other machines'; the model uses its own (IEEE basic operations only, the
same bits everywhere).  This prints what that costs: ns per element of each, numpy's and ours,
side by side on the same arrays (best of the repeats), their ratio, and the largest distance in
units in the last place from the C library's function (math.*, itself within 1 ulp).  On small
arrays the per-call overhead dominates (a compiled loop's dispatch against a ufunc's).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim import elementary  # noqa: E402


def _ulps(got: np.ndarray, want: np.ndarray) -> int:
    def ordered(values: np.ndarray) -> np.ndarray:
        bits = values.view(np.int64)
        return np.where(bits < 0, np.int64(-(2**63)) - bits, bits)

    same = (got == want) | (np.isnan(got) & np.isnan(want))
    return int(np.where(same, 0, np.abs(ordered(got) - ordered(want))).max())


def _best(function: Callable[..., Any], arguments: tuple[np.ndarray, ...], repeats: int) -> float:
    """Best seconds of ``repeats`` calls."""
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        function(*arguments)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    """Time and check each function."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = 100_000
    x, positive = rng.uniform(-5.0, 5.0, n), rng.uniform(1e-3, 5.0, n)
    cases: list[tuple[str, Callable[..., Any], Callable[..., Any], Any, tuple[np.ndarray, ...]]] = [
        ("exp", np.exp, elementary.exp, math.exp, (x,)),
        ("log", np.log, elementary.log, math.log, (positive,)),
        ("log1p", np.log1p, elementary.log1p, math.log1p, (positive,)),
        ("expm1", np.expm1, elementary.expm1, math.expm1, (x,)),
        ("power", np.power, elementary.power, math.pow, (positive, x)),
    ]
    rows = []
    for name, theirs, ours, c_library, arguments in cases:
        ours(*arguments)  # compile or load
        reference = np.array([c_library(*values) for values in zip(*arguments, strict=True)])
        row: dict[str, Any] = {"function": name, "max_ulp_vs_c": _ulps(ours(*arguments), reference)}
        for size in (n, 100):
            part = tuple(a[:size] for a in arguments)
            numpy_ns = 1e9 * _best(theirs, part, args.repeats) / size
            ours_ns = 1e9 * _best(ours, part, args.repeats) / size
            row[f"numpy_ns_{size}"] = round(numpy_ns, 2)
            row[f"ours_ns_{size}"] = round(ours_ns, 2)
            row[f"ratio_{size}"] = round(ours_ns / numpy_ns, 2)
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{'function':9s} {'numpy ns':>9s} {'ours ns':>8s} {'ratio':>6s}   (100 elements: ratio)   max ulp"
    )
    for row in rows:
        print(
            f"{row['function']:9s} {row[f'numpy_ns_{n}']:9.2f} {row[f'ours_ns_{n}']:8.2f} "
            f"{row[f'ratio_{n}']:6.2f}   ({row['ratio_100']:6.2f})               {row['max_ulp_vs_c']}"
        )


if __name__ == "__main__":
    main()
