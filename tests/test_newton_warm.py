"""Newton's warm points (sim.core.newton.Point): a solve that starts from the last solve's point
takes the same iterates as one that evaluates the dual afresh at the same multipliers, with one
evaluation fewer; equilibrium thresholds with more veto players than issues (the rank-deficient
dual) are the same warm and cold, to the solver's precision."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_warm_starts import jittered

import sim.core.equilibrium as equilibrium
import sim.core.solver as solver
from sim.core.batch import Structure, build_batch
from sim.core.dual import DualProblem
from sim.core.equilibrium import anderson_depth, stationary_thresholds
from sim.core.newton import Point
from sim.core.newton_kernel import ENGINE_VARIABLE
from sim.core.runner import run_batch
from sim.core.solver import WarmStarts, solve_group_from
from sim.scenario.schema import Scenario

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_shapes.py"


def cloned_baseline(actors: int) -> Scenario:
    """The workload of ``benchmarks/bench_shapes.py``: the Anchorage baseline's bargaining with
    ``actors`` equilibrium players (clones of its four), quadratic utilities."""
    spec = importlib.util.spec_from_file_location("bench_shapes", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    scenario: Scenario = bench.scenario_for(actors, "equilibrium", "quadratic")
    return scenario


class Evaluations:
    """Counts the worlds the dual is evaluated at (DualProblem.at), wrapping it; on the numpy
    reference engine (the compiled kernel evaluates inside its own loop)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(ENGINE_VARIABLE, "numpy")
        self.rows = 0
        self.calls = 0
        original = DualProblem.at

        def counted(problem: DualProblem, lam: np.ndarray, *args: Any) -> Any:
            self.rows += lam.shape[0]
            self.calls += 1
            return original(problem, lam, *args)

        monkeypatch.setattr(DualProblem, "at", counted)


def random_problem(seed: int, n: int, m: int, k: int, low: float = 0.85) -> tuple[np.ndarray, ...]:
    """Quadratic proposer problems (position, salience (n, 1 + m, k)) with binding thresholds."""
    rng = np.random.default_rng(seed)
    position = rng.uniform(size=(n, 1 + m, k))
    salience = rng.dirichlet(np.ones(k), size=(n, 1 + m))
    threshold = rng.uniform(low, 0.97, size=(n, m))
    return position, salience, threshold


