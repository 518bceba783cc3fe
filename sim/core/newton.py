"""Projected damped Newton on the proposer's dual, from a cold or a warm point.

Projected Newton (Bertsekas 1982) with a Levenberg-Marquardt damping (Moré 1978) minimises the
dual g(lam) of :class:`sim.core.dual.DualProblem` over lam >= 0; :mod:`sim.core.newton_step`
solves each step's linear system.  A solve may start from a :class:`Point` -- the dual
evaluated at the last solve's multipliers: the package x(lam), every involved actor's utility
there and the Hessian (or its factor).  None of these depends on the thresholds, so a solve
against new thresholds (the next value iteration of :mod:`sim.core.equilibrium`, the next alpha
of :mod:`sim.core.uncertain_offer`) needs only the gradient U_i(x) - theta_i, not a fresh
evaluation: the same iterates, bit for bit, one evaluation fewer per solve.

With more constraints than issues (m > K) the dual's Hessian has rank <= K, and two rules keep
its steps from being rejected one damping increase at a time: a violated constraint whose
multiplier is zero enters the step one at a time, the most violated first (as in the dual
active-set method of Goldfarb & Idnani 1983), and the first damping is the size of the
projected gradient (Yamashita & Fukushima 2001: large far from the optimum, small near it, so
a warm start close to its optimum takes one full Newton step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short, take_rows
from sim.core.newton_step import compact_step, full_step

if TYPE_CHECKING:
    from sim.core.dual import DualProblem

CONVERGED = 1e-9
GRADIENT_TOLERANCE = 1e-13
MAX_ITERATIONS = 500
MULTIPLIER_CEILING = 1e12
INITIAL_DAMPING = 1e-12
RANK_DEFICIENT_DAMPING = 1e-4  # more other veto players than issues (measured: 23% fewer steps)
REJECTED_DAMPING = 1e-3
"""After a rejected step the damping is at least this (relative to the Hessian's largest
diagonal).  Far from the optimum a Newton step that drives a multiplier below zero is often
rejected once clipped; raised tenfold from 1e-12 it took ~10 more rejections of nearly the same
step before one was accepted (most at 1e-3 to 1e-2), and those few worlds kept the vectorised loop
going at full call overhead: measured on the private-values baseline, 12.0 -> 9.1 iterations per
solve."""
INFEASIBLE_DUAL = 1e-9


@dataclass
class Point:
    """The dual at multipliers (n, m): the package x(lam) (n, K), the involved actors' utilities
    (n, 1 + m) and the Hessian (n, m, m) or its factor (n, m, K); ``known`` (n,) marks the
    worlds that have one (the others start cold, from zero multipliers)."""

    multipliers: FloatArray
    package: FloatArray
    utility: FloatArray
    curvature: FloatArray
    known: BoolArray

    @classmethod
    def unknown(cls, n: int, like: Point) -> Point:
        """No point yet for n worlds of the shape of ``like``."""
        return cls(*(np.zeros((n, *a.shape[1:]), dtype=a.dtype) for a in like.arrays()))

    def arrays(self) -> tuple[NDArray[Any], ...]:
        """The fields, in order."""
        return (self.multipliers, self.package, self.utility, self.curvature, self.known)

    def __getitem__(self, rows: IntArray) -> Point:
        """The points of the given worlds."""
        return Point(*(take_rows(a, rows) for a in self.arrays()))

    def __setitem__(self, rows: IntArray, other: Point) -> None:
        """Store the points of the given worlds."""
        for mine, theirs in zip(self.arrays(), other.arrays(), strict=True):
            mine[rows] = theirs


Kernel = Callable[["DualProblem", FloatArray, "Point | None", bool], "Point"]
"""A compiled replacement for the loop (:func:`sim.core.newton_kernel.kernel_newton`): the
problem, the start, the first point and whether to keep the Hessian's factor, to every world's
final point."""


def projected_newton(
    problem: DualProblem,
    start: FloatArray,
    check: bool = True,
    point: Point | None = None,
    kernel: Kernel | None = None,
) -> tuple[FloatArray, FloatArray, BoolArray, Point]:
    """Projected damped Newton on the dual from multipliers ``start`` (where ``point`` knows a
    world, from its multipliers and evaluation instead); by ``kernel`` when given, else by the
    vectorised numpy loop below (the reference).

    Returns packages, multipliers, (with ``check``, else all True) whether the projected
    gradient fell below CONVERGED, and the final point of every world.
    """
    n, m = problem.threshold.shape
    # With more constraints than issues the dual's Hessian is singular (rank <= K): keep its
    # factor instead of the m x m matrix.
    rank_deficient = m > problem.position.shape[2]
    if kernel is None:
        final = _reference(problem, start, point, rank_deficient)
    else:
        final = kernel(problem, start, point, rank_deficient)
    if not check:
        return final.package, final.multipliers, np.ones(n, dtype=bool), final
    _, gradient = problem.judge(final.multipliers, problem.at(final.multipliers)[1])
    held = (final.multipliers <= 0.0) & (gradient > 0.0)
    converged = reduce_short(np.maximum, np.abs(np.where(held, 0.0, gradient)), 1) <= CONVERGED
    return final.package, final.multipliers, converged, final


def _reference(
    problem: DualProblem, start: FloatArray, point: Point | None, rank_deficient: bool
) -> Point:
    """Every world's final point by the vectorised loop."""
    n = problem.threshold.shape[0]
    lam, x, utility, hessian = _first_point(problem, start, point, rank_deficient)
    value, gradient = problem.judge(lam, utility)
    final: Point | None = None  # every world's point once it stops
    damping = np.full(n, INITIAL_DAMPING)
    if rank_deficient:  # the first damping: the projected gradient, within [1e-12, 1e-4]
        held = (lam <= 0.0) & (gradient > 0.0)
        size = reduce_short(np.maximum, np.abs(np.where(held, 0.0, gradient)), 1)
        damping = np.clip(size, INITIAL_DAMPING, RANK_DEFICIENT_DAMPING)
    active = np.arange(n)
    # Weak duality: g(lam) >= the best package's U_0 >= 0 (utilities are >= 0 on the unit
    # cube), so g(lam) below max(0, the proposer's own threshold) shows no package will do.
    slack = 10.0 * problem.width if problem.any_linear else INFEASIBLE_DUAL
    floor = np.maximum(problem.own, 0.0) - slack
    for _ in range(MAX_ITERATIONS):
        held = (lam <= 0.0) & (gradient > 0.0)
        projected = np.where(held, 0.0, gradient)
        done = (
            (reduce_short(np.maximum, np.abs(projected), 1) <= GRADIENT_TOLERANCE)
            | (reduce_short(np.maximum, lam, 1) > MULTIPLIER_CEILING)
            | (value < floor)
        )
        if done.any():
            final = _retire(final, n, active, done, (lam, x, utility, hessian))
            keep = np.flatnonzero(~done)
            active, lam, damping, floor, x, value, gradient, hessian, utility = _kept(
                keep, active, lam, damping, floor, x, value, gradient, hessian, utility
            )
            held, projected, problem = held[keep], projected[keep], problem.take(keep)
        if active.size == 0:
            break
        free = ~held
        if rank_deficient:
            free &= _one_entering(lam, gradient)
            diagonal = reduce_short(np.add, hessian * hessian, 2)
        else:
            diagonal = np.abs(np.diagonal(hessian, axis1=1, axis2=2))
        scale = np.maximum(reduce_short(np.maximum, diagonal, 1), 1e-6)
        if rank_deficient:
            moved = np.where(free, projected, 0.0)
            step = compact_step(hessian, moved, free, damping * scale)
        else:
            step = full_step(hessian, projected, free, damping * scale)
        trial = np.maximum(lam + step, 0.0)
        x_t, utility_t, hessian_t = problem.at(trial, rank_deficient)
        value_t, gradient_t = problem.judge(trial, utility_t)
        decrease = reduce_short(np.add, projected * (trial - lam), 1)
        armijo = value_t <= value + 1e-4 * np.minimum(decrease, 0.0)
        # Near the optimum the dual value stops changing in floating point; there a step is
        # judged by whether it shrinks the projected gradient.
        flat = np.abs(value_t - value) <= 1e-13 * (1.0 + np.abs(value))
        projected_t = np.where((trial <= 0.0) & (gradient_t > 0.0), 0.0, gradient_t)
        shrinks = reduce_short(np.maximum, np.abs(projected_t), 1) < reduce_short(
            np.maximum, np.abs(projected), 1
        )
        accept = armijo | (flat & shrinks)
        rejected = np.flatnonzero(~accept)  # few: they keep their point, the rest move
        if rejected.size:
            trial[rejected], x_t[rejected], utility_t[rejected] = (
                lam[rejected],
                x[rejected],
                utility[rejected],
            )
            value_t[rejected], gradient_t[rejected] = value[rejected], gradient[rejected]
            hessian_t[rejected] = hessian[rejected]
        lam, x, utility, value, gradient, hessian = (
            trial,
            x_t,
            utility_t,
            value_t,
            gradient_t,
            hessian_t,
        )
        damping = np.where(
            accept, np.maximum(damping / 10.0, 1e-12), np.maximum(damping * 10.0, REJECTED_DAMPING)
        )
        stalled = damping > 1e20
        if stalled.any():
            final = _retire(final, n, active, stalled, (lam, x, utility, hessian))
            keep = np.flatnonzero(~stalled)
            active, lam, damping, floor, x, value, gradient, hessian, utility = _kept(
                keep, active, lam, damping, floor, x, value, gradient, hessian, utility
            )
            problem = problem.take(keep)
    if active.size or final is None:
        final = _retire(
            final, n, active, np.ones(active.size, dtype=bool), (lam, x, utility, hessian)
        )
    return final


