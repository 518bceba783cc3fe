"""The dual simplex's pivots (:func:`sim.core.simplex.solve_linear`), compiled: one world at a time.

The numpy reference advances every world's tableau together, some forty numpy calls an
iteration over arrays of (worlds, rows, columns), most of them on tiny rows (m <= 7 constraints,
C = K (m + 2) + m columns); here each world pivots on its own in one compiled loop (numba,
``njit(cache=True)``): the same ratio test with bound flipping (Maros 2003, ch. 10), the same
choice of leaving row (the first largest violation), of entering column (the stable order of
the ratios) and of flips, the same updates.  Two sums run in a different order from numpy's (the
proposer's loss, numpy's pairwise sum; the basic values after the flips, ``einsum``), so the
packages agree with the reference to rounding (within 6e-15 on the tests' random instances),
not bit for bit; ``PARLEY_ENGINE=numpy`` runs the reference, and the tests compare the two.
The programme's arrays are numpy's bit for bit.  Hand-written, measured
faster (docs/model.md, "The proposer's problem"): the per-world loop is allowed because it is
compiled.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from sim.arrays import FloatArray

OPTIMAL, INFEASIBLE, UNFINISHED = 0, 1, 2  # as sim.core.simplex (which imports this module)


def _candidates(
    tableau: FloatArray,
    reduced: FloatArray,
    upper: FloatArray,
    at_upper: Any,
    is_basic: Any,
    w: int,
    row: int,
    raising: bool,
    pivot_tolerance: float,
    alpha: FloatArray,
    ratio: FloatArray,
    gain: FloatArray,
    order: Any,
) -> int:
    """The ratio test's candidates of world ``w``'s leaving ``row``: copies the row into
    ``alpha``, writes each eligible column's ratio |d_c / alpha_c| and what passing its bound
    repairs, and puts the eligible columns in ``order`` by ratio, ties by column (the stable
    order of the reference's argsort, whose ineligible columns, ratio inf and gain 0, come last
    and never decide); returns how many."""
    count = 0
    for c in range(alpha.size):
        a = tableau[w, row, c]
        alpha[c] = a
        signed = a if raising else -a
        if is_basic[c] or not upper[w, c] > 0.0:
            continue
        if not (
            (at_upper[w, c] and signed > pivot_tolerance)
            or (not at_upper[w, c] and signed < -pivot_tolerance)
        ):
            continue
        ratio[c] = abs(reduced[w, c]) / abs(a)
        gain[c] = abs(a) * (upper[w, c] if upper[w, c] < np.inf else 1e300)
        at = count  # insertion: after every candidate with a ratio no larger
        while at > 0 and ratio[order[at - 1]] > ratio[c]:
            order[at] = order[at - 1]
            at -= 1
        order[at] = c
        count += 1
    return count


def _leaving(values: FloatArray, upper: FloatArray, basic: Any, w: int) -> tuple[int, float, bool]:
    """World ``w``'s leaving row: the first largest bound violation among its basic variables,
    the violation and whether the variable is below its lower bound (it must rise)."""
    row, worst, raising = 0, -np.inf, True
    for i in range(basic.shape[1]):
        b = values[w, basic[w, i]]
        below, above = -b, b - upper[w, basic[w, i]]
        violation = below if below >= above else above
        if i == 0 or violation > worst:
            row, worst, raising = i, violation, below >= above
    return row, worst, raising


def _flip(
    tableau: FloatArray,
    values: FloatArray,
    at_upper: Any,
    upper: FloatArray,
    w: int,
    order: Any,
    passed: int,
    beta: FloatArray,
) -> None:
    """Flip the candidates passed before the entering one to their other bounds, moving the
    basic values ``beta`` with them."""
    for k in range(passed):
        c = order[k]
        step = -upper[w, c] if at_upper[w, c] else upper[w, c]
        at_upper[w, c] = not at_upper[w, c]
        values[w, c] += step
        for i in range(beta.size):
            beta[i] -= tableau[w, i, c] * step


def _pivot(
    tableau: FloatArray,
    reduced: FloatArray,
    values: FloatArray,
    basic: Any,
    at_upper: Any,
    upper: FloatArray,
    is_basic: Any,
    w: int,
    row: int,
    entering: int,
    raising: bool,
    alpha: FloatArray,
    beta: FloatArray,
    column: FloatArray,
) -> None:
    """The pivot on (``row``, ``entering``): the leaving variable goes to the bound it violated
    (0 where it must rise, its upper bound where it must fall); the basic values, the reduced
    costs and the tableau follow."""
    pivot = alpha[entering]
    leaving = basic[w, row]
    target = 0.0 if raising else upper[w, leaving]
    move = (beta[row] - target) / pivot
    for i in range(beta.size):
        column[i] = tableau[w, i, entering]
        beta[i] -= move * column[i]
    entered = values[w, entering] + move
    for i in range(beta.size):
        values[w, basic[w, i]] = beta[i]
    values[w, leaving] = target
    values[w, entering] = entered
    at_upper[w, leaving] = not raising
    at_upper[w, entering] = False
    is_basic[leaving] = False
    is_basic[entering] = True
    basic[w, row] = entering
    pivot_reduced = reduced[w, entering]
    for c in range(alpha.size):
        pivot_row = alpha[c] / pivot
        reduced[w, c] -= pivot_reduced * pivot_row
        for i in range(beta.size):
            tableau[w, i, c] -= column[i] * pivot_row
        tableau[w, row, c] = pivot_row
    reduced[w, entering] = 0.0


def pivot_worlds(
    tableau: FloatArray,
    reduced: FloatArray,
    values: FloatArray,
    basic: Any,
    at_upper: Any,
    cost: FloatArray,
    upper: FloatArray,
    offset: FloatArray,
    own_floor: FloatArray,
    tolerances: FloatArray,
    cap: int,
    status: Any,
) -> None:
    """Pivot every world to its optimum, an infeasibility certificate or the iteration cap, in
    place: ``tableau`` (n, m, C), ``reduced`` (n, C), ``values`` (n, C), ``basic`` (n, m),
    ``at_upper`` (n, C) as :func:`sim.core.simplex._factorise` left them; ``tolerances`` =
    (primal, pivot); ``status`` (n,) receives OPTIMAL, INFEASIBLE or UNFINISHED."""
    n, m, n_columns = tableau.shape
    primal, pivot_tolerance = tolerances[0], tolerances[1]
    is_basic = np.zeros(n_columns, dtype=np.bool_)
    ratio, gain = np.empty(n_columns), np.empty(n_columns)
    order = np.empty(n_columns, dtype=np.int64)
    alpha, column, beta = np.empty(n_columns), np.empty(m), np.empty(m)
    for w in range(n):
        is_basic[:] = False
        for i in range(m):
            is_basic[basic[w, i]] = True
        status[w] = UNFINISHED
        for iteration in range(cap + 1):
            row, worst, raising = _leaving(values, upper, basic, w)
            loss = 0.0
            for c in range(n_columns):
                loss += cost[w, c] * values[w, c]
            optimal = worst <= primal
            unwilling = 1.0 - offset[w] - loss < own_floor[w]
            passed, entering = -1, -1
            if not optimal and not unwilling:
                count = _candidates(
                    tableau, reduced, upper, at_upper, is_basic, w, row, raising,
                    pivot_tolerance, alpha, ratio, gain, order,
                )  # fmt: skip
                reach = 0.0
                for k in range(count):
                    reach += gain[order[k]]
                    if reach >= worst:
                        passed, entering = k, order[k]
                        break
            if unwilling or (passed < 0 and not optimal):  # the reference's precedence
                status[w] = INFEASIBLE
                break
            if optimal or iteration == cap:
                status[w] = OPTIMAL if optimal else UNFINISHED
                break
            for i in range(m):
                beta[i] = values[w, basic[w, i]]
            _flip(tableau, values, at_upper, upper, w, order, passed, beta)
            _pivot(
                tableau, reduced, values, basic, at_upper, upper, is_basic, w, row, entering,
                raising, alpha, beta, column,
            )  # fmt: skip


def programme(
    position: FloatArray, salience: FloatArray, matrix: FloatArray, cost: Any, upper: Any
) -> None:
    """The LP's constraint matrix [A | I] (n, m, C), costs (n, C) and upper bounds (n, C) of
    :class:`sim.core.simplex._Programme`, bit for bit, in one pass per world: each issue's [0, 1]
    cut at the (clipped) ideal points, sorted, and every actor's slope +-s on each segment."""
    n, n_actors, n_issues = position.shape
    m, n_segments = n_actors - 1, (n_actors + 1) * n_issues
    points = np.empty(n_actors + 2)
    for w in range(n):
        for k in range(n_issues):
            points[0], points[1] = 0.0, 1.0
            for a in range(n_actors):  # clipped, then inserted in order (a handful of points)
                value = min(max(position[w, a, k], 0.0), 1.0)
                at = a + 2
                while at > 0 and points[at - 1] > value:
                    points[at] = points[at - 1]
                    at -= 1
                points[at] = value
            for j in range(n_actors + 1):
                left, c = points[j], j * n_issues + k
                upper[w, c] = points[j + 1] - left
                cost[w, c] = math.copysign(salience[w, 0, k], left - position[w, 0, k])
                for i in range(m):
                    matrix[w, i, c] = math.copysign(
                        salience[w, i + 1, k], left - position[w, i + 1, k]
                    )
        for i in range(m):
            cost[w, n_segments + i], upper[w, n_segments + i] = 0.0, np.inf
            for j in range(m):
                matrix[w, i, n_segments + j] = 1.0 if i == j else 0.0