@pytest.mark.parametrize(("m", "k", "low"), [(3, 4, 0.85), (9, 4, 0.8)])
def test_a_warm_point_takes_the_iterates_of_a_fresh_evaluation(
    m: int, k: int, low: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the kept point or from its bare multipliers: the same packages and multipliers bit
    for bit, and the point saves exactly the first evaluation (the numpy reference's points
    throughout; tests/test_newton_kernel.py checks the kernel's)."""
    monkeypatch.setenv(ENGINE_VARIABLE, "numpy")
    position, salience, threshold = random_problem(m * k, 200, m, k, low)
    linear = np.zeros(1 + m, dtype=bool)
    _, _, first = solve_group_from(position, salience, linear, threshold)
    assert isinstance(first, Point)
    assert np.count_nonzero(first.multipliers) > 0  # binding thresholds: a real warm start
    moved = threshold + np.random.default_rng(1).uniform(-0.01, 0.01, size=threshold.shape)
    solved = ~DualProblem(position, salience, linear, moved).certainly_infeasible()
    counts = Evaluations(monkeypatch)
    bare, bare_ok, bare_end = solve_group_from(
        position, salience, linear, moved, start=first.multipliers.copy()
    )
    fresh_rows = counts.rows
    warm, warm_ok, warm_end = solve_group_from(position, salience, linear, moved, start=first)
    # the worlds solved from a known point skip their first evaluation, and only it (a point
    # whose multipliers ran away, as an infeasible world's do, is not used)
    usable = first.known & (first.multipliers.max(axis=1) < solver.WARM_CEILING)
    assert fresh_rows - (counts.rows - fresh_rows) == np.count_nonzero(usable & solved) > 100
    np.testing.assert_array_equal(warm, bare)
    np.testing.assert_array_equal(warm_ok, bare_ok)
    assert isinstance(warm_end, Point) and isinstance(bare_end, Point)
    np.testing.assert_array_equal(warm_end.multipliers, bare_end.multipliers)
    assert 20 <= warm_ok.sum() <= 180


def test_a_point_with_a_runaway_multiplier_starts_that_world_cold() -> None:
    """A huge multiplier (what an infeasible world leaves) is forgotten: that world's solve is
    the cold one, bit for bit."""
    position, salience, threshold = random_problem(3, 50, 6, 4)
    linear = np.zeros(7, dtype=bool)
    _, _, first = solve_group_from(position, salience, linear, threshold)
    assert isinstance(first, Point)
    first.multipliers[7] = 1e9
    warm, _, _ = solve_group_from(position, salience, linear, threshold + 0.01, start=first)
    cold, _, _ = solve_group_from(position, salience, linear, threshold + 0.01)
    np.testing.assert_array_equal(warm[7], cold[7])


def test_many_actor_thresholds_are_the_same_warm_and_cold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Eight equilibrium players on five issues (seven constraints: the rank-deficient dual):
    value iteration with every proposer's solve warm-started from its last point equals the one
    with every solve started cold (to 1e-9), with fewer evaluations of the dual."""
    scenario = cloned_baseline(8)
    n = 40
    overrides = jittered(scenario, n, 8)
    batch = build_batch(scenario, np.arange(n), overrides=overrides)
    structure = Structure.of(scenario)
    assert structure.veto.sum() - 1 > batch.position.shape[2]  # m > K
    world = (batch.position, batch.salience, batch.recognition, batch.discount, batch.breakdown)
    common = (structure, *world, np.full((n, 8), 0.2))
    counts = Evaluations(monkeypatch)
    warm = WarmStarts(n)
    with_points = stationary_thresholds(*common, warm=warm)
    assert all(isinstance(state, Point) for state in warm.state.values())
    warm_rows = counts.rows
    cold_solve = solver.solve_group_from

    def cold(*args: Any, start: Any = None, **kw: Any) -> Any:
        return cold_solve(*args, **kw)

    monkeypatch.setattr(solver, "solve_group_from", cold)
    reference = stationary_thresholds(*common)
    assert counts.rows - warm_rows > 2 * warm_rows  # the warm run evaluated under a third
    np.testing.assert_allclose(with_points, reference, atol=1e-9)
    assert np.ptp(reference) > 0.05  # thresholds that differ across actors and worlds


def test_a_deeper_anderson_history_reaches_the_same_outcomes_in_fewer_maps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With sixteen thresholds per world Anderson acceleration combines six past iterates, not
    three: the same outcomes (terms to 1e-8) in fewer value-iteration maps, on the workload of
    ``benchmarks/bench_shapes.py`` (16 equilibrium players, ideal points and saliences
    jittered); up to four thresholds (the two- to four-actor games of the library and the
    theory tests) it keeps depth 3."""
    assert [anderson_depth(w) for w in (1, 2, 4, 5, 6, 7, 16, 64)] == [3, 3, 3, 4, 5, 6, 6, 6]
    spec = importlib.util.spec_from_file_location("bench_shapes", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    scenario = bench.scenario_for(16, "equilibrium", "quadratic")
    n = 16
    overrides = bench.jitter(scenario, n)
    maps = {"n": 0}
    original = equilibrium._round_values

    def counted(*args: Any, **kw: Any) -> Any:
        maps["n"] += 1
        return original(*args, **kw)

    monkeypatch.setattr(equilibrium, "_round_values", counted)
    deep = run_batch(scenario, np.arange(n), overrides=overrides)
    deep_maps = maps["n"]
    monkeypatch.setattr(equilibrium, "anderson_depth", lambda width: 3)
    maps["n"] = 0
    shallow = run_batch(scenario, np.arange(n), overrides=overrides)
    np.testing.assert_array_equal(deep["agreed"], shallow["agreed"])
    for issue in scenario.issues:
        column = f"term.{issue}"
        np.testing.assert_allclose(deep[column], shallow[column], atol=1e-8)
    assert deep["agreed"].mean() > 0.5  # deals to compare
    assert deep_maps < maps["n"], (deep_maps, maps["n"])
