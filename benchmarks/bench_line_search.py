"""The ratification line search against earlier commits of it, on the same searches.

    python benchmarks/bench_line_search.py efc4365 HEAD          # 8,000 worlds
    python benchmarks/bench_line_search.py efc4365 HEAD --worlds 4000 --repeats 3

Runs the first N complete-information worlds of ``experiments/baseline-uncertainty.yaml`` (one
``run_batch``, ``benchmarks/bench_private.py``'s workload) once, keeping every search the
anticipating proposer makes (:meth:`sim.core.line_search.Segment.best`: its segments and
ratifiers), then times each named commit's ``sim/core/line_search.py`` (``git show``) on those
same searches in this one process, alternating commits every repeat (CPU time), checks that they
all return the same packages, flags and values bit for bit, and prints each commit's minimum and
median and their ratio to the first.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def searches(worlds: int) -> list[tuple[dict[str, Any], Any]]:
    """Every line search of one run_batch: the segment's fields and the ratifiers."""
    from bench_private import workload

    from sim.core import line_search
    from sim.core.runner import run_batch

    _, public, index, overrides, seed = workload(worlds)
    kept: list[tuple[dict[str, Any], Any]] = []
    original = line_search.Segment.best

    def keep(segment: Any, ratifiers: Any) -> Any:
        kept.append((dict(segment.__dict__), ratifiers))
        return original(segment, ratifiers)

    line_search.Segment.best = keep  # type: ignore[method-assign]
    try:
        run_batch(public, index, seed=seed, overrides=overrides)
    finally:
        line_search.Segment.best = original  # type: ignore[method-assign]
    return kept


def module_at(commit: str) -> types.ModuleType:
    """``sim/core/line_search.py`` as it was at ``commit``, as a module."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{commit}:sim/core/line_search.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"line_search_{commit}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, module.__name__, "exec"), module.__dict__)
    return module


def main() -> None:
    """Time the commits' line searches and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commits", nargs="+")
    parser.add_argument("--worlds", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    kept = searches(args.worlds)
    modules = {commit: module_at(commit) for commit in args.commits}
    seconds: dict[str, list[float]] = {commit: [] for commit in modules}
    reference: list[np.ndarray] | None = None
    for _ in range(args.repeats):
        for commit, module in modules.items():
            started = time.process_time()
            found = [module.Segment(**fields).best(ratifiers) for fields, ratifiers in kept]
            seconds[commit].append(time.process_time() - started)
            flat = [np.concatenate([np.ravel(part) for part in result]) for result in found]
            if reference is None:
                reference = flat
            if not all(np.array_equal(a, b) for a, b in zip(reference, flat, strict=True)):
                raise SystemExit(f"{commit}: the searches differ from {args.commits[0]}")
    base = min(seconds[args.commits[0]])
    print(f"{len(kept)} searches of {args.worlds:,} worlds, {args.repeats} repeats, CPU s:")
    for commit, times in seconds.items():
        print(
            f"  {commit}: min {min(times):.3f}  median {statistics.median(times):.3f}  "
            f"({base / min(times):.2f}x the first)"
        )


if __name__ == "__main__":
    main()
