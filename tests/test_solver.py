"""The proposer's problem (sim.solver) against scipy on random instances.

Proposer 0 maximises U_0(x) over x in [0, 1]^K subject to U_i(x) >= theta_i (i = 1..m), with
U_a(x) = 1 - sum_k s_ak |x_k - p_ak|^rho_a.  References:

* quadratic: scipy.optimize.minimize(SLSQP) from several starts, tight ftol;
* all linear: scipy.optimize.linprog on the exact LP reformulation (d_ak >= |x_k - p_ak|);
* mixed: SLSQP on the same smooth reformulation (d variables for the linear actors only).

Feasibility is decided by the best achievable worst slack s* = max_x min_i (U_i(x) - theta_i),
computed with scipy; instances with |s*| < BORDERLINE are skipped (either answer is defensible).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import nnls
from solver_reference import (
    BORDERLINE,
    OBJECTIVE_TOLERANCE,
    Instances,
    Smooth,
    best_worst_slack,
    exact_utilities,
    lp_optimum,
    random_instances,
    slsqp_optimum,
)

from sim.core.dual import DualProblem
from sim.core.solver import Offers, solve_group, solve_offers
from sim.core.tolerances import FEASIBILITY_TOLERANCE

INSTANCES = 24


# --- random instances -------------------------------------------------------------------------


# --- scipy references ---------------------------------------------------------------------------


# --- the comparison -----------------------------------------------------------------------------


def check_against_scipy(instances: Instances, seed: int) -> int:
    """Compare solve_group with the scipy reference on every instance; returns how many were
    compared (not borderline)."""
    package, feasible = solve_group(
        instances.position, instances.salience, instances.linear, instances.threshold
    )
    n = instances.position.shape[0]
    assert package.shape == (n, instances.position.shape[2])
    assert feasible.shape == (n,) and feasible.dtype == bool
    rng = np.random.default_rng(seed + 1)
    all_linear = bool(instances.linear.all())
    compared = 0
    for w in range(n):
        position, salience, threshold = (
            instances.position[w],
            instances.salience[w],
            instances.threshold[w],
        )
        smooth = Smooth(position, salience, instances.linear, threshold)
        ours = exact_utilities(package[w], position, salience, instances.linear)
        if all_linear:
            reference, worst = lp_optimum(position, salience, threshold)
        else:
            centre = position.mean(axis=0)
            worst, witness = best_worst_slack(
                smooth, [centre, position[0], rng.uniform(size=position.shape[1])]
            )
            reference = None
        if abs(worst) < BORDERLINE:
            continue
        compared += 1
        context = f"instance {w}: s* = {worst:.3g}, ours feasible = {bool(feasible[w])}"
        if worst < 0:
            assert not feasible[w], context
            continue
        assert feasible[w], context
        # our package is inside the issue space and meets every threshold (to solver precision)
        assert np.all((package[w] >= 0.0) & (package[w] <= 1.0)), context
        assert np.all(ours[1:] >= threshold - FEASIBILITY_TOLERANCE), context
        if not all_linear:
            starts = [witness, position[0], rng.uniform(size=position.shape[1])]
            reference = slsqp_optimum(smooth, starts)
        if reference is None:
            continue  # scipy found no feasible point: ours was verified feasible above
        assert ours[0] == pytest.approx(reference, abs=OBJECTIVE_TOLERANCE), context
    return compared


@pytest.mark.parametrize(
    ("m", "k"), [(1, 1), (1, 3), (2, 2), (2, 3), (3, 1), (3, 3), (6, 2), (12, 4)]
)
def test_quadratic_matches_slsqp(m: int, k: int) -> None:
    instances = random_instances(100 + 10 * m + k, INSTANCES, m, k, [False] * (1 + m))
    compared = check_against_scipy(instances, seed=m * k)
    assert compared >= INSTANCES * 3 // 4


@pytest.mark.parametrize(
    ("m", "k"),
    [
        (1, 1),
        (1, 3),
        (2, 2),
        (2, 3),
        (3, 1),
        (3, 3),
    ],
)
def test_linear_matches_linprog(m: int, k: int) -> None:
    instances = random_instances(200 + 10 * m + k, INSTANCES, m, k, [True] * (1 + m))
    compared = check_against_scipy(instances, seed=m * k)
    assert compared >= INSTANCES * 3 // 4


@pytest.mark.parametrize(
    "linear",
    [
        [True, False],
        [False, True],
        [True, False, True],
        [False, True, False],
        [True, True, False, False],
        [False, False, True, True],
    ],
)
def test_mixed_matches_slsqp(linear: list[bool]) -> None:
    m = len(linear) - 1
    instances = random_instances(300 + 7 * m + sum(linear), INSTANCES, m, 2, linear)
    compared = check_against_scipy(instances, seed=17 * m)
    assert compared >= INSTANCES * 3 // 4


def test_instances_include_infeasible_and_binding_cases() -> None:
    """The random instances exercise both answers (else the comparisons above prove little)."""
    for linear in (True, False):
        instances = random_instances(222, INSTANCES, 3, 2, [linear] * 4)
        package, feasible = solve_group(
            instances.position, instances.salience, instances.linear, instances.threshold
        )
        assert 0.2 * INSTANCES <= feasible.sum() <= 0.9 * INSTANCES
        moved = np.abs(package - instances.position[:, 0, :]).max(axis=1) > 1e-3
        assert (feasible & moved).sum() >= 0.1 * INSTANCES  # binding constraints


def test_no_constraints_gives_the_proposers_ideal() -> None:
    rng = np.random.default_rng(5)
    position = rng.uniform(size=(6, 1, 3))
    salience = rng.dirichlet(np.ones(3), size=(6, 1))
    package, feasible = solve_group(position, salience, np.array([False]), np.zeros((6, 0)))
    assert feasible.all()
    np.testing.assert_array_equal(package, position[:, 0, :])


def test_slack_constraints_leave_the_proposers_ideal() -> None:
    """Thresholds the proposer's ideal already meets do not move the offer."""
    rng = np.random.default_rng(6)
    for linear in ([False, False, False], [True, True, True], [True, False, True]):
        position = rng.uniform(size=(10, 3, 2))
        salience = rng.dirichlet(np.ones(2), size=(10, 3))
        flags = np.array(linear)
        ideal = np.array(
            [
                exact_utilities(position[w, 0], position[w], salience[w], flags)[1:]
                for w in range(10)
            ]
        )
        package, feasible = solve_group(position, salience, flags, ideal - 0.01)
        assert feasible.all()
        np.testing.assert_allclose(package, position[:, 0, :], atol=1e-6)


