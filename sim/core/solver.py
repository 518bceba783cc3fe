"""The proposer's problem, solved for many worlds at once.

Proposer j offers the package x in [0, 1]^K that maximises U_j(x) subject to U_i(x) >= theta_i for
every other veto player i.  With additively separable utilities the Lagrangian

    L(x, lam) = U_j(x) + sum_i lam_i (U_i(x) - theta_i)

separates by issue, and for fixed multipliers its maximiser is a salience-weighted compromise of
the ideal points: with quadratic utilities x_k = sum_a w_a s_ak p_ak / sum_a w_a s_ak (w_j = 1,
w_i = lam_i).  The dual g(lam) = max_x L(x, lam) is convex and has only m = (number of other veto
players) variables, so we minimise it over lam >= 0 by a projected, damped Newton method with exact
gradients (U_i(x(lam)) - theta_i) and Hessians, vectorised over worlds (Boyd & Vandenberghe 2004,
ch. 5; Bertsekas 1982 for the projected Newton step).  Strong duality holds (Slater) whenever the
constraint set has an interior point.

Linear (rho = 1) utilities make the problem a linear programme: the dual is piecewise linear and
the inner maximiser is not unique.  The solver replaces |z| by Huber(z; eps) + eps * z**2, which is
smooth and strictly convex, solves each issue's one-dimensional inner problem exactly over its
breakpoints, and drives eps from 0.1 down to ``HUBER_WIDTH`` warm-starting the multipliers
(a smoothing/proximal continuation; Nesterov 2005, Chen & Mangasarian 1996).  The final error in
any utility is of the order of HUBER_WIDTH.  When every involved actor is linear the problem is
solved exactly instead, by a dual simplex over the issues' breakpoints (:mod:`sim.core.simplex`);
the continuation remains for mixed shapes.  Worlds where the thresholds cannot all be met get
``feasible = False``: no deal that round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.dual import DualProblem
from sim.core.newton import Point
from sim.core.simplex import INFEASIBLE, UNFINISHED, Basis, solve_linear
from sim.core.tolerances import FEASIBILITY_TOLERANCE


@dataclass(frozen=True)
class Offers:
    """The proposers' packages (N, K) and whether each world's thresholds could all be met."""

    package: FloatArray
    feasible: BoolArray


WARM_CEILING = 1e6
"""Multipliers above this are not reused as a warm start."""

State = Basis | Point | FloatArray
"""What a solve leaves for the next: a simplex basis (all linear), the dual's point (all
quadratic: multipliers and the evaluation there) or bare multipliers."""


@dataclass
class WarmStarts:
    """Each proposer's last solver state for a fixed list of ``size`` worlds, so that a solve
    with new thresholds starts where the last one ended (value iteration, the next round)."""

    size: int
    state: dict[int, State] = field(default_factory=dict)

    def take(self, rows: IntArray) -> WarmStarts:
        """The states of the given worlds."""
        return WarmStarts(len(rows), {j: value[rows] for j, value in self.state.items()})

    def put(self, rows: IntArray, part: WarmStarts) -> None:
        """Keep ``part``'s states as those of the given worlds."""
        for j, value in part.state.items():
            kept = self.state.get(j)
            if isinstance(value, Basis):
                bases = kept if isinstance(kept, Basis) else Basis.unknown(self.size, value)
                bases[rows] = value
                self.state[j] = bases
            elif isinstance(value, Point):
                points = kept if isinstance(kept, Point) else Point.unknown(self.size, value)
                points[rows] = value
                self.state[j] = points
            else:
                multipliers = (
                    kept
                    if isinstance(kept, np.ndarray)
                    else np.zeros((self.size, *value.shape[1:]))
                )
                multipliers[rows] = value
                self.state[j] = multipliers


def solve_offers(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    veto: BoolArray,
    proposer: IntArray,
    threshold: FloatArray,
    *,
    impose_own: bool = False,
    warm: WarmStarts | None = None,
) -> Offers:
    """Each world's proposer's best package subject to the other veto players' thresholds.

    position, salience: (N, A, K); linear, veto: (A,); proposer: (N,); threshold: (N, A).  With
    ``impose_own`` a world is feasible only if the package also meets the proposer's own
    threshold, and the solver stops as soon as weak duality shows it cannot (much cheaper).
    ``warm`` (used when every world has the same proposer) starts from, and keeps, that
    proposer's last solver state for these worlds.
    """
    n, n_actors, n_issues = position.shape
    package = np.empty((n, n_issues))
    feasible = np.zeros(n, dtype=bool)
    # Worlds whose proposers face the same number m of other veto players, with the same
    # utility shapes row by row, form one problem: row 0 of a world's actor index is its
    # proposer, rows 1..m the other veto players.  (Fewer, larger problems: less overhead.)
    involved = [[j, *(a for a in range(n_actors) if veto[a] and a != j)] for j in range(n_actors)]
    groups: dict[tuple[bool, ...], list[int]] = {}
    for j in range(n_actors):
        groups.setdefault(tuple(bool(flag) for flag in linear[involved[j]]), []).append(j)
    for flags, members in groups.items():
        rows = np.flatnonzero(np.isin(proposer, members))
        if rows.size == 0:
            continue
        table = np.zeros((n_actors, len(flags)), dtype=np.int64)
        for j in members:
            table[j] = involved[j]
        single = int(proposer[0]) if warm is not None and rows.size == n else None
        ours, theirs, others, own = _gather(position, salience, threshold, proposer, rows, table)
        package[rows], feasible[rows], state = solve_group_from(
            ours,
            theirs,
            np.array(flags, dtype=bool),
            others,
            own if impose_own else None,
            start=None if warm is None or single is None else warm.state.get(single),
        )
        if warm is not None and single is not None and state is not None:
            warm.state[single] = state
    return Offers(package=package, feasible=feasible)


