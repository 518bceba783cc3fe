"""The dual Newton's per-world loop and its steps, for numba to compile (:mod:`sim.core.newton_kernel`).

:func:`newton_worlds` is the loop that :func:`sim.core.newton_kernel.compiled_newton` compiles;
every step it calls is inlined into it before type inference (:func:`sim.inlining.inlined`),
so the steps compile only as part of it and LLVM optimises the loop whole: 13% less CPU on the
recorded solves of 3,000 private-values baseline worlds (0.326 -> 0.282 s, best of five, twice,
alternating; the same bits) than when they were separate functions it called
(``register_jitable``), for ~0.3 s more compile.  Importing this module imports numba: only
:func:`sim.core.newton_kernel.compiled_newton` imports it.

The loop compiles without numba's reference counting (:func:`sim.core.newton_kernel.jit` with
``refcounted=False``): every row view it takes (a world's positions, multipliers, point) and
every array an inlined step receives used to cost an atomic increment and decrement of the
array's count, which ``perf`` put at about a fifth of the private-values baseline's CPU.  The
loop allocates nothing (its working arrays come from :func:`scratch`), so it needs no counts:
the same machine code less those calls, the same bits, 0.48 -> 0.35 s on the recorded solves of
4,000 private-values baseline worlds (docs/speed.md, issue 17).

The loop's body, :func:`_solve_worlds`, takes its sizes (m other involved actors, K issues) as
arguments: :func:`newton_worlds` reads them from the arrays, and each shape of
:data:`SPECIALISED` has a loop that passes them as constants, so LLVM unrolls the loops over
actors and issues and folds their bounds; the same operations in the same order, so the same
bits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.newton import (
    GRADIENT_TOLERANCE,
    INFEASIBLE_DUAL,
    INITIAL_DAMPING,
    MAX_ITERATIONS,
    MULTIPLIER_CEILING,
    RANK_DEFICIENT_DAMPING,
    REJECTED_DAMPING,
)
from sim.core.tolerances import CURVATURE_FLOOR
from sim.inlining import inlined

Scratch = tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
    BoolArray, FloatArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
    FloatArray,
]  # fmt: skip
"""The loop's working arrays (:func:`scratch`)."""

Arguments = tuple[
    FloatArray, FloatArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
    FloatArray, BoolArray, bool,
]  # fmt: skip
"""The loop's problem and point (:data:`sim.core.newton_kernel.Compiled`'s arguments): position
(G, A, K), salience, each world's row of them (n,), thresholds (n, m), own (n,), multipliers
(n, m), package (n, K), utility (n, A), curvature (n, m, m or K), known (n,), factored."""


def scratch(actors: int, issues: int, columns: int) -> Scratch:
    """Working arrays for :func:`newton_worlds` on problems of ``actors`` involved actors,
    ``issues`` issues and curvature rows of ``columns`` (m, or K when factored): the trial
    multipliers, the gradients and projected gradients at the point and the trial, the step,
    the system's right-hand side, the free multipliers, the damped system, the chosen rows,
    the trial's compromise, utilities and curvature, the inner problem's weights at the point
    and at the trial, and the other veto players' marginal utilities (m, issues) for the
    Hessian."""
    m = actors - 1
    floats = tuple(np.empty(m) for _ in range(7))
    return (
        *floats,
        np.empty(m, dtype=np.bool_),
        np.empty((m, m)),
        np.empty(m, dtype=np.int64),
        np.empty(issues),
        np.empty(actors),
        np.empty((m, columns)),
        np.empty(issues),
        np.empty(issues),
        np.empty((m, issues)),
    )  # type: ignore[return-value]


def newton_worlds(arguments: Arguments, scratch: Scratch) -> None:
    """:func:`_solve_worlds` for any shape, its sizes read from the arrays."""
    _solve_worlds(arguments, scratch, arguments[3].shape[1], arguments[0].shape[2], arguments[10])


def newton_worlds_3x5(arguments: Arguments, scratch: Scratch) -> None:
    """:func:`_solve_worlds` for m = 3 other involved actors and five issues, the Hessian
    whole, all constants."""
    _solve_worlds(arguments, scratch, 3, 5, False)