# --- hand-made instances (regressions: each once failed) --------------------------------------------


def test_one_linear_constraint_is_met_exactly() -> None:
    """Proposer's ideal 0.08, responder's 0.23, responder demands 0.91 (both linear, one issue):
    the responder needs |x - 0.23| <= 0.09, so the proposer offers x = 0.14 and keeps U_0 = 0.94."""
    position = np.array([[[0.08], [0.23]]])
    package, feasible = solve_group(
        position, np.ones((1, 2, 1)), np.array([True, True]), np.array([[0.91]])
    )
    assert feasible[0]
    assert package[0, 0] == pytest.approx(0.14, abs=1e-7)


def test_three_linear_constraints_with_a_wide_interior_are_feasible() -> None:
    position = np.array([[0.55, 0.03], [0.75, 0.54], [0.33, 0.79], [0.3, 0.45]])
    salience = np.array([[0.38, 0.62], [0.22, 0.78], [0.92, 0.08], [0.82, 0.18]])
    threshold = np.array([0.64, 0.89, 0.75])
    optimum, worst = lp_optimum(position, salience, threshold)
    assert worst > 0.1 and optimum is not None  # every threshold can be beaten by 0.1
    linear = np.ones(4, dtype=bool)
    package, feasible = solve_group(position[None], salience[None], linear, threshold[None])
    assert feasible[0]
    ours = exact_utilities(package[0], position, salience, linear)
    assert ours[0] == pytest.approx(optimum, abs=OBJECTIVE_TOLERANCE)


@pytest.mark.parametrize(
    "linear",
    [
        [False, False, False, False],
        [True, True, True, True],
        [True, False, False, False],
        [False, True, True, True],
    ],
)
def test_an_issue_the_proposer_ignores_is_given_away(linear: list[bool]) -> None:
    """The proposer cares only about issue 1 (salience 0 on issue 2): it keeps its ideal 0.4 on
    issue 1 and uses issue 2 to satisfy the others, so U_0 = 1."""
    position = np.array([[0.4, 0.78], [0.32, 0.63], [0.51, 0.1], [0.76, 0.82]])
    salience = np.array([[1.0, 0.0], [0.26, 0.74], [0.82, 0.18], [0.53, 0.47]])
    threshold = np.array([0.73, 0.55, 0.43])
    flags = np.array(linear)
    package, feasible = solve_group(position[None], salience[None], flags, threshold[None])
    assert feasible[0]
    ours = exact_utilities(package[0], position, salience, flags)
    assert np.all(ours[1:] >= threshold - FEASIBILITY_TOLERANCE)
    assert ours[0] == pytest.approx(1.0, abs=OBJECTIVE_TOLERANCE)


