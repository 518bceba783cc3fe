"""The exact linear-utility solver (sim.simplex) against scipy.optimize.linprog (HiGHS).

Every instance is compared to the LP optimum to 1e-9 in the proposer's utility, and feasibility to
the sign of the best achievable worst slack s* (instances with |s*| < 1e-9 are skipped).
"""

from __future__ import annotations

import numpy as np
import pytest
from solver_reference import Instances, exact_utilities, lp_optimum, random_instances

from sim.core.simplex import INFEASIBLE, OPTIMAL, _Programme, solve_linear

EXACT = 1e-9


def check(instances: Instances, own: np.ndarray | None = None) -> tuple[int, int]:
    """Compare every instance with linprog; returns (feasible, infeasible) counts compared."""
    solution = solve_linear(instances.position, instances.salience, instances.threshold, own)
    counts = [0, 0]
    for w in range(instances.position.shape[0]):
        position, salience = instances.position[w], instances.salience[w]
        optimum, worst = lp_optimum(position, salience, instances.threshold[w])
        if abs(worst) < EXACT:
            continue
        context = f"instance {w}: s* = {worst:.3g}, status {solution.status[w]}"
        if optimum is not None and own is not None and optimum < own[w] - 1e-6:
            assert solution.status[w] == INFEASIBLE, context
            counts[1] += 1
            continue
        if optimum is None:
            assert solution.status[w] == INFEASIBLE, context
            counts[1] += 1
            continue
        assert solution.status[w] == OPTIMAL, context
        ours = exact_utilities(solution.package[w], position, salience, instances.linear)
        assert ours[0] == pytest.approx(optimum, abs=EXACT), context
        assert np.all(ours[1:] >= instances.threshold[w] - EXACT), context
        assert np.all((solution.package[w] >= 0.0) & (solution.package[w] <= 1.0)), context
        counts[0] += 1
    return counts[0], counts[1]


@pytest.mark.parametrize(("m", "k"), [(1, 1), (1, 4), (2, 2), (3, 1), (3, 4), (5, 3), (7, 4)])
def test_matches_linprog(m: int, k: int) -> None:
    drawn = random_instances(500 + 10 * m + k, 60, m, k, [True] * (1 + m))
    demanding = 0.15 / m  # one constraint is rarely infeasible: demand more
    instances = Instances(drawn.position, drawn.salience, drawn.linear, drawn.threshold + demanding)
    feasible, infeasible = check(instances)
    assert feasible >= 10 and infeasible >= 5  # both answers exercised


def test_degenerate_instances_match_linprog() -> None:
    """Ideal points on the ends of the issue space, shared by several actors, and saliences of
    zero: breakpoints coincide and segments have length zero."""
    rng = np.random.default_rng(9)
    base = random_instances(77, 80, 3, 3, [True] * 4)
    position = np.round(base.position * 2.0) / 2.0  # only 0, 0.5 and 1
    salience = base.salience.copy()
    salience[::3, :, 0] = 0.0
    salience /= salience.sum(axis=2, keepdims=True)
    threshold = base.threshold + rng.uniform(-0.05, 0.05, size=base.threshold.shape)
    feasible, infeasible = check(Instances(position, salience, base.linear, threshold))
    assert feasible >= 10 and infeasible >= 5


def test_the_proposers_own_threshold_is_imposed() -> None:
    """A world is infeasible once the best package falls below the proposer's own threshold."""
    instances = random_instances(31, 60, 3, 3, [True] * 4)
    plain = solve_linear(instances.position, instances.salience, instances.threshold)
    best = np.array(
        [
            exact_utilities(
                plain.package[w], instances.position[w], instances.salience[w], instances.linear
            )[0]
            for w in range(60)
        ]
    )
    own = best + np.where(np.arange(60) % 2 == 0, 0.01, -0.01)
    imposed = solve_linear(instances.position, instances.salience, instances.threshold, own)
    optimal = plain.status == OPTIMAL
    assert optimal.sum() >= 20
    expected = np.where(np.arange(60) % 2 == 0, INFEASIBLE, OPTIMAL)
    np.testing.assert_array_equal(imposed.status[optimal], expected[optimal])
    feasible, infeasible = check(instances, own)
    assert feasible >= 10 and infeasible >= 10