def newton_worlds_4x5(arguments: Arguments, scratch: Scratch) -> None:
    """:func:`_solve_worlds` for m = 4 other involved actors and five issues, the Hessian
    whole, all constants."""
    _solve_worlds(arguments, scratch, 4, 5, False)


SPECIALISED = {(3, 5): newton_worlds_3x5, (4, 5): newton_worlds_4x5}
"""The shapes (m other involved actors, issues) with a loop whose sizes are constants to the
compiler, which unrolls and folds the loops over them: the shipped library's (five issues; a
proposer and three veto players, or four with a ratifier), 30% less CPU in the Newton on the
recorded solves of 4,000 private-values baseline worlds, the same bits (docs/speed.md).  Each
compiles on first use (~3.5 s once, then numba's cache); every other shape, and every factored
problem, runs :func:`newton_worlds`."""


def loop_for(m: int, issues: int, factored: bool) -> Callable[[Arguments, Scratch], None]:
    """The loop for problems of m other involved actors and ``issues`` issues, the Hessian
    ``factored`` or not (uncompiled).  A shape's own loop takes the whole Hessian, as every
    caller does where m <= K (both shapes): it leaves out the factored steps."""
    return newton_worlds if factored else SPECIALISED.get((m, issues), newton_worlds)


@inlined
def _solve_worlds(
    arguments: Arguments, scratch: Scratch, m: int, issues: int, factored: bool
) -> None:
    """Every world's projected Newton, in place: ``multipliers`` hold the start and the point
    arrays the evaluation there where ``known``; on return all four hold the final point.
    World w's ideal points and saliences are row ``rows[w]`` of ``position`` and ``salience``
    (read in place: a caller solving some of a group's worlds need not gather them).  The
    working arrays come from :func:`scratch`: the loop allocates nothing, so it compiles
    without numba's reference counting (module docstring)."""
    position, salience, rows, threshold, own, multipliers = arguments[:6]
    package, utility, curvature, known = arguments[6:10]
    n = threshold.shape[0]
    trial, gradient, gradient_t, projected, projected_t, step, rhs = scratch[:7]
    free, system, chosen, x_t, utility_t, curvature_t, work, work_t, marginal = scratch[7:]
    for w in range(n):
        p, s, theta = position[rows[w]], salience[rows[w]], threshold[w]
        lam, x, u, c = multipliers[w], package[w], utility[w], curvature[w]
        # m <= K: the Hessian is taken where a step needs it (:func:`_hessian`); stale: the
        # point's is not taken yet (a known start brings its own).
        stale = False
        if not known[w]:
            _evaluate(p, s, lam, factored, x, u, c, work, m, issues)
            stale = not factored
        value = _judge(u, theta, lam, gradient, m)
        floor = max(own[w], 0.0) - INFEASIBLE_DUAL
        damping = _first_damping(lam, gradient, m) if factored else INITIAL_DAMPING
        for _ in range(MAX_ITERATIONS):
            largest = _project(lam, gradient, projected, free, m)
            if largest <= GRADIENT_TOLERANCE or _beyond_ceiling(lam, m) or value < floor:
                break
            if factored:
                _one_entering(lam, gradient, free, m)
            elif stale:
                _hessian(p, s, x, work, free, c, False, marginal, m, issues)
            _damped_step(c, projected, free, damping, factored, system, rhs, chosen, step, m)
            decrease = 0.0
            for i in range(m):
                trial[i] = max(lam[i] + step[i], 0.0)
                decrease += projected[i] * (trial[i] - lam[i])
            _evaluate(p, s, trial, factored, x_t, utility_t, curvature_t, work_t, m, issues)
            value_t = _judge(utility_t, theta, trial, gradient_t, m)
            armijo = value_t <= value + 1e-4 * min(decrease, 0.0)
            # Near the optimum the dual value stops changing in floating point; there a step
            # is judged by whether it shrinks the projected gradient.
            flat = abs(value_t - value) <= 1e-13 * (1.0 + abs(value))
            if armijo or (flat and _project(trial, gradient_t, projected_t, free, m) < largest):
                _copy_rows(trial, lam, m)
                _copy_rows(x_t, x, issues)
                _copy_rows(utility_t, u, m + 1)
                _copy_rows(work_t, work, issues)
                if factored:
                    for i in range(m):
                        _copy_rows(curvature_t[i], c[i], issues)
                stale = not factored
                _copy_rows(gradient_t, gradient, m)
                value = value_t
                damping = max(damping / 10.0, 1e-12)
            else:
                damping = max(damping * 10.0, REJECTED_DAMPING)
                if damping > 1e20:  # stalled
                    break
        if stale:  # the final point's whole Hessian, for a warm start from it
            _hessian(p, s, x, work, free, c, True, marginal, m, issues)