# The proposer (actor 0) ignores issue 0 (salience 0).  Issue 0 is free to
# satisfy the others (x_0 in [0.113, 0.389] with x_1 = 0.4 meets every threshold: U_0 = 1), but the
# dual's multipliers shrink toward 0 there, and with them the inner problem's curvature on issue 0.
SUBNORMAL_POSITION = np.array([[0.4, 0.4], [0.8, 0.0], [0.0, 0.6], [0.3, 0.4]])
SUBNORMAL_SALIENCE = np.array([[0.0, 1.0], [0.8, 0.2], [0.9, 0.1], [0.6, 0.4]])
SUBNORMAL_THRESHOLD = np.array([0.46, 0.59, 0.86, 0.36])


def subnormal_offers() -> Offers:
    """The proposer's offer in that instance (every actor quadratic and a veto player)."""
    return solve_offers(
        SUBNORMAL_POSITION[None],
        SUBNORMAL_SALIENCE[None],
        np.zeros(4, dtype=bool),
        np.ones(4, dtype=bool),
        np.array([0]),
        SUBNORMAL_THRESHOLD[None],
        impose_own=True,
    )


def test_an_ignored_issue_with_vanishing_multipliers_runs_warning_free() -> None:
    """The input that raised RuntimeWarnings (overflow in 1/curvature, then NaN in the Hessian)
    once Newton's multipliers, and so the curvature of an ignored issue, became subnormal."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        offers = subnormal_offers()
        # the cause itself: a subnormal multiplier on the ignored issue keeps the Hessian finite
        problem = DualProblem(
            SUBNORMAL_POSITION[None],
            SUBNORMAL_SALIENCE[None],
            np.zeros(4, dtype=bool),
            SUBNORMAL_THRESHOLD[None, 1:],
        )
        lam = np.array([[1e-320, 1e-320, 0.0]])
        _, utility, hessian = problem.at(lam)
        _, _, factor = problem.at(lam, factored=True)
        value, gradient = problem.judge(lam, utility)
    assert np.isfinite(offers.package).all()
    assert np.isfinite(value).all() and np.isfinite(gradient).all()
    assert np.isfinite(hessian).all() and hessian[0, 0, 0] >= 1e299
    np.testing.assert_allclose(factor @ factor.transpose(0, 2, 1), hessian, rtol=1e-12)


@pytest.mark.parametrize("engine", ["kernel", "numpy"])
def test_an_ignored_issue_with_vanishing_multipliers_is_given_away(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The regularised dual (DualProblem.regularised) finds the package: the proposer keeps its
    ideal 0.4 on issue 1 (U_0 = 1) and gives issue 0 away, as little as it must (actor 2, whose
    threshold binds, gets exactly 0.86 at x_0 = 0.3887: the nearest to the proposer's 0.4)."""
    monkeypatch.setenv("PARLEY_ENGINE", engine)
    offers = subnormal_offers()
    assert offers.feasible[0]
    ours = exact_utilities(
        offers.package[0], SUBNORMAL_POSITION, SUBNORMAL_SALIENCE, np.zeros(4, bool)
    )
    assert np.all(ours >= SUBNORMAL_THRESHOLD - FEASIBILITY_TOLERANCE)
    assert ours[0] == pytest.approx(1.0, abs=OBJECTIVE_TOLERANCE)
    assert ours[2] == pytest.approx(0.86, abs=1e-9)
    # 1 - 0.9 x_0**2 - 0.1 (0.4 - 0.6)**2 = 0.86 on actor 2's side of 0.4
    assert offers.package[0, 0] == pytest.approx(np.sqrt(0.136 / 0.9), abs=1e-7)


