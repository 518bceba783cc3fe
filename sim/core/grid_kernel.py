"""The ratification line search, compiled: all its grid passes in one call, with the reference's bits.

The anticipating proposer's search (:mod:`sim.core.line_search`) evaluates, at grids of points t
on each world's line, every actor's and ratifier's utility, the ratifiers' logistic approvals,
everybody's expected value and who signs, and keeps each world's best signed point: a first point,
a coarse grid, then twenty refining grids around the best.  The numpy reference spends some twenty
passes over (actors + ratifiers, G, n) arrays on each grid and a Python round trip between
grids; here one compiled call (numba, ``njit(cache=True)``) runs every grid, the worlds innermost
so that each step vectorises, with the same IEEE operations in the same order (numba compiles
without fast-math, so nothing is reordered or fused) and :mod:`sim.elementary`'s ``exp`` inlined,
the reference's own.  Each grid's best point is picked as ``numpy.argmax`` picks it (the first
NaN, else the first maximum).  ``PARLEY_ENGINE=numpy`` runs the reference instead
(:meth:`sim.core.line_search.Grid.evaluate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.kernel_jit import vector_jit, vector_jitable
from sim.core.newton_kernel import engine

Kernel = Callable[..., None]
Lines = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, int]
"""c0, c1, c2 (A + R, n), the ratifiers' thresholds (R, n) and spreads (R,), and A."""
Signers = tuple[FloatArray, FloatArray, BoolArray, IntArray]
"""Fallbacks, floors, who must sign (A, n) and the proposers (n,)."""
Found = tuple[FloatArray, BoolArray, FloatArray]
"""Each world's best t, whether any point was signed and the value there (n,)."""
Scratch = tuple[FloatArray, FloatArray, BoolArray, IntArray, FloatArray, BoolArray]
"""A sweep's work arrays (n,)."""


@dataclass(frozen=True)
class Best:
    """Each world's best signed point of a search so far, updated in place by every pass: its
    t (n,), whether any point was signed (n,), the proposer's value there (n,; -inf where none)."""

    t: FloatArray
    found: BoolArray
    value: FloatArray

    @classmethod
    def none(cls, n: int) -> Best:
        """No point yet in n worlds."""
        return cls(np.zeros(n), np.zeros(n, dtype=bool), np.full(n, -np.inf))


@dataclass(frozen=True)
class CompiledGrid:
    """A search's fixed arrays, contiguous, (M, n) with the worlds last: the line coefficients of
    the A actors then the R ratifiers, the ratifiers' thresholds (R, n) and spreads (R,), the
    actors' fallbacks, floors and who must sign (A, n), and the proposers (n,)."""

    c0: FloatArray
    c1: FloatArray
    c2: FloatArray
    actors: int
    theta: FloatArray
    spread: FloatArray
    fallback: FloatArray
    floor: FloatArray
    needed: BoolArray
    proposer: IntArray

    @classmethod
    def of(
        cls,
        coefficients: tuple[FloatArray, FloatArray, FloatArray] | None,
        actors: int,
        theta: FloatArray,
        spread: FloatArray,
        fallback: FloatArray,
        floor: FloatArray,
        needed: BoolArray | None,
        proposer: IntArray,
    ) -> CompiledGrid | None:
        """The compiled passes of a grid whose arrays are (M, 1, n) (theta and spread (R, 1, 1)
        shared or (R, 1, n)); None where the reference must run: ``PARLEY_ENGINE=numpy``, a
        linear utility, a sharp (zero-spread) ratifier, no ratifier, or a proposer that is no actor."""
        if coefficients is None or engine() != "kernel":
            return None
        ratifiers = coefficients[0].shape[0] - actors
        if ratifiers < 1 or np.any(spread <= 0) or np.any((proposer < 0) | (proposer >= actors)):
            return None
        n = proposer.size

        def rows(values: Any, dtype: type) -> Any:
            """An (M, 1, n) or (M, 1, 1) array as a contiguous (M, n) one."""
            return np.ascontiguousarray(
                np.broadcast_to(values[:, 0, :], (values.shape[0], n)), dtype=dtype
            )

        c0, c1, c2 = (rows(c, np.float64) for c in coefficients)
        return cls(
            c0=c0,
            c1=c1,
            c2=c2,
            actors=actors,
            theta=rows(theta, np.float64),
            spread=np.ascontiguousarray(spread.reshape(-1), dtype=np.float64),
            fallback=rows(fallback, np.float64),
            floor=rows(floor, np.float64),
            needed=np.ones((actors, n), dtype=bool) if needed is None else rows(needed, np.bool_),
            proposer=np.ascontiguousarray(proposer, dtype=np.int64),
        )

    def search(
        self, best: Best, low: FloatArray, coarse: FloatArray, fine: FloatArray, refinements: int
    ) -> None:
        """The whole search into ``best`` (:func:`search`): from t = 0, the grid ``coarse``
        (shares of [low, 1]), then ``refinements`` grids of ``fine`` steps."""
        lines = (self.c0, self.c1, self.c2, self.theta, self.spread, self.actors)
        signers = (self.fallback, self.floor, self.needed, self.proposer)
        compiled_search()(
            np.ascontiguousarray(low, dtype=np.float64),
            np.ascontiguousarray(coarse, dtype=np.float64),
            np.ascontiguousarray(fine, dtype=np.float64),
            refinements,
            lines,
            signers,
            (best.t, best.found, best.value),
        )


