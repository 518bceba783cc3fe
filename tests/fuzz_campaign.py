"""A fuzz campaign: hundreds of fresh hostile inputs, each run as a real ``parley`` process.

    python tests/fuzz_campaign.py --cases 300            # a fresh seed every time
    python tests/fuzz_campaign.py --cases 300 --seed 7   # repeat a campaign

Cases come from the generators of tests/fuzzgen.py (mutated shipped files, generated documents,
``--set`` values, priors, counts, ``extends`` paths), of tests/fuzzgen_model.py (the newer
fields: private beliefs, ratifiers, the implementation phase, the clock, ``--set`` and priors on
them; the newer commands: forecast, diff, sensitivity and discover with hostile targets and
options) and from damaged copies of two finished sweeps (runs and manifest; sensitivity.json and
discovery.json); the family of each case is drawn at random, and the seed is new unless given,
so the cases are ones the test suite has never seen.
Each case runs in its own process (``python -m sim``) limited to 20 s of CPU time (a hang
beyond 20 s; CPU rather than wall time, so that a machine busy with other work does not turn a
3-second run into a "hang"), 120 s of wall time (a hang that sleeps) and 4 GB of address space,
and is judged by :func:`fuzzkit.judge`; the slowest wall time is printed too.  Prints the counts (tracebacks,
hangs, memory overruns, nonsense accepted, leaks, other), a table of the families (cases run,
refused, accepted, failed) and every failing case; exits 1 if any case failed.
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzzgen_model  # noqa: E402
from fuzzgen import GENERATORS, damage_results, damaged_results, finished_sweep_case  # noqa: E402
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


RESULTS = "results"
"""The family of damaged runs.parquet and manifest.json files."""
ANALYSIS = "analysis-damage"
"""The family of damaged sensitivity.json and discovery.json files."""
FAMILIES = (
    *GENERATORS,
    *fuzzgen_model.GENERATORS,
    *fuzzgen_model.RESULTS_GENERATORS,
    RESULTS,
    ANALYSIS,
)
NEW_FAMILIES = (*fuzzgen_model.GENERATORS, *fuzzgen_model.RESULTS_GENERATORS, ANALYSIS)


@dataclass(frozen=True)
class Planned:
    """One case of the campaign: its family, the case, and the finished sweep it starts from
    (``None``: an empty project; ``"plain"``, ``"analysed"``) with the damage done to it."""

    family: str
    case: Case
    sweep: str | None = None
    damage: str | None = None


def plan(rng: random.Random, families: tuple[str, ...]) -> Planned:
    """One case of a family drawn from ``families``."""
    family = families[rng.randrange(len(families))]
    if family == RESULTS:
        damage, command = damaged_results(rng)
        return Planned(family, Case(f"{damage}: {' '.join(command)}", command), "plain", damage)
    if family == ANALYSIS:
        damaged = fuzzgen_model.damaged_analysis(rng)
        case = Case(f"{damaged.name}: {' '.join(damaged.args)}", damaged.args, {}, damaged.expect)
        return Planned(family, case, "analysed", damaged.name)
    if family in fuzzgen_model.RESULTS_GENERATORS:
        return Planned(family, fuzzgen_model.RESULTS_GENERATORS[family](rng), "analysed")
    generators = {**GENERATORS, **fuzzgen_model.GENERATORS}
    return Planned(family, generators[family](rng))


def prepare(cases: list[Case], root: Path) -> Path:
    """Run ``cases`` one after another in one project under ``root``; returns the project."""
    project = root / "project"
    for case in cases:
        outcome = run_in_subprocess(case, root, seconds=120)
        if outcome.exit_code != 0:
            raise SystemExit(f"could not prepare the sweep ({case.name}):\n{outcome.output}")
        project = outcome.project
    return project


def run_case(index: int, planned: Planned, sweeps: dict[str, Path], work: Path) -> Outcome:
    """Run one case in a fresh folder (a copy of a finished sweep, damaged, if it needs one)."""
    root = work / f"case{index:04d}"
    if planned.sweep is not None:
        shutil.copytree(sweeps[planned.sweep], root / "project")
    if planned.damage is not None and planned.family == RESULTS:
        damage_results(root / "project" / "out", planned.damage)
    elif planned.damage is not None:
        fuzzgen_model.damage_analysis(root / "project" / "out", planned.damage)
    return run_in_subprocess(planned.case, root)


def family_table(planned: list[Planned], verdicts: list[tuple[Outcome, list[str]]]) -> str:
    """Per family: cases, how many were refused (exit 2) and accepted (exit 0), and failed."""
    rows: dict[str, Counter[str]] = {}
    for item, (outcome, problems) in zip(planned, verdicts, strict=True):
        row = rows.setdefault(item.family, Counter())
        row["cases"] += 1
        row["refused"] += outcome.exit_code == 2
        row["accepted"] += outcome.exit_code == 0
        row["failed"] += bool(problems)
    lines = [
        f"  {'family':20} {'new':>3} {'cases':>6} {'refused':>8} {'accepted':>9} {'failed':>7}"
    ]
    for family in sorted(rows):
        row = rows[family]
        new = "*" if family in NEW_FAMILIES else ""
        lines.append(
            f"  {family:20} {new:>3} {row['cases']:>6} {row['refused']:>8} "
            f"{row['accepted']:>9} {row['failed']:>7}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the campaign; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh random seed")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once")
    parser.add_argument(
        "--families",
        default="all",
        help="comma-separated families, 'new' (the newer fields and commands) or 'all'",
    )
    parser.add_argument("--report", type=Path, default=None, help="write every case as JSON")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(8), "big")
    rng = random.Random(seed)
    print(f"fuzz campaign: {args.cases} cases, seed {seed}", flush=True)

    if args.families == "all":
        families = FAMILIES
    elif args.families == "new":
        families = NEW_FAMILIES
    else:
        families = tuple(args.families.split(","))
        unknown = [f for f in families if f not in FAMILIES]
        if unknown:
            parser.error(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")
    planned = [plan(rng, families) for _ in range(args.cases)]

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="parley-fuzz-") as temporary:
        work = Path(temporary)
        sweeps = {}
        if any(p.sweep == "plain" for p in planned):
            sweeps["plain"] = prepare([finished_sweep_case()], work / "plain")
        if any(p.sweep == "analysed" for p in planned):
            sweeps["analysed"] = prepare(fuzzgen_model.analysed_sweep_cases(), work / "analysed")
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            outcomes = list(
                pool.map(
                    lambda item: run_case(item[0], item[1], sweeps, work),
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
    print(family_table(planned, verdicts))
    for item, (outcome, problems) in zip(planned, verdicts, strict=True):
        if not problems:
            continue
        print(f"FAIL [{item.family}] {outcome.case.name}: {'; '.join(problems)}")
        print("     " + " ".join(outcome.case.args)[:200])
        print("     " + (outcome.output.strip().splitlines() or [""])[-1][:300])
    if args.report is not None:
        args.report.write_text(
            json.dumps(
                [
                    {
                        "family": item.family,
                        "name": o.case.name,
                        "args": list(o.case.args)[:20],
                        "expect": o.case.expect,
                        "exit": o.exit_code,
                        "seconds": round(o.seconds, 2),
                        "problems": p,
                    }
                    for item, (o, p) in zip(planned, verdicts, strict=True)
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