def _gather(
    position: FloatArray,
    salience: FloatArray,
    threshold: FloatArray,
    proposer: IntArray,
    rows: IntArray,
    table: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The ``rows``' position and salience (r, 1 + m, K) of their proposer (row 0) and its
    other veto players (row j of ``table``: proposer j's), those players' thresholds (r, m)
    and the proposer's own (r,)."""
    if rows.size == position.shape[0] and np.all(proposer == proposer[0]):
        order = table[proposer[0]]  # one proposer: plain takes (far cheaper), the same values
        return (
            np.take(position, order, axis=1),
            np.take(salience, order, axis=1),
            np.take(threshold, order[1:], axis=1),
            threshold[:, order[0]],
        )
    n_actors, n_issues = position.shape[1:]
    # Flat rows of (N A, K) and (N A,): one take along the first axis, far cheaper than fancy
    # indexing on two axes, the same copies.
    flat = rows[:, None] * n_actors + table.take(proposer.take(rows), axis=0)  # (r, 1 + m)
    thresholds = threshold.reshape(-1)
    return (
        position.reshape(-1, n_issues).take(flat, axis=0),
        salience.reshape(-1, n_issues).take(flat, axis=0),
        thresholds.take(flat[:, 1:]),
        thresholds.take(flat[:, 0]),
    )


def solve_group(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    threshold: FloatArray,
    own: FloatArray | None = None,
) -> tuple[FloatArray, BoolArray]:
    """max U_0(x) s.t. U_i(x) >= threshold[:, i-1] for i = 1..m, in every world.

    position, salience: (n, 1 + m, K), row 0 the proposer; linear: (1 + m,); threshold: (n, m);
    own: optional (n,) proposer's own threshold (worlds whose best package falls below it are
    infeasible).  Returns the packages (n, K) and feasibility (n,).
    """
    package, feasible, _ = solve_group_from(position, salience, linear, threshold, own)
    return package, feasible


def solve_group_from(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    threshold: FloatArray,
    own: FloatArray | None = None,
    start: State | None = None,
    attainable: FloatArray | None = None,
) -> tuple[FloatArray, BoolArray, State | None]:
    """``solve_group`` from a previous solve's state of the same worlds; also returns the new
    state (None where there is nothing to keep).  ``attainable``: the problem's
    :meth:`~sim.core.dual.DualProblem.attainable` if already known (it does not move with the
    thresholds)."""
    n, n_involved, _ = position.shape
    if n_involved == 1:
        willing = np.ones(n, dtype=bool) if own is None else own <= 1.0 + FEASIBILITY_TOLERANCE
        return position[:, 0, :].copy(), willing, None
    if linear.all():
        return _solve_exactly(position, salience, linear, threshold, own, start)
    problem = DualProblem(position, salience, linear, threshold, own=own)
    impossible = problem.certainly_infeasible(attainable)
    package = position[:, 0, :].copy()
    feasible = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(~impossible)
    if linear.any():
        if todo.size:
            package[todo], feasible[todo] = problem.take(todo).solve_with_continuation()
        return package, feasible, None
    # Quadratic: Newton from the last point where there is one (a huge multiplier is what an
    # infeasible world leaves behind: start that world afresh, from zero multipliers).
    multipliers = np.zeros((n, n_involved - 1))
    if isinstance(start, np.ndarray):
        usable = reduce_short(np.maximum, start, 1) < WARM_CEILING
        multipliers = np.where(usable[:, None], start, 0.0)
    point = start if isinstance(start, Point) else None
    if point is not None:  # the kept arrays are shared, never written to
        known = point.known & (reduce_short(np.maximum, point.multipliers, 1) < WARM_CEILING)
        multipliers = np.where(known[:, None], point.multipliers, 0.0)
        point = Point(multipliers, point.package, point.utility, point.curvature, known)
    if not todo.size:
        return package, feasible, point
    every = todo.size == n  # (then no copies)
    package[todo], feasible[todo], reached = (
        problem if every else problem.take(todo)
    ).solve_quadratic(
        multipliers if every else multipliers[todo],
        point if point is None or every else point[todo],
    )
    if every:
        return package, feasible, reached
    if point is None:
        kept = Point.unknown(n, reached)
    else:  # its multipliers and flags are this call's own; the rest is shared: copies
        shared = (point.package.copy(), point.utility.copy(), point.curvature.copy())
        kept = Point(point.multipliers, *shared, point.known)
    kept[todo] = reached
    return package, feasible, kept


def _solve_exactly(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    threshold: FloatArray,
    own: FloatArray | None,
    start: State | None,
) -> tuple[FloatArray, BoolArray, Basis]:
    """Every utility linear: the exact simplex; the rare world that reaches its iteration cap
    falls back to the smoothing continuation."""
    basis = start if isinstance(start, Basis) else None
    solution = solve_linear(position, salience, threshold, own, basis)
    package = solution.package
    problem = DualProblem(position, salience, linear, threshold, own=own)
    unfinished = np.flatnonzero(solution.status == UNFINISHED)
    if unfinished.size:
        package[unfinished], _ = problem.take(unfinished).solve_with_continuation()
    exact = problem.exact_utilities(package)
    meets = reduce_short(np.logical_and, exact[:, 1:] >= threshold - FEASIBILITY_TOLERANCE, 1)
    willing = exact[:, 0] >= problem.own - FEASIBILITY_TOLERANCE
    solved = solution.status != INFEASIBLE
    feasible: BoolArray = solved & meets & willing
    return package, feasible, solution.basis
