"""Cost per world of every utility shape and strategy, 2 to 16 actors, batched.

    python benchmarks/bench_shapes.py              # the full table (a few minutes)
    python benchmarks/bench_shapes.py --worlds 500 # quicker, noisier
    python benchmarks/bench_shapes.py --cells 16:equilibrium:quadratic 16:concession:quadratic

Workload: the Anchorage baseline's bargaining (its issues; no ratification or implementation
stage; complete information -- its private war costs, whose cost is the proposer's risk-return
search and is timed by ``bench_sweep.py --private``, are made public) with its actors cloned or
dropped to 2, 3, 4, 8 or 16
actors, every actor given the same utility shape (quadratic or linear) and strategy (concession
or equilibrium), each world's ideal points and saliences jittered (a fixed numpy Generator), run
to the end of the talks with ``run_batch``.  Cost is CPU time (``time.process_time``) per world,
so the numbers hold on a shared machine; what to compare are the ratios, measured in one run:

* linear / quadratic and equilibrium / concession for the current code;
* speed-up over the previous algorithm (the smoothing continuation for every all-linear
  proposer problem, and no warm starts) on smaller batches, in the cells where it finishes in
  reasonable time (it took up to 354 s for one world of equilibrium with linear utilities).

Targets (issue #17): concession linear within 3x of quadratic at 4 and 8 actors; equilibrium
linear at 4 actors <= 5 ms per world; equilibrium quadratic at 16 actors within 20x of concession.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ACTORS = (2, 3, 4, 8, 16)
STRATEGIES = ("concession", "equilibrium")
SHAPES = ("quadratic", "linear")


def scenario_for(n_actors: int, strategy: str, shape: str) -> Any:
    """The baseline with ``n_actors`` actors (clones with shifted ideal points beyond four)."""
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import Scenario

    base = load_scenario(REPO / "scenarios" / "alaska-summit.yaml")
    data = base.model_dump()
    originals = list(data["actors"].values())
    shift = np.random.default_rng(17).uniform(-0.15, 0.15, size=(n_actors, len(data["issues"])))
    actors = {}
    for a in range(n_actors):
        actor = dict(originals[a % len(originals)])
        actor["position"] = {
            issue: float(np.clip(value + (shift[a, k] if a >= len(originals) else 0.0), 0, 1))
            for k, (issue, value) in enumerate(actor["position"].items())
        }
        actor["utility"] = shape
        actor["strategy"] = {**actor["strategy"], "kind": strategy}
        actor["name"] = f"{actor['name']} #{a}"
        actor["private"] = None  # complete information: the solver and the equilibrium alone
        actors[f"actor{a}"] = actor
    data["actors"] = actors
    data["extends"] = None
    for layer in ("ratification", "implementation"):  # the bargaining alone
        data.pop(layer, None)
    return Scenario.model_validate(data)


def jitter(scenario: Any, worlds: int) -> dict[str, np.ndarray]:
    """Per-world ideal points and saliences around the scenario's (a fixed Generator)."""
    rng = np.random.default_rng(2025)
    issues = list(scenario.issues)
    overrides = {}
    for key, actor in scenario.actors.items():
        position = np.array([actor.position[k] for k in issues])
        salience = np.array([actor.salience[k] for k in issues])
        overrides[f"actors.{key}.position"] = np.clip(
            position + rng.normal(0.0, 0.05, size=(worlds, len(issues))), 0.0, 1.0
        )
        overrides[f"actors.{key}.salience"] = rng.dirichlet(50.0 * salience + 1e-3, size=worlds)
    return overrides


def cpu_per_world(scenario: Any, worlds: int, repeats: int) -> float:
    """Median CPU microseconds per world of ``run_batch`` over ``repeats`` runs."""
    from sim.core.runner import run_batch

    overrides = jitter(scenario, worlds)
    times = []
    for _ in range(repeats):
        started = time.process_time()
        run_batch(scenario, np.arange(worlds), overrides=overrides)
        times.append(time.process_time() - started)
    return float(np.median(times)) / worlds * 1e6


@contextmanager
def previous_algorithm() -> Iterator[None]:
    """The solver as before issue #17: every all-linear problem by the smoothing continuation,
    and every solve from scratch (no warm starts across value iterations and rounds)."""
    from sim.core import simplex, solver

    def unfinished(
        position: np.ndarray, salience: np.ndarray, threshold: np.ndarray, *args: Any, **kw: Any
    ) -> simplex.Solution:
        n, m = threshold.shape
        basis = simplex.Basis(np.zeros((n, m), dtype=np.int64), np.zeros((n, 1), dtype=bool))
        status = np.full(n, simplex.UNFINISHED, dtype=np.int8)
        return simplex.Solution(np.empty((n, position.shape[2])), status, basis)

    solve_group_from = solver.solve_group_from

    def cold(*args: Any, start: Any = None, **kw: Any) -> Any:
        return solve_group_from(*args, **kw)

    replacements: dict[str, Callable[..., Any]] = {
        "solve_linear": unfinished,
        "solve_group_from": cold,
    }
    originals = {name: getattr(solver, name) for name in replacements}
    for name, function in replacements.items():
        setattr(solver, name, function)
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(solver, name, function)


