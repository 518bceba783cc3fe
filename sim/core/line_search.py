"""The anticipating proposer's search along a line of packages (:mod:`sim.core.anticipation`).

On the line x_t = x0 + t (x1 - x0), t in [low, 1] (clipped to [0, 1]^K), every actor's utility is
a known function of t (quadratic in t for quadratic utilities), and so are the ratifiers'
approval probabilities and everybody's expected value EV_i(x_t) = P(x_t) U_i(x_t) +
(1 - P(x_t)) w_i.  The proposer's best signed point is found by a grid of ``COARSE_POINTS``
points refined ``REFINEMENTS`` times around the best (each pass four times finer) where the
grid found a signed point (on the private-values baseline 94% of the lines have none, and
refining around none found one on 5 of 47,948 lines: 0.6.0 stopped doing it), which pins a
binding constraint or an interior maximum down to ~6e-11 of the line's length, below the
anticipating solves' own precision (~1e-10), so that the equilibrium's value iteration
(:mod:`sim.core.equilibrium`), which calls it, stays a contraction down to its
``ANTICIPATION_TOLERANCE`` (1e-9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from sim import elementary
from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.grid_kernel import Best, CompiledGrid
from sim.core.ratification import Ratifiers, logistic
from sim.core.tolerances import FEASIBILITY_TOLERANCE

COARSE_POINTS = 17
"""Points of the first grid on the line (a signed interval shorter than 1/16 of it may be missed)."""

REFINE_POINTS = 9
"""Points of each refining grid, on best -/+ one step of the grid before (four times finer)."""

REFINEMENTS = 15
"""Refining passes: the step shrinks to (1/16) 4^-15 ~ 6e-11 of the line.  Until 0.6.0 twenty
(6e-14), finer than anything downstream resolves, at 40 more points a line."""

GRID_BLOCK = 4096
"""Worlds searched at once (bounds the (worlds, points, actors, issues) arrays)."""


@dataclass(frozen=True)
class Segment:
    """Packages x_t = x0 + t (x1 - x0), t in [low, 1] (clipped to [0, 1]^K), in n worlds, and
    who must sign them."""

    x0: FloatArray
    x1: FloatArray
    low: FloatArray  # (n,) the lowest t searched (in [-1, 0])
    position: FloatArray  # (n, A, K)
    salience: FloatArray
    linear: BoolArray  # (n, A)
    veto: BoolArray  # (A,)
    proposer: IntArray  # (n,)
    threshold: FloatArray  # (n, A)
    fallback: FloatArray  # (n, A)

    def lines(self, ratifiers: Ratifiers) -> tuple[Line, Line]:
        """The actors' and the ratifiers' utilities as functions of t on these segments."""
        delta = self.x1 - self.x0
        return (
            Line.of(self.x0, delta, self.position, self.salience, self.linear),
            Line.of(self.x0, delta, ratifiers.position, ratifiers.salience, ratifiers.linear),
        )

    def best(self, ratifiers: Ratifiers) -> tuple[FloatArray, BoolArray, FloatArray]:
        """The best signed point of every line (n, K), whether there is one (n,) and the
        proposer's expected value there (n,; -inf where none), rows in blocks of
        ``GRID_BLOCK`` to bound memory."""
        n = self.x0.shape[0]
        best_t, found, value = np.zeros(n), np.zeros(n, dtype=bool), np.full(n, -np.inf)
        for lo in range(0, n, GRID_BLOCK):
            part = slice(lo, lo + GRID_BLOCK)
            best_t[part], found[part], value[part] = self.take(part)._search(ratifiers.take(part))
        return self.at(best_t), found, value

    def _search(self, ratifiers: Ratifiers) -> tuple[FloatArray, BoolArray, FloatArray]:
        """Grids of points t (G, n), worlds last so that every operation runs along them."""
        n = self.x0.shape[0]
        grid = Grid.of(self, ratifiers)
        best = Best.none(n)
        low = self.low
        shares = np.linspace(0.0, 1.0, COARSE_POINTS)
        # The refining grid's middle point is the best point itself, whose value is known (and
        # cannot beat itself), so it is left out.
        fine = np.delete(np.linspace(-1.0, 1.0, REFINE_POINTS), REFINE_POINTS // 2)[:, None]
        if grid.compiled is not None:  # the same points, every grid in one compiled call
            grid.compiled.search(best, low, shares, fine[:, 0], REFINEMENTS)
            return best.t, best.found, best.value
        grid.search_pass(np.zeros((1, n)), best, start=True)
        coarse = low + (1.0 - low) * shares[:, None]
        step = (1.0 - low) / (COARSE_POINTS - 1)
        grid.search_pass(coarse, best)
        # Refined only around a signed point: where the coarse grid found none, there is none
        # to refine (a signed interval shorter than the grid's step may be missed, as anywhere).
        live = np.flatnonzero(best.found)
        kept = Best(best.t[live], best.found[live], best.value[live])
        part, low, step = grid.take(live), low[live], step[live]
        for _ in range(REFINEMENTS):
            t = np.clip(kept.t + step * fine, low, 1.0)
            step = step * 2.0 / (REFINE_POINTS - 1)
            part.search_pass(t, kept)
        best.t[live], best.value[live] = kept.t, kept.value
        return best.t, best.found, best.value

    def take(self, rows: slice) -> Segment:
        """The segments of some worlds."""
        return Segment(
            self.x0[rows],
            self.x1[rows],
            self.low[rows],
            self.position[rows],
            self.salience[rows],
            self.linear[rows],
            self.veto,
            self.proposer[rows],
            self.threshold[rows],
            self.fallback[rows],
        )

    def at(self, t: FloatArray) -> FloatArray:
        """The packages x_t, (n, K)."""
        result: FloatArray = np.clip(self.x0 + t[:, None] * (self.x1 - self.x0), 0.0, 1.0)
        return result


@dataclass(frozen=True)
class Grid:
    """What one search evaluates at every grid of points of its segments, computed once: the
    actors' and ratifiers' utilities along the lines (for quadratic utilities, the coefficients
    of both side by side, so a grid is one polynomial evaluation), the ratifiers' thresholds and
    who must sign.  Arrays put the worlds last, (M, G, n), so that numpy runs every operation
    along them; every value is the same arithmetic as evaluating the formulas afresh."""

    lines: tuple[Line, Line]
    coefficients: tuple[FloatArray, FloatArray, FloatArray] | None  # (A + R, 1, n) each
    actors: int  # A
    theta: FloatArray  # (R, 1, 1) shared or (R, 1, n) per world
    spread: FloatArray  # (R, 1, 1)
    fallback: FloatArray  # (A, 1, n)
    floor: FloatArray  # (A, 1, n) threshold less the feasibility tolerance
    needed: BoolArray | None  # (A, 1, n) who must sign; None: every actor
    proposer: IntArray  # (n,)
    compiled: CompiledGrid | None  # the compiled search (:mod:`sim.core.grid_kernel`)

    @classmethod
    def of(cls, segment: Segment, ratifiers: Ratifiers) -> Grid:
        """The grid evaluation of ``segment``'s lines for ``ratifiers``."""
        actors, bodies = lines = segment.lines(ratifiers)
        coefficients = None
        if actors.coefficients is not None and bodies.coefficients is not None:
            c0, c1, c2 = (
                _worlds_last(np.concatenate([c, np.broadcast_to(b, c.shape[:1] + b.shape[1:])], 1))
                for c, b in zip(actors.coefficients, bodies.coefficients, strict=True)
            )
            coefficients = (c0, c1, c2)
        n, n_actors = segment.threshold.shape
        theta = ratifiers.threshold
        needed = np.broadcast_to(segment.veto, (n, n_actors)).copy()
        needed[np.arange(n), segment.proposer] = True
        theta = theta[:, None, None] if theta.ndim == 1 else _worlds_last(theta)
        spread = ratifiers.spread[:, None, None]
        fallback = _worlds_last(segment.fallback)
        floor = _worlds_last(segment.threshold - FEASIBILITY_TOLERANCE)
        who = None if needed.all() else _worlds_last(needed)
        compiled = CompiledGrid.of(
            coefficients, n_actors, theta, spread, fallback, floor, who, segment.proposer
        )
        return cls(
            lines,
            coefficients,
            n_actors,
            theta,
            spread,
            fallback,
            floor,
            who,
            segment.proposer,
            compiled,
        )

    def take(self, rows: IntArray) -> Grid:
        """The grid of the given worlds only (its compiled form is not needed: the compiled
        search never asks for a part)."""
        coefficients = None
        if self.coefficients is not None:
            c0, c1, c2 = self.coefficients
            coefficients = (c0[:, :, rows], c1[:, :, rows], c2[:, :, rows])
        actors, bodies = self.lines
        return Grid(
            (actors.take(rows), bodies.take(rows)),
            coefficients,
            self.actors,
            self.theta if self.theta.shape[2] == 1 else self.theta[:, :, rows],
            self.spread,
            self.fallback[:, :, rows],
            self.floor[:, :, rows],
            None if self.needed is None else self.needed[:, :, rows],
            self.proposer[rows],
            None,
        )

    def search_pass(self, t: FloatArray, best: Best, start: bool = False) -> None:
        """Evaluate the points t (G, n) and keep each world's best signed point in ``best``
        (``start``: set it from the single point t)."""
        value, ok = self.evaluate(t)
        if start:
            best.value[:] = np.where(ok[0], value[0], -np.inf)
            best.found[:] = ok[0]
            return
        value[~ok] = -np.inf
        rows = np.arange(t.shape[1])
        pick = np.argmax(value, axis=0)
        top = value[pick, rows]
        better = top > best.value
        best.value[better] = top[better]
        best.t[better] = t[pick[better], rows[better]]
        best.found[:] |= ok.any(axis=0)

    def evaluate(self, t: FloatArray) -> tuple[FloatArray, BoolArray]:
        """The proposer's expected value at every t (G, n) and whether everybody needed signs:
        EV_i(x_t) >= threshold_i for every veto player and the proposer.  Both (G, n)."""
        if self.coefficients is None:
            utility = self.lines[0](t.T).transpose(2, 1, 0)
            approval = self.lines[1](t.T).transpose(2, 1, 0)
        else:
            c0, c1, c2 = self.coefficients
            both = t * c2  # c0 + t (c1 + t c2), each operation as Line computes it
            both += c1
            both *= t
            both += c0
            utility, approval = both[: self.actors], both[self.actors :]
        if np.any(self.spread <= 0):
            z = logistic(approval - self.theta, self.spread)
        else:  # logistic's smooth branch, in place: -(U - theta) is theta - U exactly
            z = self.theta - approval
            z /= self.spread
            elementary.exp(z, out=z)
            z += 1.0
            np.divide(1.0, z, out=z)
        p = z[0].copy()  # prod_r P_r, multiplied in order as np.prod does
        for factor in z[1:]:
            p *= factor
        ev = p * utility
        ev += (1.0 - p) * self.fallback
        short = ev < self.floor
        if self.needed is not None:
            short &= self.needed
        ok: BoolArray = ~short.any(axis=0)
        value: FloatArray = ev.reshape(-1).take(self._proposer_cells(t.shape[0]))
        return value, ok

    def _proposer_cells(self, points: int) -> IntArray:
        """Where each world's proposer's value at each of ``points`` points sits in a flat
        (A, points, n) array, (points, n)."""
        n = self.proposer.size
        cells: IntArray = (self.proposer * points * n + np.arange(n)) + n * np.arange(points)[
            :, None
        ]
        return cells


