"""The proposer's problem with linear utilities, solved exactly for many worlds at once.

With every involved actor linear, ``max U_0(x) s.t. U_i(x) >= theta_i`` is a linear programme.
Cut each issue's [0, 1] at every involved actor's ideal point into segments and let t_jk in
[0, len_jk] be how far x_k runs through segment j (x_k = sum_j t_jk).  On segment j the distance
|x_k - p_ak| moves with slope sigma_ajk = +1 if the segment lies above p_ak and -1 below it, so
|x_k - p_ak| <= p_ak + sum_j sigma_ajk t_jk, with equality when the segments fill in order -- and
filling in order is best for every actor at once (each distance is convex in x_k).  The problem is

    min  sum_jk s_0k sigma_0jk t_jk                                  (the proposer's loss)
    s.t. sum_jk s_ik sigma_ijk t_jk + slack_i = 1 - theta_i - sum_k s_ik p_ik,    i = 1..m,
         0 <= t_jk <= len_jk,   slack_i >= 0,

with m rows and K (m + 2) + m boxed columns.  The proposer's ideal (every segment filled up to
p_0k) with the slacks basic is dual feasible, so the dual simplex method for bounded variables
with the bound-flipping ratio test (Maros 2003, ch. 10; Koberstein 2005, sec. 3.1) starts there
and walks through the breakpoints to the optimum -- a parametric walk from the proposer's ideal
toward the others'.  Every world keeps its own tableau and pivots on its own; each iteration is
a handful of numpy operations over all worlds still pivoting.

Certificates: a violated row that no column can repair proves the thresholds cannot all be met
(Farkas); the proposer's loss only grows along the walk (it is the dual value), so once its
utility falls below its own threshold no package will do (weak duality).  Thresholds enter only
the right-hand side, so a basis stays dual feasible when they change: a later solve starts from
the last basis (``Basis``), which is what value iteration needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.newton_kernel import engine
from sim.core.simplex_kernel import INFEASIBLE, OPTIMAL, UNFINISHED, compiled_simplex
from sim.core.tolerances import FEASIBILITY_TOLERANCE

PRIMAL_TOLERANCE = 1e-12
"""A basic variable this far outside its bounds counts as inside (utility units)."""
PIVOT_TOLERANCE = 1e-9
"""Smallest tableau entry the ratio test pivots on."""
DUAL_TOLERANCE = 1e-9
"""A reduced cost this far on the wrong side of zero makes a warm-start basis unusable."""


@dataclass(frozen=True)
class Basis:
    """A dual-feasible basis per world: the basic column of each row and the nonbasic columns
    resting at their upper bounds.  Valid for any thresholds of the same problem; a world whose
    first basic column is -1 has none yet (it starts at the proposer's ideal)."""

    basic: IntArray  # (n, m)
    at_upper: BoolArray  # (n, C)

    @classmethod
    def unknown(cls, n: int, like: Basis) -> Basis:
        """No basis yet for n worlds of the shape of ``like``."""
        return cls(
            np.full((n, like.basic.shape[1]), -1, dtype=np.int64),
            np.zeros((n, like.at_upper.shape[1]), dtype=bool),
        )

    def __getitem__(self, rows: IntArray) -> Basis:
        """The bases of the given worlds."""
        return Basis(self.basic[rows], self.at_upper[rows])

    def __setitem__(self, rows: IntArray, other: Basis) -> None:
        """Store the bases of the given worlds."""
        self.basic[rows] = other.basic
        self.at_upper[rows] = other.at_upper


@dataclass(frozen=True)
class Solution:
    """Packages (n, K); ``status`` OPTIMAL, INFEASIBLE (thresholds or the proposer's own) or
    UNFINISHED (iteration cap); the final bases."""

    package: FloatArray
    status: NDArray[np.int8]
    basis: Basis


__all__ = ["INFEASIBLE", "OPTIMAL", "UNFINISHED", "Basis", "Solution", "solve_linear"]


class _Programme:
    """The LP data of n worlds: constraint matrix [A | I] (n, m, C), costs (n, C), upper
    bounds (n, C), right-hand sides (n, m) and the loss at t = 0 (n,)."""

    def __init__(self, position: FloatArray, salience: FloatArray, threshold: FloatArray) -> None:
        n, n_involved, n_issues = position.shape
        m = n_involved - 1
        n_segments = (n_involved + 1) * n_issues
        self.shape = (n, m, n_segments, n_issues)
        self.offset = reduce_short(np.add, salience[:, 0] * position[:, 0], 1)
        self.rhs = 1.0 - threshold - reduce_short(np.add, salience[:, 1:] * position[:, 1:], 2)
        if engine() == "kernel" and position.dtype == salience.dtype == np.float64:
            self.matrix = np.empty((n, m, n_segments + m))
            self.cost, self.upper = np.empty((n, n_segments + m)), np.empty((n, n_segments + m))
            compiled_simplex()[1](
                np.ascontiguousarray(position),
                np.ascontiguousarray(salience),
                self.matrix,
                self.cost,
                self.upper,
            )
            return
        ends = np.broadcast_to(np.array([0.0, 1.0])[None, :, None], (n, 2, n_issues))
        points = np.sort(np.concatenate([ends, np.clip(position, 0.0, 1.0)], axis=1), axis=1)
        left = points[:, :-1, :]  # (n, S, K): S = m + 2 segments per issue
        length = points[:, 1:, :] - left
        # s_ak * sigma_ajk: +s above the ideal point (where left - p >= +0), -s below it
        slope = np.copysign(salience[:, :, None, :], left[:, None, :, :] - position[:, :, None, :])
        self.matrix = np.concatenate(
            [slope[:, 1:].reshape(n, m, n_segments), np.broadcast_to(np.eye(m), (n, m, m))],
            axis=2,
        )
        self.cost = np.concatenate([slope[:, 0].reshape(n, n_segments), np.zeros((n, m))], axis=1)
        self.upper = np.concatenate(
            [length.reshape(n, n_segments), np.full((n, m), np.inf)], axis=1
        )

    def ideal_basis(self) -> Basis:
        """Slacks basic, segments filled up to the proposer's ideal point (dual feasible)."""
        n, m, n_segments, _ = self.shape
        basic = np.broadcast_to(np.arange(n_segments, n_segments + m), (n, m)).copy()
        return Basis(basic, self.cost < 0.0)

    def package(self, values: FloatArray) -> FloatArray:
        _, _, n_segments, n_issues = self.shape
        segments = values[:, :n_segments].reshape(-1, n_segments // n_issues, n_issues)
        result: FloatArray = np.clip(segments.sum(axis=1), 0.0, 1.0)
        return result


def solve_linear(
    position: FloatArray,
    salience: FloatArray,
    threshold: FloatArray,
    own: FloatArray | None = None,
    start: Basis | None = None,
    max_iterations: int | None = None,
) -> Solution:
    """max U_0(x) s.t. U_i(x) >= threshold[:, i-1], all utilities linear, in every world.

    position, salience: (n, 1 + m, K), row 0 the proposer; threshold: (n, m); own: optional (n,)
    proposer's own threshold; start: a basis of the same problem (e.g. from the last solve).
    Dual simplex with bound flipping (Maros 2003, ch. 10), exact up to rounding.
    """
    lp = _Programme(position, salience, threshold)
    n, m, n_segments, _ = lp.shape
    n_columns = n_segments + m
    cap = max_iterations if max_iterations is not None else 20 * n_columns
    basis = lp.ideal_basis()
    own_floor = np.full(n, -np.inf) if own is None else own - FEASIBILITY_TOLERANCE
    if engine() == "kernel" and start is None:
        return _pivot_compiled(lp, None, basis, own_floor, cap)
    if start is not None:
        known = (start.basic[:, 0] >= 0)[:, None]
        basis = Basis(
            np.where(known, start.basic, basis.basic),
            np.where(known, start.at_upper, basis.at_upper),
        )
    tableau, reduced, values = _factorise(lp, basis)
    if start is not None:  # a start that rounding left dual infeasible: from the ideal instead
        stale = np.flatnonzero(_dual_infeasible(lp, basis, reduced))
        if stale.size:
            ideal = lp.ideal_basis()
            basis = Basis(basis.basic.copy(), basis.at_upper.copy())
            basis[stale] = ideal[stale]
            tableau, reduced, values = _factorise(lp, basis)
    if engine() == "kernel":
        return _pivot_compiled(lp, (tableau, reduced, values), basis, own_floor, cap)
    basic, at_upper = basis.basic.copy(), basis.at_upper.copy()
    is_basic = np.zeros((n, n_columns), dtype=bool)
    np.put_along_axis(is_basic, basic, True, axis=1)

    package = np.empty((n, position.shape[2]))
    status = np.full(n, UNFINISHED, dtype=np.int8)
    final_basic, final_upper = basic.copy(), at_upper.copy()
    active = np.arange(n)
    cost, upper, offset = lp.cost, lp.upper, lp.offset
    span = np.where(np.isfinite(upper), upper, 1e300)  # what passing a bound can repair
    lanes = np.arange(n)
    for _ in range(cap + 1):
        beta = values[lanes[:, None], basic]
        ceiling = upper[lanes[:, None], basic]
        below, above = -beta, beta - ceiling
        violation = np.maximum(below, above)
        row = np.argmax(violation, axis=1)
        worst = violation[lanes, row]
        bound = ceiling[lanes, row]
        utility = 1.0 - offset - (cost * values).sum(axis=1)
        optimal = worst <= PRIMAL_TOLERANCE
        unwilling = utility < own_floor[active]
        # the ratio test with bound flipping, for every world at once
        raising = below[lanes, row] >= above[lanes, row]
        alpha = tableau[lanes, row]  # (n, C)
        signed = np.where(raising[:, None], alpha, -alpha)
        eligible = (
            ~is_basic
            & (upper > 0.0)
            & ((~at_upper & (signed < -PIVOT_TOLERANCE)) | (at_upper & (signed > PIVOT_TOLERANCE)))
        )
        magnitude = np.abs(alpha)
        ratio = np.where(eligible, np.abs(reduced) / np.where(eligible, magnitude, 1.0), np.inf)
        order = np.argsort(ratio, axis=1, kind="stable")
        gain = np.where(eligible, magnitude, 0.0) * span
        reach = np.cumsum(gain[lanes[:, None], order], axis=1) >= worst[:, None]
        blocked = ~reach.any(axis=1)
        infeasible = (blocked & ~optimal) | unwilling
        done = optimal | infeasible
        if done.any() or _ == cap:
            finished = done if _ < cap else np.ones_like(done)
            rows = active[finished]
            package[rows] = lp.package(values[finished])
            status[rows] = np.where(
                infeasible[finished], INFEASIBLE, np.where(optimal[finished], OPTIMAL, UNFINISHED)
            )
            final_basic[rows], final_upper[rows] = basic[finished], at_upper[finished]
            keep = ~finished
            if not keep.any():
                break
            active, lanes = active[keep], lanes[: int(keep.sum())]
            tableau, reduced, values = tableau[keep], reduced[keep], values[keep]
            basic, at_upper, is_basic = basic[keep], at_upper[keep], is_basic[keep]
            cost, upper, offset, span = cost[keep], upper[keep], offset[keep], span[keep]
            row, worst, raising, bound = row[keep], worst[keep], raising[keep], bound[keep]
            alpha, order, reach = alpha[keep], order[keep], reach[keep]
        passed_count = np.argmax(reach, axis=1)
        entering = order[lanes, passed_count]
        # flip every candidate passed before the entering one to its other bound
        flip = np.zeros_like(at_upper)
        flip[lanes[:, None], order] = np.arange(n_columns)[None, :] < passed_count[:, None]
        step = np.where(flip, np.where(at_upper, -upper, upper), 0.0)
        at_upper ^= flip
        values += step
        beta = values[lanes[:, None], basic] - np.einsum("nmc,nc->nm", tableau, step)
        # the pivot: the leaving variable goes to the bound it violated
        target = np.where(raising, 0.0, bound)
        pivot = alpha[lanes, entering]
        leaving = basic[lanes, row]
        move = (beta[lanes, row] - target) / pivot
        column = tableau[lanes, :, entering]  # (n, m)
        beta -= move[:, None] * column
        entered = values[lanes, entering] + move
        values[lanes[:, None], basic] = beta
        values[lanes, leaving] = target
        values[lanes, entering] = entered
        at_upper[lanes, leaving] = ~raising
        at_upper[lanes, entering] = False
        is_basic[lanes, leaving] = False
        is_basic[lanes, entering] = True
        basic[lanes, row] = entering
        pivot_row = alpha / pivot[:, None]
        reduced -= reduced[lanes, entering][:, None] * pivot_row
        reduced[lanes, entering] = 0.0
        tableau -= column[:, :, None] * pivot_row[:, None, :]
        tableau[lanes, row] = pivot_row
    return Solution(package, status, Basis(final_basic, final_upper))


def _pivot_compiled(
    lp: _Programme,
    factored: tuple[FloatArray, FloatArray, FloatArray] | None,
    basis: Basis,
    own_floor: FloatArray,
    cap: int,
) -> Solution:
    """The pivots of :func:`solve_linear`'s loop, one world at a time in a compiled loop
    (:mod:`sim.core.simplex_kernel`): the same walk, the packages to rounding.  ``factored``
    None: every world starts at the proposer's ideal (``basis``), factorised in the loop too,
    and the tableau is the programme's matrix itself."""
    basic = np.ascontiguousarray(basis.basic, dtype=np.int64).copy()
    at_upper = np.ascontiguousarray(basis.at_upper, dtype=np.bool_).copy()
    if factored is None:
        tableau = np.ascontiguousarray(lp.matrix, dtype=np.float64)
        reduced, values = np.empty(at_upper.shape), np.empty(at_upper.shape)
        rhs = np.ascontiguousarray(lp.rhs, dtype=np.float64)
        compiled_simplex()[2](tableau, lp.cost, lp.upper, rhs, at_upper, values, reduced)
    else:
        tableau, reduced, values = (np.ascontiguousarray(a, dtype=np.float64) for a in factored)
    status = np.empty(basic.shape[0], dtype=np.int8)
    compiled_simplex()[0](
        tableau,
        reduced,
        values,
        basic,
        at_upper,
        np.ascontiguousarray(lp.cost),
        np.ascontiguousarray(lp.upper),
        np.ascontiguousarray(lp.offset, dtype=np.float64),
        np.ascontiguousarray(own_floor, dtype=np.float64),
        np.array([PRIMAL_TOLERANCE, PIVOT_TOLERANCE]),
        cap,
        status,
    )
    return Solution(lp.package(values), status, Basis(basic, at_upper))


def _dual_infeasible(lp: _Programme, basis: Basis, reduced: FloatArray) -> BoolArray:
    """Worlds where some nonbasic column's reduced cost has the wrong sign for its bound."""
    movable = lp.upper > 0.0
    np.put_along_axis(movable, basis.basic, False, axis=1)
    wrong = np.where(basis.at_upper, reduced > DUAL_TOLERANCE, reduced < -DUAL_TOLERANCE)
    result: BoolArray = np.any(movable & wrong, axis=1)
    return result


def _factorise(lp: _Programme, basis: Basis) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Tableau B^-1 [A | I], reduced costs and every variable's value for a basis."""
    n, m, n_segments, _ = lp.shape
    values = np.where(basis.at_upper, lp.upper, 0.0)
    np.put_along_axis(values, basis.basic, 0.0, axis=1)
    slacks = np.array_equal(
        basis.basic, np.broadcast_to(np.arange(n_segments, n_segments + m), (n, m))
    )
    columns = np.take_along_axis(lp.matrix, basis.basic[:, None, :], axis=2)  # B (n, m, m)
    tableau = lp.matrix.copy() if slacks else np.linalg.solve(columns, lp.matrix)
    basic_cost = np.take_along_axis(lp.cost, basis.basic, axis=1)
    reduced = lp.cost - np.einsum("nm,nmc->nc", basic_cost, tableau)
    np.put_along_axis(reduced, basis.basic, 0.0, axis=1)
    resting = np.einsum("nmc,nc->nm", lp.matrix, values)
    beta = lp.rhs - resting
    if not slacks:
        beta = np.linalg.solve(columns, beta[:, :, None])[:, :, 0]
    np.put_along_axis(values, basis.basic, beta, axis=1)
    return tableau, reduced, values