def ideal_start(
    matrix: FloatArray,
    cost: FloatArray,
    upper: FloatArray,
    rhs: FloatArray,
    at_upper: Any,
    values: FloatArray,
    reduced: FloatArray,
) -> None:
    """Every variable's value and reduced cost at the proposer's ideal, the slacks basic
    (:func:`sim.core.simplex._factorise` of that basis, whose tableau is the matrix itself):
    the segments at their bounds as ``at_upper`` says, each slack the rest of its row's
    right-hand side, the reduced costs the costs."""
    n, m, n_columns = matrix.shape
    n_segments = n_columns - m
    beta = np.empty(m)
    for w in range(n):
        for c in range(n_columns):
            values[w, c] = upper[w, c] if at_upper[w, c] and c < n_segments else 0.0
            reduced[w, c] = cost[w, c] if c < n_segments else 0.0
        for i in range(m):
            resting = 0.0
            for c in range(n_segments):
                resting += matrix[w, i, c] * values[w, c]
            beta[i] = rhs[w, i] - resting
        for i in range(m):
            values[w, n_segments + i] = beta[i]


@cache
def compiled_simplex() -> tuple[Callable[..., Any], ...]:
    """The pivots and the programme's arrays compiled (numba imported, compiled or loaded from
    the cache, on first use) with numpy's error model: the pivots' only divisors are pivots above
    the pivot tolerance and the magnitudes of eligible entries."""
    from sim.core.kernel_jit import vector_jit, vector_jitable

    for helper in (_candidates, _leaving, _flip, _pivot):
        vector_jitable(helper)
    return vector_jit(pivot_worlds), vector_jit(programme), vector_jit(ideal_start)