@inlined
def _beyond_ceiling(lam: FloatArray, m: int) -> bool:
    """``lam.max() > MULTIPLIER_CEILING`` (NaN if any is), in a loop, as :func:`_copy_rows`."""
    beyond = False
    for i in range(m):
        if lam[i] != lam[i]:
            return False
        beyond = beyond or lam[i] > MULTIPLIER_CEILING
    return beyond


@inlined
def _copy_rows(source: FloatArray, target: FloatArray, size: int) -> None:
    """``target[:] = source`` (1-D, one size) in a loop: numba's array max and slice assignment
    compile their error messages' string formatting, ~3 s of a fresh install's CPU."""
    for i in range(size):
        target[i] = source[i]


@inlined
def _first_damping(lam: FloatArray, gradient: FloatArray, m: int) -> float:
    """With m > K, the first damping: the projected gradient, within [1e-12, 1e-4]."""
    size = 0.0
    for i in range(m):
        if not (lam[i] <= 0.0 and gradient[i] > 0.0):
            size = max(size, abs(gradient[i]))
    return min(max(size, INITIAL_DAMPING), RANK_DEFICIENT_DAMPING)


@inlined
def _project(
    lam: FloatArray, gradient: FloatArray, projected: FloatArray, free: BoolArray, m: int
) -> float:
    """The projected gradient (zero where a multiplier at zero is held by a positive gradient)
    into ``projected``, the unheld multipliers into ``free``; returns its largest size."""
    largest = 0.0
    for i in range(m):
        held = lam[i] <= 0.0 and gradient[i] > 0.0
        free[i] = not held
        projected[i] = 0.0 if held else gradient[i]
        largest = max(largest, abs(projected[i]))
    return largest


@inlined
def _one_entering(lam: FloatArray, gradient: FloatArray, free: BoolArray, m: int) -> None:
    """Of the multipliers at zero whose constraint is violated, only the most violated (the
    first of equals) stays free."""
    most, lowest = 0, np.inf
    for i in range(m):
        if lam[i] <= 0.0 and gradient[i] < 0.0 and gradient[i] < lowest:
            most, lowest = i, gradient[i]
    for i in range(m):
        if lam[i] <= 0.0 and gradient[i] < 0.0 and i != most:
            free[i] = False


@inlined
def _damped_step(
    curvature: FloatArray,
    projected: FloatArray,
    free: BoolArray,
    damping: float,
    factored: bool,
    system: FloatArray,
    rhs: FloatArray,
    chosen: IntArray,
    step: FloatArray,
    m: int,
) -> None:
    """The damped Newton step into ``step``: (H_ff + damping * scale I) d_f = -g_f over the
    free multipliers, H the Hessian or F F^T from its factor F, scale its largest diagonal
    entry (at least 1e-6); the others stay put (:mod:`sim.core.newton_step`)."""
    scale = 0.0
    count = 0
    for i in range(m):
        if factored:
            diagonal = 0.0
            for k in range(curvature.shape[1]):
                diagonal += curvature[i, k] * curvature[i, k]
        else:
            diagonal = abs(curvature[i, i])
        scale = max(scale, diagonal)
        step[i] = 0.0
        if free[i]:
            chosen[count] = i
            count += 1
    scale = max(scale, 1e-6)
    for a in range(count):
        i = chosen[a]
        for b in range(count):
            j = chosen[b]
            if factored:
                entry = 0.0
                for k in range(curvature.shape[1]):
                    entry += curvature[i, k] * curvature[j, k]
            else:
                entry = curvature[i, j]
            system[a, b] = entry
        system[a, a] += damping * scale
        rhs[a] = projected[i]
    _solve_in_place(system, rhs, count)
    for a in range(count):
        step[chosen[a]] = -rhs[a]