def sweep(
    t: FloatArray,
    points: int,
    lines: Lines,
    signers: Signers,
    best: Found,
    start: bool,
    scratch: Scratch,
) -> None:
    """One grid: the first ``points`` rows of t (G, n); each world's best signed point of it,
    compared with the best so far (the reference's argmax, ``>`` and ``|=``), in place.

    ``lines``: the line coefficients c0, c1, c2 (A + R, n) of the actors then the ratifiers,
    the ratifiers' thresholds (R, n) and spreads (R,), and A; ``signers``: fallbacks, floors,
    who must sign (A, n) and the proposers (n,); ``best``: t, found, value (n,)."""
    c0, c1, c2, theta, spread, actors = lines
    fallback, floor, needed, proposer = signers
    best_t, found, best_value = best
    p, value, ok, pick, top, any_ok = scratch
    ratifiers, n = theta.shape
    pick[:] = 0
    any_ok[:] = False
    # Worlds innermost, one simple loop per step, so that the compiler vectorises each.
    for g in range(points):
        for r in range(ratifiers):
            m, s = actors + r, spread[r]
            for i in range(n):
                tt = t[g, i]
                z = (theta[r, i] - ((tt * c2[m, i] + c1[m, i]) * tt + c0[m, i])) / s
                factor = 1.0 / (_exp(z) + 1.0)
                p[i] = factor if r == 0 else p[i] * factor
        ok[:] = True
        for a in range(actors):
            for i in range(n):
                tt = t[g, i]
                utility = (tt * c2[a, i] + c1[a, i]) * tt + c0[a, i]
                ev = p[i] * utility + (1.0 - p[i]) * fallback[a, i]
                ok[i] &= not (needed[a, i] and ev < floor[a, i])
                value[i] = ev if proposer[i] == a else value[i]
        for i in range(n):
            v = value[i] if ok[i] else -np.inf
            any_ok[i] |= ok[i]
            if g == 0:
                top[i] = v
            elif not np.isnan(top[i]) and not v <= top[i]:  # argmax: first NaN, else max
                pick[i], top[i] = g, v
    for i in range(n):
        if start:
            best_value[i] = top[i]
            found[i] = any_ok[i]
        else:
            if top[i] > best_value[i]:
                best_value[i] = top[i]
                best_t[i] = t[pick[i], i]
            found[i] = found[i] or any_ok[i]


