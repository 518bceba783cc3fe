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

from sim.arrays import BoolArray, FloatArray, IntArray, take_rows
from sim.core.dual import DualProblem
from sim.core.newton import Point
from sim.core.solver import WarmStarts, solve_group_from


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
            attainable = None
            if len(flags) > 1 and not flag.any():  # the quadratic solve's certificate
                free = np.zeros((rows.size, len(flags) - 1))
                attainable = DualProblem(ours, theirs, flag, free).attainable()
            others = np.ascontiguousarray(index[:, 1:])
            group = _Group(rows, others, ours, theirs, flag, WarmStarts(rows.size), attainable)
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
