"""The proposers' problems of many worlds, grouped for the solver and solved again and again.

The proposer facing uncertain responders (:mod:`sim.core.uncertain_offer`) solves its problem
once per alpha it tries, against new thresholds for the same worlds.  Worlds whose proposers
face the same utility shapes, row by row, form one problem (row 0 of a world's actor index its
proposer, then the other veto players), as in :func:`sim.core.solver.solve_offers`: fewer,
larger solves.  Each group keeps its last solver state (successive alphas are close: warm
starts) and what does not move with the thresholds (the bound of
:meth:`sim.core.dual.DualProblem.attainable`), so a solve redoes only what the thresholds
change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import SHORT_AXIS, BoolArray, FloatArray, IntArray, take_rows
from sim.core.dual import DualProblem
from sim.core.group_kernel import compiled_group
from sim.core.newton import Point
from sim.core.newton_kernel import compiled_newton, engine
from sim.core.solver import WarmStarts, solve_group_from


class _Compiled:
    """A quadratic group's warm points as flat arrays (zeros and unknown until its first
    solve) and its regularised saliences, for the compiled bookkeeping
    (:mod:`sim.core.group_kernel`) around the compiled Newton."""

    def __init__(self, problem: DualProblem) -> None:
        n, involved, n_issues = problem.position.shape
        m = involved - 1
        self.regular = np.ascontiguousarray(problem.regularised().salience)
        self.factored = m > n_issues
        columns = n_issues if self.factored else m
        self.state = (
            np.zeros((n, m)),
            np.zeros((n, n_issues)),
            np.zeros((n, involved)),
            np.zeros((n, m, columns)),
            np.zeros(n, dtype=bool),
        )
        self.has_state = False

    @staticmethod
    def covers(problem: DualProblem) -> bool:
        """Quadratic, on the compiled engine, with fewer than eight actors and issues (numpy's
        sums are pairwise from eight)."""
        _, involved, n_issues = problem.position.shape
        return (
            engine() == "kernel"
            and not problem.any_linear
            and 2 <= involved < SHORT_AXIS
            and 1 <= n_issues < SHORT_AXIS
            and problem.position.dtype == np.float64
        )

    def solve(
        self,
        group: _Group,
        mine: IntArray,
        at: IntArray,
        demanded: FloatArray,
        out: tuple[FloatArray, BoolArray, FloatArray],
    ) -> None:
        """The group rows ``mine``, solved against ``demanded``'s rows ``at``, into ``out``
        (packages, feasibility, multipliers), as :func:`sim.core.solver.solve_group_from`."""
        gather, scatter = compiled_group()
        q, m, n_issues = mine.size, group.others.shape[1], group.position.shape[2]
        threshold, masked = np.empty((q, m)), np.empty((q, m))
        todo, known, batch_known = np.empty(q, dtype=np.int64), np.empty(q, bool), np.empty(q, bool)
        columns = self.state[3].shape[2]
        source = np.empty(q, dtype=np.int64)
        batch = (
            np.empty((q, m)),
            np.empty((q, m)),
            np.empty((q, n_issues)),
            np.empty((q, m + 1)),
            np.empty((q, m, columns)),
        )
        count = gather(
            demanded, at, mine, group.others, group.attainable, self.state, self.has_state,
            threshold, todo, masked, known, source, batch, batch_known,
        )  # fmt: skip
        bound, lam, package, utility, curvature = (values[:count] for values in batch)
        if count:
            own = np.full(count, -np.inf)  # not imposed: the caller checks it
            compiled_newton()(
                group.position, self.regular, source[:count], bound, own, lam, package,
                utility, curvature, batch_known[:count], self.factored,
            )  # fmt: skip
        reached = (lam, package, utility, curvature)
        scatter(
            at, mine, group.others, group.position, group.salience, threshold, todo, masked,
            known, self.has_state, reached, self.state, *out,
        )  # fmt: skip
        self.has_state = self.has_state or count > 0


@dataclass(frozen=True)
class _Group:
    """One group's worlds (``rows``), its actors' rows (r, 1 + m) of the other veto players
    (``others``: columns 1..m), their ideal points and saliences (r, 1 + m, K), utility shapes,
    warm starts and (all utilities quadratic) the attainable bound (r,)."""

    rows: IntArray
    others: IntArray
    position: FloatArray
    salience: FloatArray
    flags: BoolArray
    warm: WarmStarts
    attainable: FloatArray | None
    compiled: _Compiled | None


class ProposerGroups:
    """The worlds' proposer problems, grouped for the solver, each group keeping its last
    solver state and its bound that the thresholds do not move."""

    def __init__(
        self,
        position: FloatArray,
        salience: FloatArray,
        linear: BoolArray,
        veto: BoolArray,
        proposer: IntArray,
    ) -> None:
        n, n_actors, self.n_issues = position.shape
        involved = [
            [j, *(a for a in range(n_actors) if veto[a] and a != j)] for j in range(n_actors)
        ]
        shapes: dict[tuple[bool, ...], list[int]] = {}
        for j in np.unique(proposer):
            if j >= 0:
                shapes.setdefault(tuple(bool(f) for f in linear[involved[j]]), []).append(int(j))
        self.groups: list[_Group] = []
        for flags, members in shapes.items():
            rows = np.flatnonzero(np.isin(proposer, members))
            table = np.zeros((n_actors, len(flags)), dtype=np.int64)
            for j in members:
                table[j] = involved[j]
            index = table[proposer[rows]]  # (rows, 1 + m)
            pick = (rows[:, None], index)
            flag = np.array(flags, dtype=bool)
            ours, theirs = position[pick], salience[pick]
            attainable, compiled = None, None
            if len(flags) > 1 and not flag.any():  # the quadratic solve's certificate
                free = np.zeros((rows.size, len(flags) - 1))
                problem = DualProblem(ours, theirs, flag, free)
                attainable = problem.attainable()
                compiled = _Compiled(problem) if _Compiled.covers(problem) else None
            others = np.ascontiguousarray(index[:, 1:])
            warm = WarmStarts(rows.size)
            group = _Group(rows, others, ours, theirs, flag, warm, attainable, compiled)
            self.groups.append(group)
        self.n_actors = n_actors
        self.where = np.full(n, -1)

    def solve(
        self, demanded: FloatArray, rows: IntArray
    ) -> tuple[FloatArray, BoolArray, FloatArray]:
        """Packages, whether the other veto players' thresholds are met, and the multipliers
        (r, A; NaN where unknown) in ``rows``, ``demanded`` (r, A) their thresholds."""
        package = np.empty((rows.size, self.n_issues))
        feasible = np.zeros(rows.size, dtype=bool)
        multiplier = np.full((rows.size, self.n_actors), np.nan)
        where = self.where
        where[rows] = np.arange(rows.size)
        for group in self.groups:
            mine = np.flatnonzero(where[group.rows] >= 0)
            if mine.size == 0:
                continue
            at = where[group.rows[mine]]
            if group.compiled is not None:
                group.compiled.solve(group, mine, at, demanded, (package, feasible, multiplier))
                continue
            whole = mine.size == group.rows.size
            others = group.others if whole else take_rows(group.others, mine)
            bound = group.attainable
            package[at], feasible[at], state = solve_group_from(
                group.position if whole else take_rows(group.position, mine),
                group.salience if whole else take_rows(group.salience, mine),
                group.flags,
                demanded[at[:, None], others],
                None,  # the proposer's own threshold is checked by the caller
                start=(group.warm if whole else group.warm.take(mine)).state.get(0),
                attainable=bound if bound is None or whole else bound[mine],
            )
            if state is not None:
                group.warm.put(mine, WarmStarts(mine.size, {0: state}))
            if isinstance(state, Point):
                multiplier[at[:, None], others] = state.multipliers
        where[rows] = -1
        return package, feasible, multiplier