def _retire(
    final: Point | None,
    n: int,
    active: IntArray,
    leaving: BoolArray,
    reached: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
) -> Point:
    """``final`` with the points ``reached`` of the ``leaving`` worlds among ``active`` stored
    (the arrays themselves when every one of the n worlds stops at once: no copy)."""
    if final is None and active.size == n and leaving.all():
        return Point(*reached, np.ones(n, dtype=bool))
    if final is None:
        final = Point.unknown(n, Point(*reached, leaving))
        final.known[:] = True
    rows = np.flatnonzero(leaving)
    for stored, part in zip(final.arrays(), reached, strict=False):
        stored[active[rows]] = part[rows]
    return final


def _first_point(
    problem: DualProblem, start: FloatArray, point: Point | None, factored: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Multipliers, package, utilities and Hessian (or factor) to start from: ``point``'s where
    it knows a world, else a fresh evaluation at ``start``."""
    if point is None or not point.known.any():
        lam = start.copy()
        return (lam, *problem.at(lam, factored))
    lam = np.where(point.known[:, None], point.multipliers, start)
    fresh = np.flatnonzero(~point.known)
    if not fresh.size:  # only read (the solve never writes into its first point's arrays)
        return lam, point.package, point.utility, point.curvature
    x, utility, hessian = point.package.copy(), point.utility.copy(), point.curvature.copy()
    x[fresh], utility[fresh], hessian[fresh] = problem.take(fresh).at(lam[fresh], factored)
    return lam, x, utility, hessian


def _kept(rows: IntArray, *arrays: NDArray[Any]) -> tuple[NDArray[Any], ...]:
    """The given rows of every array (the worlds still iterating)."""
    return tuple(values[rows] for values in arrays)


def _one_entering(lam: FloatArray, gradient: FloatArray) -> BoolArray:
    """Of the multipliers at zero whose constraint is violated, only the most violated one."""
    entering = (lam <= 0.0) & (gradient < 0.0)
    most = np.argmin(np.where(entering, gradient, np.inf), axis=1)
    first: BoolArray = ~entering | (np.arange(lam.shape[1])[None, :] == most[:, None])
    return first