def test_a_warm_start_reaches_the_cold_optimum() -> None:
    """A basis from other thresholds stays dual feasible: starting there gives the same optimum."""
    instances = random_instances(41, 200, 4, 4, [True] * 5)
    first = solve_linear(instances.position, instances.salience, instances.threshold)
    rng = np.random.default_rng(2)
    moved = instances.threshold + rng.uniform(-0.05, 0.05, size=instances.threshold.shape)
    cold = solve_linear(instances.position, instances.salience, moved)
    warm = solve_linear(instances.position, instances.salience, moved, start=first.basis)
    np.testing.assert_array_equal(warm.status, cold.status)
    assert 50 <= (cold.status == OPTIMAL).sum() < 200
    for w in np.flatnonzero(cold.status == OPTIMAL):
        args = (instances.position[w], instances.salience[w], instances.linear)
        assert exact_utilities(warm.package[w], *args)[0] == pytest.approx(
            exact_utilities(cold.package[w], *args)[0], abs=EXACT
        )


def test_a_world_does_not_depend_on_its_batch() -> None:
    """Each world pivots on its own: solving it alone gives the same bits."""
    instances = random_instances(52, 40, 3, 4, [True] * 4)
    together = solve_linear(instances.position, instances.salience, instances.threshold)
    for w in (0, 7, 23, 39):
        alone = solve_linear(
            instances.position[w : w + 1],
            instances.salience[w : w + 1],
            instances.threshold[w : w + 1],
        )
        assert alone.status[0] == together.status[w]
        np.testing.assert_array_equal(alone.package[0], together.package[w])


@pytest.mark.parametrize(("m", "k"), [(1, 1), (3, 4), (7, 5)])
def test_the_compiled_pivots_walk_as_the_numpy_reference(
    m: int, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default engine pivots each world in a compiled loop (sim.core.simplex_kernel); the
    numpy loop is the reference: the same status and final basis in every world, cold, warm and
    with the proposer's own threshold, and the same packages to rounding."""
    instances = random_instances(300 + m, 300, m, k, [True] * (1 + m))
    rng = np.random.default_rng(m)
    own = rng.uniform(0.3, 0.9, size=300)
    moved = instances.threshold + rng.uniform(-0.05, 0.05, size=instances.threshold.shape)
    runs = {}
    for engine in ("numpy", "kernel"):
        monkeypatch.setenv("PARLEY_ENGINE", engine)
        first = solve_linear(instances.position, instances.salience, instances.threshold, own)
        warm = solve_linear(instances.position, instances.salience, moved, own, first.basis)
        runs[engine] = (first, warm)
    for reference, compiled in zip(runs["numpy"], runs["kernel"], strict=True):
        np.testing.assert_array_equal(compiled.status, reference.status)
        np.testing.assert_array_equal(compiled.basis.basic, reference.basis.basic)
        np.testing.assert_array_equal(compiled.basis.at_upper, reference.basis.at_upper)
        done = reference.status != 2  # UNFINISHED packages are wherever the cap stopped
        np.testing.assert_allclose(compiled.package[done], reference.package[done], atol=1e-12)
    statuses = np.concatenate([run.status for run in runs["kernel"]])
    assert (statuses == OPTIMAL).sum() >= 30 and (statuses == INFEASIBLE).sum() >= 30


def test_the_compiled_programme_is_the_numpy_one_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The LP's arrays built in one compiled pass per world equal numpy's, on random ideal
    points and on degenerate ones (shared, on the ends, outside [0, 1]; saliences of zero)."""
    base = random_instances(88, 200, 4, 3, [True] * 5)
    position = base.position.copy()
    position[::2] = np.round(position[::2] * 2.0) / 2.0
    position[1::5, 0] = 1.2  # clipped into [0, 1] for the cuts, not for the slopes
    salience = base.salience.copy()
    salience[::3, :, 0] = 0.0
    built = {}
    for engine in ("numpy", "kernel"):
        monkeypatch.setenv("PARLEY_ENGINE", engine)
        built[engine] = _Programme(position, salience, base.threshold)
    for name in ("matrix", "cost", "upper", "offset", "rhs"):
        ours, theirs = getattr(built["kernel"], name), getattr(built["numpy"], name)
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))