@inlined
def _evaluate(
    position: FloatArray,
    salience: FloatArray,
    lam: FloatArray,
    factored: bool,
    x: FloatArray,
    utility: FloatArray,
    curvature: FloatArray,
    work: FloatArray,
    m: int,
    issues: int,
) -> None:
    """One world's dual at ``lam`` (:meth:`sim.core.dual.DualProblem.at`, quadratic): the
    compromise x, the utilities, the inner problem's weights ``work`` and, when factored, the
    Hessian's factor, into the given arrays (the Hessian itself: :func:`_hessian`)."""
    for k in range(issues):
        total = salience[0, k]
        weighted = salience[0, k] * position[0, k]
        for a in range(1, m + 1):
            pull = lam[a - 1] * salience[a, k]
            total += pull
            weighted += pull * position[a, k]
        x[k] = weighted / total if total > 0.0 else position[0, k]
        if factored:  # 2 / sqrt(2 total), capped as in ``at``
            work[k] = np.sqrt(2.0 / max(total, CURVATURE_FLOOR / 2.0)) if total > 0.0 else 0.0
        else:  # 1 / the inner problem's curvature 2 total, capped
            work[k] = 1.0 / max(2.0 * total, CURVATURE_FLOOR) if total > 0.0 else 0.0
    for a in range(m + 1):
        loss = 0.0
        for k in range(issues):
            z = x[k] - position[a, k]
            loss += salience[a, k] * (z * z)
        utility[a] = 1.0 - loss
    if factored:
        for i in range(m):
            for k in range(issues):
                curvature[i, k] = salience[i + 1, k] * (x[k] - position[i + 1, k]) * work[k]


@inlined
def _hessian(
    position: FloatArray,
    salience: FloatArray,
    x: FloatArray,
    work: FloatArray,
    free: BoolArray,
    curvature: FloatArray,
    every: bool,
    marginal: FloatArray,
    m: int,
    issues: int,
) -> None:
    """The dual's Hessian at compromise x (``work``: 1 / the inner problem's curvature, as
    :func:`_evaluate` leaves it) into ``curvature``: the entries a damped step reads (every
    diagonal entry, for its scale, and the block of the free multipliers), or ``every`` entry.
    Each entry is the sum :func:`_evaluate` used to take at every point, so a step sees the same
    bits; taken only where a step needs it, not at trial points refused or at the last point
    (whose whole Hessian a warm start reads is taken once, at the end)."""
    for i in range(m):  # every row is read (the diagonal): each marginal once, not once a pair
        for k in range(issues):
            marginal[i, k] = salience[i + 1, k] * (2.0 * (x[k] - position[i + 1, k]))
    for i in range(m):
        for j in range(m):
            if every or i == j or (free[i] and free[j]):
                entry = 0.0
                for k in range(issues):
                    entry += marginal[i, k] * work[k] * marginal[j, k]
                curvature[i, j] = entry


@inlined
def _judge(
    utility: FloatArray, threshold: FloatArray, lam: FloatArray, gradient: FloatArray, m: int
) -> float:
    """The dual value at ``lam``, and its gradient U_i(x) - theta_i into ``gradient``."""
    value = utility[0]
    for i in range(m):
        gradient[i] = utility[i + 1] - threshold[i]
        value += lam[i] * gradient[i]
    return float(value)


@inlined
def _solve_in_place(system: FloatArray, rhs: FloatArray, size: int) -> None:
    """Solve the leading ``size`` x ``size`` block of ``system`` against ``rhs`` (overwritten
    with the solution) by Gaussian elimination with partial pivoting."""
    for col in range(size):
        pivot = col
        for row in range(col + 1, size):
            if abs(system[row, col]) > abs(system[pivot, col]):
                pivot = row
        if pivot != col:
            for k in range(col, size):
                system[col, k], system[pivot, k] = system[pivot, k], system[col, k]
            rhs[col], rhs[pivot] = rhs[pivot], rhs[col]
        for row in range(col + 1, size):
            ratio = system[row, col] / system[col, col]
            for k in range(col + 1, size):
                system[row, k] -= ratio * system[col, k]
            rhs[row] -= ratio * rhs[col]
    for row in range(size - 1, -1, -1):
        total = rhs[row]
        for k in range(row + 1, size):
            total -= system[row, k] * rhs[k]
        rhs[row] = total / system[row, row]
