"""A fuzz campaign: hundreds of fresh hostile inputs, each run as a real ``parley`` process.

    python tests/fuzz_campaign.py --cases 300            # a fresh seed every time
    python tests/fuzz_campaign.py --cases 300 --seed 7   # repeat a campaign

Cases come from the generators of tests/fuzzgen.py (mutated shipped files, generated documents,
``--set`` values, priors, counts, ``extends`` paths) and from damaged copies of one finished
sweep; the seed is new unless given, so the cases are ones the test suite has never seen.
Each case runs in its own process (``python -m sim``) limited to 20 s of CPU time (a hang
beyond 20 s; CPU rather than wall time, so that a machine busy with other work does not turn a
3-second run into a "hang"), 120 s of wall time (a hang that sleeps) and 4 GB of address space,
and is judged by :func:`fuzzkit.judge`; the slowest wall time is printed too.  Prints the counts (tracebacks,
hangs, memory overruns, nonsense accepted, leaks, other) and every failing case; exits 1 if any
case failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzzgen import case_from, damage_results, damaged_results, finished_sweep_case  # noqa: E402
from fuzzkit import Case, Outcome, judge, run_in_subprocess  # noqa: E402

KINDS = ("traceback", "hang", "memory", "nonsense accepted", "leak")


def classify(problem: str) -> str:
    """The kind of a broken promise, for the counts."""
    if problem.startswith("traceback"):
        return "traceback"
    if problem.startswith("time limit"):
        return "hang"
    if problem.startswith("memory limit"):
        return "memory"
    if problem.startswith("nonsense accepted"):
        return "nonsense accepted"
    if problem.startswith("leak"):
        return "leak"
    return "other"


def finished_sweep(root: Path) -> Path:
    """A small finished two-cell sweep to damage (``root/project/out``)."""
    case = finished_sweep_case()
    outcome = run_in_subprocess(case, root, seconds=120)
    if outcome.exit_code != 0:
        raise SystemExit(f"could not prepare the sweep to damage:\n{outcome.output}")
    return outcome.project


def run_case(index: int, case: Case, damage: str | None, sweep: Path, work: Path) -> Outcome:
    """Run one case in a fresh folder (a damaged copy of ``sweep`` for results cases)."""
    root = work / f"case{index:04d}"
    if damage is not None:
        shutil.copytree(sweep, root / "project")
        damage_results(root / "project" / "out", damage)
    return run_in_subprocess(case, root)


def main(argv: list[str] | None = None) -> int:
    """Run the campaign; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh random seed")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once")
    parser.add_argument("--results-share", type=float, default=0.12)
    parser.add_argument("--report", type=Path, default=None, help="write every case as JSON")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(8), "big")
    rng = random.Random(seed)
    print(f"fuzz campaign: {args.cases} cases, seed {seed}", flush=True)

    planned: list[tuple[Case, str | None]] = []
    for _ in range(args.cases):
        if rng.random() < args.results_share:
            damage, command = damaged_results(rng)
            planned.append((Case(f"[results] {damage}: {' '.join(command)}", command), damage))
        else:
            planned.append((case_from(rng), None))

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="parley-fuzz-") as temporary:
        work = Path(temporary)
        sweep = finished_sweep(work / "sweep")
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            outcomes = list(
                pool.map(
                    lambda item: run_case(item[0], item[1][0], item[1][1], sweep, work),
                    enumerate(planned),
                )
            )
        verdicts = [(outcome, judge(outcome)) for outcome in outcomes]

    counts: Counter[str] = Counter()
    exits: Counter[str] = Counter()
    slowest = max(outcome.seconds for outcome in outcomes)
    for outcome, problems in verdicts:
        exits[str(outcome.exit_code)] += 1
        for kind in {classify(problem) for problem in problems}:
            counts[kind] += 1
    failed = [(o, p) for o, p in verdicts if p]
    print(
        f"{len(outcomes)} cases in {time.monotonic() - started:.0f} s "
        f"(slowest {slowest:.1f} s); exit statuses {dict(sorted(exits.items()))}"
    )
    for kind in (*KINDS, "other"):
        print(f"  {kind:18} {counts[kind]}")
    for outcome, problems in failed:
        print(f"FAIL {outcome.case.name}: {'; '.join(problems)}")
        print("     " + " ".join(outcome.case.args)[:200])
        print("     " + (outcome.output.strip().splitlines() or [""])[-1][:300])
    if args.report is not None:
        args.report.write_text(
            json.dumps(
                [
                    {
                        "name": o.case.name,
                        "args": list(o.case.args)[:20],
                        "expect": o.case.expect,
                        "exit": o.exit_code,
                        "seconds": round(o.seconds, 2),
                        "problems": p,
                    }
                    for o, p in verdicts
                ],
                indent=1,
            )
        )
    print(
        f"{'FAILED' if failed else 'passed'}: {len(failed)} of {len(outcomes)} cases broke a promise"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