PREVIOUS = {
    # cells timed with the previous algorithm, and how many worlds (it was 10-1000x slower)
    (2, "concession", "linear"): 200,
    (3, "concession", "linear"): 40,
    (4, "concession", "linear"): 40,
    (8, "concession", "linear"): 20,
    (2, "equilibrium", "linear"): 40,
    (2, "equilibrium", "quadratic"): 200,
    (3, "equilibrium", "quadratic"): 100,
    (4, "equilibrium", "quadratic"): 100,
    (8, "equilibrium", "quadratic"): 40,
    (16, "equilibrium", "quadratic"): 20,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--worlds", type=int, default=2000, help="batch size (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per cell (median)")
    parser.add_argument("--no-previous", action="store_true", help="skip the old algorithm")
    parser.add_argument(
        "--cells",
        nargs="+",
        metavar="ACTORS:STRATEGY:SHAPE",
        help="time only these cells (e.g. 16:equilibrium:quadratic); prints no table",
    )
    args = parser.parse_args()
    if args.cells:
        only_cells(args)
        return

    import sim.core.runner  # noqa: F401  (imports outside the measurements)

    current: dict[tuple[int, str, str], float] = {}
    previous: dict[tuple[int, str, str], float] = {}
    same_batch: dict[tuple[int, str, str], float] = {}
    for n_actors in ACTORS:
        for strategy in STRATEGIES:
            for shape in SHAPES:
                scenario = scenario_for(n_actors, strategy, shape)
                cell = (n_actors, strategy, shape)
                first = cpu_per_world(scenario, args.worlds, 1)
                heavy = first * args.worlds / 1e6 > 10.0  # one run of a heavy cell is enough
                repeats = 1 if heavy else args.repeats
                more = [cpu_per_world(scenario, args.worlds, 1) for _ in range(repeats - 1)]
                current[cell] = float(np.median([first, *more]))
                if cell in PREVIOUS and not args.no_previous:
                    # both at the previous algorithm's (small) batch size: a fair ratio
                    same_batch[cell] = cpu_per_world(scenario, PREVIOUS[cell], 1)
                    with previous_algorithm():
                        previous[cell] = cpu_per_world(scenario, PREVIOUS[cell], 1)
                print(f"  measured {cell}: {current[cell]:,.0f} us/world", flush=True)

    print()
    print(
        f"CPU microseconds per world (time.process_time; batches of {args.worlds:,}, "
        f"{len(scenario_for(2, 'concession', 'quadratic').issues)} issues, "
        f"median of up to {args.repeats} runs); the machine may be shared: compare the ratios."
    )
    header = "| actors | " + " | ".join(f"{s}, {u}" for s in STRATEGIES for u in SHAPES)
    print(header + " | conc. lin/quad | eq. lin/quad | eq/conc quad | eq/conc lin |")
    print("|---" * 9 + "|")
    for n_actors in ACTORS:
        row = [current[(n_actors, s, u)] for s in STRATEGIES for u in SHAPES]
        ratios = [row[1] / row[0], row[3] / row[2], row[2] / row[0], row[3] / row[1]]
        cells = [f"{value:,.0f}" for value in row] + [f"{r:.1f}x" for r in ratios]
        print(f"| {n_actors} | " + " | ".join(cells) + " |")
    print()
    print(
        "Speed-up over the previous algorithm (smoothing continuation for linear utilities, no "
        "warm starts): both timed in this process on the same smaller batch:"
    )
    for cell, old in previous.items():
        now = same_batch[cell]
        print(
            f"  {cell[0]:>2} actors, {cell[1]}, {cell[2]}: {old:,.0f} -> {now:,.0f} us/world = "
            f"{old / now:,.1f}x ({PREVIOUS[cell]} worlds)"
        )
    targets = [
        ("concession linear/quadratic, 4 actors <= 3x", ratio(current, 4, "concession"), 3.0),
        ("concession linear/quadratic, 8 actors <= 3x", ratio(current, 8, "concession"), 3.0),
        (
            "equilibrium linear, 4 actors <= 5,000 us/world",
            current[(4, "equilibrium", "linear")],
            5000.0,
        ),
        (
            "equilibrium/concession quadratic, 16 actors <= 20x",
            current[(16, "equilibrium", "quadratic")] / current[(16, "concession", "quadratic")],
            20.0,
        ),
    ]
    print()
    for label, value, limit in targets:
        print(f"  {label}: {value:,.1f} {'met' if value <= limit else 'NOT met'}")


def only_cells(args: argparse.Namespace) -> None:
    """Time the named cells, alternating them ``repeats`` times (ratios in one process)."""
    import sim.core.runner  # noqa: F401  (imports outside the measurements)

    cells = []
    for text in args.cells:
        actors, strategy, shape = text.split(":")
        if strategy not in STRATEGIES or shape not in SHAPES:
            raise SystemExit(
                f"--cells {text}: expected ACTORS:{'|'.join(STRATEGIES)}:{'|'.join(SHAPES)}"
            )
        cells.append((int(actors), strategy, shape))
    scenarios = {cell: scenario_for(*cell) for cell in cells}
    times: dict[tuple[int, str, str], list[float]] = {cell: [] for cell in cells}
    for _ in range(args.repeats):
        for cell in cells:
            times[cell].append(cpu_per_world(scenarios[cell], args.worlds, 1))
    first = float(np.median(times[cells[0]]))
    for cell in cells:
        median = float(np.median(times[cell]))
        runs = ", ".join(f"{value:,.0f}" for value in times[cell])
        print(f"  {cell}: {median:,.0f} us/world (runs {runs}); {median / first:.1f}x the first")


def ratio(current: dict[tuple[int, str, str], float], n_actors: int, strategy: str) -> float:
    """Linear over quadratic cost for one actor count and strategy."""
    return current[(n_actors, strategy, "linear")] / current[(n_actors, strategy, "quadratic")]


if __name__ == "__main__":
    main()
