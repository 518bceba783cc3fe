"""The ratification line search's grid passes, compiled, with the reference's bits.

One pass of the anticipating proposer's search (:mod:`sim.core.line_search`) evaluates every
actor's and ratifier's utility at a grid of points t (G, n) on each world's line, the ratifiers'
logistic approvals, everybody's expected value and who signs, and keeps each world's best signed
point so far.  numpy spends some twenty passes over (actors + ratifiers, G, n) arrays on it; here
two compiled loops (numba, ``njit(cache=True)``) do the same IEEE operations in the same order
(numba compiles without fast-math, so nothing is reordered or fused), around numpy's own ``exp``
on the same contiguous (R, G, n) array as the reference: numba's ``exp`` differs from numpy's in
the last bit, numpy's keeps every result the same bit for bit.

``exponents`` writes the logistic's exponents (theta_r - U_r) / s_r of the ratifiers' utilities
along the lines, U = c0 + t (c1 + t c2) (quadratic utilities and positive spreads only);
``settle`` turns exp of those into approvals, P = prod_r 1 / (1 + e_r) multiplied in order,
evaluates the actors' utilities along the lines where it needs them (no (A, G, n) array), the
expected values EV_i = P U_i + (1 - P) w_i, whether every needed signer reaches its floor, the
proposer's value, and the best point as ``numpy.argmax`` picks it (the first NaN, else the
first maximum).
``PARLEY_ENGINE=numpy`` runs the reference instead (:meth:`sim.core.line_search.Grid.evaluate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from sim import elementary
from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.kernel_jit import vector_jit, vector_jitable
from sim.core.newton_kernel import engine

Kernel = Callable[..., None]


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

    def search_pass(self, t: FloatArray, best: Best, start: bool) -> None:
        """One pass at the points t (G, n), updating ``best`` (``start``: set from the single
        point t, as the search's first)."""
        exponents = compiled_passes()[0]
        points, n = t.shape
        t = np.ascontiguousarray(t, dtype=np.float64)
        z = np.empty((self.theta.shape[0], points, n))
        exponents(t, self.c0, self.c1, self.c2, self.theta, self.spread, self.actors, z)
        self._settle(t, z, best, start)

    def refine(self, best: Best, low: FloatArray, step: FloatArray, fine: FloatArray) -> None:
        """One refining pass: the points t = clip(best t + step fine, low, 1) (G = fine's size,
        as :meth:`sim.core.line_search.Segment._search` puts them) and their exponents in one
        compiled call, then as :meth:`search_pass`; ``step`` then shrinks in place to step 2 /
        (G) (hand-written: the points' five numpy calls a pass folded in, measured faster)."""
        refine_exponents = compiled_passes()[2]
        n = best.t.size
        t = np.empty((fine.size, n))
        z = np.empty((self.theta.shape[0], fine.size, n))
        lines = (self.c0, self.c1, self.c2, self.theta, self.spread, self.actors)
        refine_exponents(best.t, low, step, fine, t, lines, z)
        self._settle(t, z, best, False)

    def _settle(self, t: FloatArray, z: FloatArray, best: Best, start: bool) -> None:
        """``exp`` of the exponents z in place (:mod:`sim.elementary`, as the reference's),
        then the compiled ``settle``."""
        settle = compiled_passes()[1]
        elementary.exp(z, out=z)
        settle(
            z,
            self.c0,
            self.c1,
            self.c2,
            self.fallback,
            self.floor,
            self.needed,
            self.proposer,
            t,
            best.t,
            best.found,
            best.value,
            start,
        )


def exponents(
    t: FloatArray,
    c0: FloatArray,
    c1: FloatArray,
    c2: FloatArray,
    theta: FloatArray,
    spread: FloatArray,
    actors: int,
    z: FloatArray,
) -> None:
    """The ratifiers' exponents (R, G, n) at t (G, n) into ``z``: their utilities c0 + t (c1 +
    t c2) as ((t c2) + c1) t + c0 (rows ``actors`` on of the coefficients), then (theta - U) / s."""
    points, n = t.shape
    for r in range(z.shape[0]):
        m = actors + r
        s = spread[r]
        for g in range(points):
            for i in range(n):
                tt = t[g, i]
                z[r, g, i] = (theta[r, i] - ((tt * c2[m, i] + c1[m, i]) * tt + c0[m, i])) / s


def settle(
    z: FloatArray,
    c0: FloatArray,
    c1: FloatArray,
    c2: FloatArray,
    fallback: FloatArray,
    floor: FloatArray,
    needed: BoolArray,
    proposer: IntArray,
    t: FloatArray,
    best_t: FloatArray,
    found: BoolArray,
    best_value: FloatArray,
    start: bool,
) -> None:
    """From z = exp of the exponents (R, G, n) and the actors' line coefficients (A, n): each
    world's best signed point of the pass, compared with the best so far (the reference's
    argmax, ``>`` and ``|=``), in place."""
    ratifiers, points, n = z.shape
    actors = fallback.shape[0]
    pick = np.zeros(n, dtype=np.int64)
    top = np.zeros(n)
    any_ok = np.zeros(n, dtype=np.bool_)
    p = np.empty(n)
    value = np.empty(n)
    ok = np.empty(n, dtype=np.bool_)
    # Worlds innermost, one simple loop per step, so that the compiler vectorises each.
    for g in range(points):
        for i in range(n):
            p[i] = 1.0 / (z[0, g, i] + 1.0)
        for r in range(1, ratifiers):
            for i in range(n):
                p[i] *= 1.0 / (z[r, g, i] + 1.0)
        ok[:] = True
        for a in range(actors):
            for i in range(n):
                tt = t[g, i]
                utility = (tt * c2[a, i] + c1[a, i]) * tt + c0[a, i]  # as exponents computes U
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


def refine_exponents(
    best_t: FloatArray,
    low: FloatArray,
    step: FloatArray,
    fine: FloatArray,
    t: FloatArray,
    lines: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, int],
    z: FloatArray,
) -> None:
    """A refining grid's points t (G, n) = clip(best_t + step fine_g, low, 1), numpy's clip's
    order and NaNs (max with low, then min with 1, a NaN point kept), their exponents into z
    (:func:`exponents`, ``lines`` its c0, c1, c2, theta, spread, actors), then step = step 2 /
    G in place, as numpy computes it."""
    c0, c1, c2, theta, spread, actors = lines
    points, n = t.shape
    for g in range(points):
        for i in range(n):
            x = best_t[i] + step[i] * fine[g]
            x = x if np.isnan(x) or x > low[i] else low[i]
            t[g, i] = x if np.isnan(x) or x < 1.0 else 1.0
    exponents(t, c0, c1, c2, theta, spread, actors, z)
    for i in range(n):
        step[i] = step[i] * 2.0 / points


@cache
def compiled_passes() -> tuple[Kernel, Kernel, Kernel]:
    """``exponents``, ``settle`` and ``refine_exponents`` compiled (numba imported, the kernels
    compiled or loaded from the cache, on first use only)."""
    _register_helpers()
    return vector_jit(exponents), vector_jit(settle), vector_jit(refine_exponents)


@cache
def _register_helpers() -> None:
    """Make ``exponents`` callable from ``refine_exponents`` (once)."""
    vector_jitable(exponents)
