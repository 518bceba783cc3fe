"""The bookkeeping around a proposer group's warm-started quadratic solve, compiled.

:meth:`sim.core.proposer_groups.ProposerGroups.solve` solves each group of worlds again at every
alpha the proposer tries (:mod:`sim.core.uncertain_offer`).  Around the compiled Newton
(:mod:`sim.core.newton_kernel`) the reference (:func:`sim.core.solver.solve_group_from`) gathers
the thresholds, checks the duality certificate (:meth:`sim.core.dual.DualProblem.
certainly_infeasible`; Boyd & Vandenberghe 2004, section 5.2), masks and gathers the warm
points, checks the packages against the exact utilities and scatters points, packages and
multipliers back: some forty numpy calls a group.  Here two compiled loops over the rows
(numba, ``njit(cache=True)``) do the same IEEE operations in the same order -- sums left to
right as :func:`sim.arrays.reduce_short` adds them -- so every number is the reference's bit
for bit.  Hand-written, measured faster (docs/model.md, "The proposer under uncertainty",
*Cost*).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from sim.arrays import BoolArray, FloatArray
from sim.core.newton_kernel import jit
from sim.core.solver import WARM_CEILING
from sim.core.tolerances import FEASIBILITY_TOLERANCE

INFEASIBLE_CERTIFICATE = -1e-9
"""The certificate's margin (:meth:`sim.core.dual.DualProblem.certainly_infeasible`)."""


def gather_rows(
    demanded: FloatArray,
    at: Any,
    mine: Any,
    others: Any,
    attainable: FloatArray,
    state: tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray],
    has_state: bool,
    threshold: FloatArray,
    todo: Any,
    masked: FloatArray,
    known: BoolArray,
    source: Any,
    batch: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    batch_known: BoolArray,
) -> int:
    """The group rows ``mine``' thresholds (from ``demanded``'s rows ``at``), their masked warm
    starts and, for the rows the certificate does not rule out (``todo``: their place in the
    batch, -1 for the others), the Newton's batch (``source``: each batch row's group row, whose
    ideal points and saliences the Newton reads in place); returns the batch's size."""
    lam_s, package_s, utility_s, curvature_s, known_s = state
    thresholds, lam_t, package_t, utility_t, curvature_t = batch
    m = others.shape[1]
    count = 0
    for q in range(mine.shape[0]):
        g, row = mine[q], at[q]
        for c in range(m):
            threshold[q, c] = demanded[row, others[g, c]]
        total = threshold[q, 0]
        for c in range(1, m):
            total = total + threshold[q, c]
        total = total + 0.0  # the proposer's own threshold is not imposed
        warm = False
        if has_state:
            largest = lam_s[g, 0]
            for c in range(1, m):
                value = lam_s[g, c]
                if largest == largest:  # np.maximum: NaN wins
                    largest = value if (value != value or value >= largest) else largest
            warm = known_s[g] and largest < WARM_CEILING
        known[q] = warm
        for c in range(m):
            masked[q, c] = lam_s[g, c] if warm else 0.0
        if attainable[g] - total < INFEASIBLE_CERTIFICATE:
            todo[q] = -1
            continue
        todo[q] = count
        source[count] = g
        for c in range(m):
            thresholds[count, c] = threshold[q, c]
            lam_t[count, c] = masked[q, c]
        if has_state:
            _copy_point(
                package_s, utility_s, curvature_s, g, package_t, utility_t, curvature_t, count
            )
        batch_known[count] = warm
        count += 1
    return count


def _copy_point(
    package: FloatArray,
    utility: FloatArray,
    curvature: FloatArray,
    g: int,
    package_to: FloatArray,
    utility_to: FloatArray,
    curvature_to: FloatArray,
    t: int,
) -> None:
    """Row g of a point's package, utilities and curvature into row t of another's, element
    by element (row views and tuples built in a loop cost reference counting)."""
    for k in range(package.shape[1]):
        package_to[t, k] = package[g, k]
    for a in range(utility.shape[1]):
        utility_to[t, a] = utility[g, a]
    for c in range(curvature.shape[1]):
        for d in range(curvature.shape[2]):
            curvature_to[t, c, d] = curvature[g, c, d]


def scatter_rows(
    at: Any,
    mine: Any,
    others: Any,
    position: FloatArray,
    salience: FloatArray,
    threshold: FloatArray,
    todo: Any,
    masked: FloatArray,
    known: BoolArray,
    has_state: bool,
    reached: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    state: tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray],
    package: FloatArray,
    feasible: BoolArray,
    multiplier: FloatArray,
) -> None:
    """Packages, feasibility (the exact utilities against the thresholds) and multipliers into
    the solve's rows ``at``, the group's warm points kept, as the reference leaves them."""
    lam_t, package_t, utility_t, curvature_t = reached
    lam_s, package_s, utility_s, curvature_s, known_s = state
    m, n_issues = others.shape[1], position.shape[2]
    stored = has_state or (todo >= 0).any()
    for q in range(mine.shape[0]):
        g, row, t = mine[q], at[q], todo[q]
        if t < 0:
            for k in range(n_issues):
                package[row, k] = position[g, 0, k]
            feasible[row] = False
            if stored:  # the masked start (zeros where the group had no point yet)
                known_s[g] = known[q]
                for c in range(m):
                    lam_s[g, c] = masked[q, c]
                    multiplier[row, others[g, c]] = masked[q, c]
            continue
        for k in range(n_issues):
            package[row, k] = package_t[t, k]
        meets = True
        for a in range(m + 1):
            total = 0.0
            for k in range(n_issues):
                distance = abs(package_t[t, k] - position[g, a, k])
                term = salience[g, a, k] * (distance * distance)
                total = term if k == 0 else total + term
            exact = 1.0 - total
            if a == 0:  # the proposer's own threshold is not imposed: -inf
                meets = exact >= -np.inf
            elif not exact >= threshold[q, a - 1] - FEASIBILITY_TOLERANCE:
                meets = False
        feasible[row] = meets
        _copy_point(package_t, utility_t, curvature_t, t, package_s, utility_s, curvature_s, g)
        known_s[g] = True
        for c in range(m):
            lam_s[g, c] = lam_t[t, c]
            multiplier[row, others[g, c]] = lam_t[t, c]


Kernels = tuple[Callable[..., int], Callable[..., None]]


@cache
def compiled_group() -> Kernels:
    """The two loops compiled (numba imported, compiled or loaded from the cache, on first use)."""
    from numba.extending import register_jitable

    register_jitable(_copy_point)
    gather: Callable[..., int] = jit(gather_rows)
    scatter: Callable[..., None] = jit(scatter_rows)
    return gather, scatter