Values = TypeVar("Values", FloatArray, BoolArray)


def _worlds_last(values: Values) -> Values:
    """An (n, M) array as (M, 1, n), contiguous."""
    result: Values = np.ascontiguousarray(values.T)[:, None, :]
    return result


def lowest_t(x0: FloatArray, x1: FloatArray) -> FloatArray:
    """The most negative t in [-1, 0] with x0 + t (x1 - x0) still in [0, 1]^K, (n,)."""
    delta = x1 - x0
    safe = np.where(delta == 0, 1.0, delta)
    bound = np.where(delta > 0, -x0 / safe, (1.0 - x0) / safe)
    bound = np.where(delta == 0, -np.inf, bound)
    result: FloatArray = np.minimum(np.maximum(bound.max(axis=1), -1.0), 0.0)
    return result


@dataclass(frozen=True)
class Line:
    """Utilities (n, G, M) of the packages x0 + t delta (t (n, G), inside [0, 1]^K) for M actors
    (:mod:`sim.core.utility`'s formula).  Quadratic utilities are quadratic in t,
    U = c0 + c1 t + c2 t^2, with the coefficients (n, M) computed once, so a grid costs O(n G M);
    linear ones are summed issue by issue."""

    x0: FloatArray  # (n, K)
    delta: FloatArray  # (n, K)
    position: FloatArray  # (n, M, K) or (1, M, K)
    salience: FloatArray
    linear: BoolArray  # (n, M) or (1, M)
    coefficients: tuple[FloatArray, FloatArray, FloatArray] | None  # quadratic: c0, c1, c2

    @classmethod
    def of(
        cls,
        x0: FloatArray,
        delta: FloatArray,
        position: FloatArray,
        salience: FloatArray,
        linear: BoolArray,
    ) -> Line:
        """The line of M actors: position, salience (n, M, K) per world or (M, K) shared;
        linear (n, M) or (M,)."""
        if position.ndim == 2:
            position, salience, linear = position[None], salience[None], linear[None]
        if linear.any():
            return cls(x0, delta, position, salience, linear, None)
        gap = x0[:, None, :] - position  # (n, M, K)
        weight = np.broadcast_to(salience, gap.shape)
        c0 = 1.0 - np.einsum("nmk,nmk->nm", weight, gap * gap)
        c1 = -2.0 * np.einsum("nmk,nmk->nm", weight, gap * delta[:, None, :])
        c2 = -np.einsum("nmk,nk->nm", weight, delta * delta)
        return cls(x0, delta, position, salience, linear, (c0, c1, c2))

    def take(self, rows: IntArray) -> Line:
        """The lines of the given worlds only (arrays shared by every world kept whole)."""

        def part(values: Values) -> Values:
            return values if values.shape[0] == 1 else values[rows]

        coefficients = None
        if self.coefficients is not None:
            c0, c1, c2 = self.coefficients
            coefficients = (c0[rows], c1[rows], c2[rows])
        return Line(
            self.x0[rows],
            self.delta[rows],
            part(self.position),
            part(self.salience),
            part(self.linear),
            coefficients,
        )

    def __call__(self, t: FloatArray) -> FloatArray:
        """The utilities at t (n, G): (n, G, M)."""
        if self.coefficients is not None:
            c0, c1, c2 = (c[:, None, :] for c in self.coefficients)
            tt = t[:, :, None]
            result: FloatArray = c0 + tt * (c1 + tt * c2)
            return result
        lin = self.linear[:, None, :]
        position, salience = self.position, self.salience
        loss = np.zeros((t.shape[0], t.shape[1], position.shape[1]))
        for k in range(self.x0.shape[1]):
            x = self.x0[:, None, k] + t * self.delta[:, None, k]  # (n, G)
            distance = x[:, :, None] - position[:, None, :, k]
            loss += salience[:, None, :, k] * np.where(lin, np.abs(distance), distance * distance)
        result = 1.0 - loss
        return result