@pytest.mark.parametrize(("m", "k"), [(1, 2), (2, 2), (3, 3), (6, 2)])
def test_quadratic_with_an_ignored_issue_matches_slsqp(m: int, k: int) -> None:
    """The proposer ignores issue 0 (salience 0) in every instance: the regularised dual still
    finds a package wherever scipy does, worth as much to the proposer."""
    instances = random_instances(500 + 10 * m + k, INSTANCES, m, k, [False] * (1 + m))
    instances.salience[:, 0, 0] = 0.0
    compared = check_against_scipy(instances, seed=7 * m + k)
    assert compared >= INSTANCES * 3 // 4


# --- quadratic structure --------------------------------------------------------------------------


def test_quadratic_solution_is_a_salience_weighted_compromise() -> None:
    """x_k = sum_a w_a s_ak p_ak / sum_a w_a s_ak with w_0 = 1 and multipliers w_i >= 0, the same
    on every issue; binding constraints only where w_i > 0 (complementary slackness)."""
    m, k, n = 2, 3, INSTANCES
    instances = random_instances(404, n, m, k, [False] * (1 + m))
    package, feasible = solve_group(
        instances.position, instances.salience, instances.linear, instances.threshold
    )
    checked = 0
    for w in np.flatnonzero(feasible):
        position, salience = instances.position[w], instances.salience[w]
        x = package[w]
        # sum_a w_a s_ak (x_k - p_ak) = 0 on every issue: s_0k (p_0k - x_k) = sum_i w_i s_ik (x_k - p_ik)
        design = (salience[1:] * (x[None, :] - position[1:])).T  # (K, m)
        target = salience[0] * (position[0] - x)
        weights, residual = nnls(design, target)
        assert residual <= 1e-7 * max(1.0, float(np.abs(target).max())), w
        rebuilt = (np.append(1.0, weights)[:, None] * salience * position).sum(axis=0) / (
            np.append(1.0, weights)[:, None] * salience
        ).sum(axis=0)
        np.testing.assert_allclose(rebuilt, x, atol=1e-7)
        slack = (
            exact_utilities(x, position, salience, instances.linear)[1:] - instances.threshold[w]
        )
        assert np.all(slack >= -FEASIBILITY_TOLERANCE)
        assert np.all((weights <= 1e-6) | (np.abs(slack) <= 1e-7)), (weights, slack)
        checked += 1
    assert checked >= n // 2


# --- routing proposers in solve_offers --------------------------------------------------------------


def test_solve_offers_routes_each_worlds_proposer() -> None:
    """Each world's offer is solve_group for its proposer against the other veto players only;
    the proposer's own threshold and non-veto thresholds are ignored."""
    rng = np.random.default_rng(11)
    n, n_actors, k = 60, 4, 2
    position = rng.uniform(size=(n, n_actors, k))
    salience = rng.dirichlet(np.ones(k), size=(n, n_actors))
    linear = np.array([False, True, False, False])
    veto = np.array([True, True, False, True])
    proposer = rng.integers(0, n_actors, size=n).astype(np.int64)
    threshold = rng.uniform(0.75, 1.0, size=(n, n_actors))
    offers = solve_offers(position, salience, linear, veto, proposer, threshold)
    assert offers.package.shape == (n, k) and offers.feasible.shape == (n,)
    assert set(np.unique(proposer)) == set(range(n_actors))
    assert 0 < offers.feasible.sum() < n
    for w in range(n):
        j = int(proposer[w])
        others = [a for a in range(n_actors) if veto[a] and a != j]
        involved = [j, *others]
        x, ok = solve_group(
            position[w : w + 1][:, involved, :],
            salience[w : w + 1][:, involved, :],
            linear[involved],
            threshold[w : w + 1][:, others],
        )
        assert bool(ok[0]) == bool(offers.feasible[w]), w
        np.testing.assert_allclose(offers.package[w], x[0], atol=1e-9, err_msg=str(w))
    # impossible demands by the proposer itself and by the non-veto actor change nothing
    demanding = threshold.copy()
    demanding[np.arange(n), proposer] = 2.0
    demanding[:, 2] = 2.0
    again = solve_offers(position, salience, linear, veto, proposer, demanding)
    np.testing.assert_array_equal(again.feasible, offers.feasible)
    np.testing.assert_allclose(again.package, offers.package, atol=1e-12)
    # while an impossible demand by a veto player makes every other proposer's offer infeasible
    demanding = threshold.copy()
    demanding[:, 1] = 2.0
    blocked = solve_offers(position, salience, linear, veto, proposer, demanding)
    assert not blocked.feasible[proposer != 1].any()
