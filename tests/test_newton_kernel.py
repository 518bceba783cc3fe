"""The compiled Newton of the quadratic dual (sim.core.newton_kernel) against the numpy
reference loop (sim.core.newton): the same packages, multipliers, feasibility and convergence
on random instances, cold and warm, and points either engine can start from."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from solver_reference import random_instances
from test_solver import check_against_scipy

from sim.core.dual import DualProblem
from sim.core.newton import Point, projected_newton
from sim.core.newton_kernel import ENGINE_VARIABLE, engine, jit, kernel_newton
from sim.core.newton_loop import SPECIALISED, loop_for, newton_worlds, scratch
from sim.core.solver import solve_group_from

PACKAGE_TOLERANCE = 1e-9
"""Packages of the two engines agree to this (absolute; they differ in rounding only)."""
MULTIPLIER_TOLERANCE = 1e-9
"""Multipliers of converged worlds agree to this, relative to 1 + their size.  (An infeasible
world's multipliers run away toward MULTIPLIER_CEILING and agree only in their first digits.)"""
PATHS_APART = 1e-7
"""Converged packages reached by different paths (cold, warm) agree to this."""
SHAPES = [(1, 4), (2, 4), (3, 4), (6, 2), (5, 4), (3, 5), (4, 5)]
"""With the shapes that have a loop of their own (sim.core.newton_loop.SPECIALISED)."""


def instances(seed: int, n: int, m: int, k: int, spread: float = 0.1) -> DualProblem:
    """Quadratic problems, thresholds around a random package's utilities (feasible and
    infeasible), the proposer's own threshold imposed on half of them."""
    drawn = random_instances(seed, n, m, k, [False] * (1 + m))
    rng = np.random.default_rng(seed + 1)
    threshold = drawn.threshold + rng.uniform(-spread, spread, size=drawn.threshold.shape)
    own = np.where(rng.uniform(size=n) < 0.5, rng.uniform(0.0, 1.0, size=n), -np.inf)
    return DualProblem(drawn.position, drawn.salience, drawn.linear, threshold, own=own)


def both(
    problem: DualProblem, start: np.ndarray, point: tuple[Point | None, Point | None]
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """(packages, multipliers, converged, point) of the reference and of the kernel."""
    reference = projected_newton(problem, start, True, point[0])
    compiled = projected_newton(problem, start, True, point[1], kernel_newton)
    return reference, compiled


def assert_same(problem: DualProblem, reference: tuple, compiled: tuple) -> None:  # type: ignore[type-arg]
    """Packages to PACKAGE_TOLERANCE, converged multipliers to MULTIPLIER_TOLERANCE, the same
    convergence and exact feasibility flags."""
    np.testing.assert_allclose(compiled[0], reference[0], rtol=0.0, atol=PACKAGE_TOLERANCE)
    np.testing.assert_array_equal(compiled[2], reference[2])
    np.testing.assert_array_equal(problem.feasible(compiled[0]), problem.feasible(reference[0]))
    converged = reference[2]
    gap = np.abs(compiled[1] - reference[1]) / (1.0 + np.abs(reference[1]))
    assert gap[converged].max(initial=0.0) <= MULTIPLIER_TOLERANCE


@pytest.mark.parametrize(("m", "k"), SHAPES)
def test_the_kernel_reaches_the_reference_answers_cold(m: int, k: int) -> None:
    problem = instances(10 * m + k, 400, m, k)
    reference, compiled = both(problem, np.zeros((400, m)), (None, None))
    assert_same(problem, reference, compiled)
    feasible = problem.feasible(reference[0])
    assert 0.1 < feasible.mean() < 0.99  # both kinds of world are tested
    assert reference[2].sum() > 100  # and many converge (the others are infeasible)
    # the point: the multipliers, the package and utilities there, the Hessian or its factor
    point = compiled[3]
    assert point.known.all()
    assert point.curvature.shape == ((400, m, k) if m > k else (400, m, m))
    package, utility, curvature = problem.at(point.multipliers, m > k)
    np.testing.assert_allclose(point.package, package, rtol=0.0, atol=1e-12)
    np.testing.assert_allclose(point.utility, utility, rtol=0.0, atol=1e-12)
    np.testing.assert_allclose(point.curvature, curvature, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("m", "k"), SHAPES)
def test_either_engines_point_warm_starts_both_to_the_same_answer(m: int, k: int) -> None:
    problem = instances(20 * m + k, 300, m, k, spread=0.05)
    reference, compiled = both(problem, np.zeros((300, m)), (None, None))
    rng = np.random.default_rng(m * k)
    moved = problem.threshold + rng.uniform(-0.01, 0.01, size=problem.threshold.shape)
    nearby = DualProblem(problem.position, problem.salience, problem.linear, moved, own=problem.own)
    cold = projected_newton(nearby, np.zeros((300, m)), True)
    for point in (reference[3], compiled[3]):
        warm_reference, warm_compiled = both(nearby, np.zeros((300, m)), (point, point))
        assert_same(nearby, warm_reference, warm_compiled)
        # the cold solve's path differs: the same optimum where there is one
        solved = cold[2] & nearby.feasible(cold[0])
        assert solved.sum() > 50
        np.testing.assert_allclose(warm_compiled[0][solved], cold[0][solved], atol=PATHS_APART)
    # a point that knows only some worlds: the others start cold from ``start``
    partial = Point(*(a.copy() for a in compiled[3].arrays()))
    partial.known[::3] = False
    warm_reference, warm_compiled = both(nearby, np.zeros((300, m)), (partial, partial))
    assert_same(nearby, warm_reference, warm_compiled)


@pytest.mark.parametrize(("m", "k"), list(SPECIALISED))
def test_a_shape_of_its_own_takes_the_generic_loops_bits(m: int, k: int) -> None:
    """The loop compiled with the library's sizes as constants gives the generic loop's
    answers bit for bit, cold and warm (the same operations in the same order)."""
    problem = instances(30 * m + k, 300, m, k)
    specialised = jit(loop_for(m, k, False), refcounted=False)
    assert loop_for(m, k, False) is not newton_worlds
    assert loop_for(m, k, True) is newton_worlds  # the factored steps: the generic loop
    generic = jit(newton_worlds, refcounted=False)
    rng = np.random.default_rng(m + k)
    first = Point(
        rng.uniform(0.0, 2.0, size=(300, m)),
        np.empty((300, k)),
        np.empty((300, m + 1)),
        np.empty((300, m, m)),
        np.zeros(300, dtype=bool),
    )
    answers = []
    for loop in (specialised, generic):
        point = Point(*(a.copy() for a in first.arrays()))
        for threshold in (problem.threshold, problem.threshold + 0.01):  # cold, then warm
            arguments = (
                problem.position, problem.salience, np.arange(300), threshold, problem.own,
                *point.arrays()[:4], point.known, False,
            )  # fmt: skip
            loop(arguments, scratch(m + 1, k, m))
            answers.append([a.copy() for a in point.arrays()[:4]])
            point.known[:] = True  # the next solve starts from this one's point
    for mine, theirs in zip(answers[:2], answers[2:], strict=True):
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_array_equal(a, b)
    assert np.isfinite(answers[0][1]).all() and answers[0][0].max() > 0.0


@pytest.mark.parametrize(("m", "k"), [(3, 4), (9, 4)])
def test_a_kernel_point_takes_the_iterates_of_its_bare_multipliers(m: int, k: int) -> None:
    """From the kept point or from its multipliers alone: the kernel's answers bit for bit
    (its point is its own evaluation at those multipliers)."""
    problem = instances(m, 200, m, k, spread=0.02)
    linear = np.zeros(1 + m, dtype=bool)
    args = (problem.position, problem.salience, linear)
    _, _, first = solve_group_from(*args, problem.threshold)
    assert isinstance(first, Point) and np.count_nonzero(first.multipliers) > 0
    moved = problem.threshold + 0.005
    bare, bare_ok, _ = solve_group_from(*args, moved, start=first.multipliers.copy())
    warm, warm_ok, end = solve_group_from(*args, moved, start=first)
    np.testing.assert_array_equal(warm, bare)
    np.testing.assert_array_equal(warm_ok, bare_ok)
    assert isinstance(end, Point) and 20 <= warm_ok.sum() <= 190


@pytest.mark.parametrize("name", ["kernel", "numpy"])
@pytest.mark.parametrize(("m", "k"), [(3, 4), (6, 2)])
def test_both_engines_match_slsqp(
    name: str, m: int, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scipy (SLSQP) reference of tests/test_solver.py, under either engine."""
    monkeypatch.setenv(ENGINE_VARIABLE, name)
    assert engine() == name
    compared = check_against_scipy(random_instances(500 + m + k, 60, m, k, [False] * (1 + m)), m)
    assert compared >= 45


def test_the_solver_uses_the_kernel_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    quadratic = instances(1, 5, 2, 4)
    assert quadratic.kernel() is kernel_newton
    mixed = DualProblem(
        quadratic.position, quadratic.salience, np.array([True, False, False]), quadratic.threshold
    )
    assert mixed.kernel() is None  # linear and mixed utilities stay on numpy
    monkeypatch.setenv(ENGINE_VARIABLE, "numpy")
    assert quadratic.kernel() is None
    monkeypatch.setenv(ENGINE_VARIABLE, "numbra")
    with pytest.raises(ValueError, match="PARLEY_ENGINE"):
        engine()


def test_importing_the_engine_does_not_import_numba() -> None:
    """Workers start fast: numba loads on the first solve, not with ``sim``."""
    code = (
        "import sys, sim, sim.core.solver, sim.core.runner; "
        "assert 'numba' not in sys.modules, 'numba imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_bad_engine_is_refused_in_one_line_by_the_command_line() -> None:
    """PARLEY_ENGINE is input too: a typo gets exit 2 and a did-you-mean, no traceback."""
    from click.testing import CliRunner

    from sim.cli import main

    result = CliRunner().invoke(main, ["list"], env={ENGINE_VARIABLE: "kernal"})
    assert result.exit_code == 2, result.output
    assert "PARLEY_ENGINE='kernal'" in result.output
    assert "did you mean 'kernel'?" in result.output
    assert "Traceback" not in result.output
