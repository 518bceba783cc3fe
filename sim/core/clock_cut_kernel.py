"""The cost clock's cut (:func:`sim.core.cost_clock.newton_from_right`) of many types, compiled.

Where a concession player's clock is its own private war cost, the war cost of the toughest type
that accepts an offer solves ln(1 - base + c) + e ln(rate c) = ln(gap) (:mod:`sim.core.cost_clock`),
found by Newton's method from the right.  The numpy reference runs each step over the elements
still moving, a dozen numpy calls a step; here one compiled loop (numba, ``njit(cache=True)``) runs
every step, with :mod:`sim.elementary`'s exp and log inlined, the reference's own, so every cut is
the reference's bit for bit.  Hand-written, measured faster (``benchmarks/bench_private.py``: the
cuts of a 4,000-world private-values batch, 0.146 s of Python round trips in 0.5.0's first
version against this loop's share of ``cut_rows``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from sim.arrays import FloatArray
from sim.core.cost_clock import NEWTON_ITERATIONS, NEWTON_TOLERANCE

_EXP: Any = None
_LOG: Any = None
""":mod:`sim.elementary_kernel`'s exp and log (set by :func:`compiled_clock_cuts`: importing them
imports numba)."""


def clock_cuts(given: FloatArray, result: FloatArray) -> None:
    """:func:`sim.core.cost_clock.newton_from_right` of the columns of ``given`` (5, n: start,
    base, rate, exponent, gap) into ``result``, the same steps and bits: Newton's method in
    x = ln c, every element stopping on its own convergence, the moving ones packed to the
    front.  :mod:`sim.elementary`'s exp and log, the reference's own, are inlined one to a loop,
    so that each loop vectorises (compiled eagerly by :func:`compiled_offer`)."""
    n = given.shape[1]
    x, current, rest = np.empty(n), np.empty(n), np.empty(n)
    exponent, target, step = np.empty(n), np.empty(n), np.empty(n)
    power, shifted, logged = np.empty(n), np.empty(n), np.empty(n)
    index = np.arange(n)
    for i in range(n):
        x[i] = _LOG(given[0, i])
    for i in range(n):
        target[i] = _LOG(given[4, i])
    for i in range(n):
        logged[i] = _LOG(given[2, i])
    for i in range(n):
        current[i] = x[i]
        rest[i] = 1.0 - given[1, i]
        exponent[i] = given[3, i]
        target[i] = target[i] - given[3, i] * logged[i]
    active = n
    for _ in range(NEWTON_ITERATIONS):
        if active == 0:
            continue
        for k in range(active):
            power[k] = _EXP(current[k])
        for k in range(active):
            shifted[k] = rest[k] + power[k]
        for k in range(active):
            logged[k] = _LOG(shifted[k])
        for k in range(active):
            f = logged[k] + exponent[k] * current[k] - target[k]
            step[k] = f / (power[k] / shifted[k] + exponent[k])
            current[k] = current[k] - step[k]
        kept = 0
        for k in range(active):
            if abs(step[k]) > NEWTON_TOLERANCE:
                current[kept], rest[kept] = current[k], rest[k]
                exponent[kept], target[kept] = exponent[k], target[k]
                index[kept] = index[k]
                kept += 1
            else:
                x[index[k]] = current[k]
        active = kept
    for k in range(active):
        x[index[k]] = current[k]
    for i in range(n):
        result[i] = _EXP(x[i])


@cache
def compiled_clock_cuts() -> Callable[..., Any]:
    """:func:`clock_cuts` compiled (or loaded from numba's cache) on first use, for its one
    signature."""
    import numba

    from sim import elementary_kernel

    global _EXP, _LOG
    elementary_kernel.refresh_caches()
    _EXP, _LOG = elementary_kernel.exp, elementary_kernel.log
    compiled: Callable[..., Any] = numba.njit(
        "void(float64[:, ::1], float64[::1])", cache=True, nogil=True, error_model="numpy"
    )(clock_cuts)
    return compiled