def search(
    low: FloatArray,
    coarse: FloatArray,
    fine: FloatArray,
    refinements: int,
    lines: Lines,
    signers: Signers,
    best: Found,
) -> None:
    """The whole search of every world, as :meth:`sim.core.line_search.Segment._search` runs
    it: t = 0, then t = low + (1 - low) coarse_g, then ``refinements`` grids t = clip(best t +
    step fine_g, low, 1) (numpy's clip: max with low, then min with 1, a NaN point kept), the
    step (1 - low) / (coarse points - 1) shrinking to step 2 / (fine points) after each, in the
    worlds where the first two found a signed point."""
    n = low.size
    rows = max(coarse.size, fine.size, 1)
    t = np.zeros((rows, n))
    scratch = _scratch(n)
    sweep(t, 1, lines, signers, best, True, scratch)
    step = np.empty(n)
    for i in range(n):
        width = 1.0 - low[i]
        for g in range(coarse.size):
            t[g, i] = low[i] + width * coarse[g]
        step[i] = width / (coarse.size - 1)
    sweep(t, coarse.size, lines, signers, best, False, scratch)
    # Refined only around a signed point (the reference's ``Segment._search``): the worlds
    # that have one, gathered so that every step still runs along contiguous rows.
    live = np.flatnonzero(best[1])
    if live.size == n:
        _refine(t, low, step, fine, refinements, lines, signers, best, scratch)
        return
    part_lines, part_signers, part = _gather(live, lines, signers, best)
    r = live.size
    part_scratch = _scratch(r)
    t_part = np.zeros((t.shape[0], r))
    steps = (low[live], step[live], fine)
    _refine(t_part, *steps, refinements, part_lines, part_signers, part, part_scratch)
    for j in range(r):
        best[0][live[j]], best[2][live[j]] = part[0][j], part[2][j]


def _scratch(n: int) -> Scratch:
    """A sweep's work arrays for n worlds."""
    return (
        np.empty(n),
        np.zeros(n),
        np.empty(n, dtype=np.bool_),
        np.zeros(n, dtype=np.int64),
        np.zeros(n),
        np.zeros(n, dtype=np.bool_),
    )


def _refine(
    t: FloatArray,
    low: FloatArray,
    step: FloatArray,
    fine: FloatArray,
    refinements: int,
    lines: Lines,
    signers: Signers,
    best: Found,
    scratch: Scratch,
) -> None:
    """The ``refinements`` grids of ``fine`` steps around each world's best point (in place;
    ``step`` too)."""
    n, best_t = low.size, best[0]
    for _ in range(refinements):
        for g in range(fine.size):
            for i in range(n):
                x = best_t[i] + step[i] * fine[g]
                x = x if np.isnan(x) or x > low[i] else low[i]
                t[g, i] = x if np.isnan(x) or x < 1.0 else 1.0
        sweep(t, fine.size, lines, signers, best, False, scratch)
        for i in range(n):
            step[i] = step[i] * 2.0 / fine.size


def _gather(
    live: IntArray,
    lines: Lines,
    signers: Signers,
    best: Found,
) -> tuple[
    Lines,
    Signers,
    Found,
]:
    """The columns ``live`` of a search's (M, n) arrays, contiguous, and of its best so far."""
    c0, c1, c2, theta, spread, actors = lines
    fallback, floor, needed, proposer = signers
    return (
        (
            _columns(c0, live),
            _columns(c1, live),
            _columns(c2, live),
            _columns(theta, live),
            spread,
            actors,
        ),
        (_columns(fallback, live), _columns(floor, live), _columns(needed, live), proposer[live]),
        (best[0][live], best[1][live], best[2][live]),
    )


def _columns(values: Any, live: IntArray) -> Any:
    """values[:, live] (M, r), C-contiguous, by loops."""
    result = np.empty((values.shape[0], live.size), dtype=values.dtype)
    for m in range(values.shape[0]):
        for j in range(live.size):
            result[m, j] = values[m, live[j]]
    return result


_exp: Any = None
""":func:`sim.elementary_kernel.exp` (set by :func:`compiled_search`: importing it imports numba)."""


@cache
def compiled_search() -> Kernel:
    """``search`` compiled (numba imported, the kernel compiled or loaded from the cache, on
    first use only)."""
    from sim import elementary_kernel

    global _exp
    elementary_kernel.refresh_caches()
    _exp = elementary_kernel.exp
    vector_jitable(sweep)
    vector_jitable(_scratch)
    vector_jitable(_refine)
    vector_jitable(_gather)
    vector_jitable(_columns)
    compiled: Kernel = vector_jit(search)
    return compiled
