"""The first-order root's bracket steps (:func:`sim.core.alpha_search.root_steps`), compiled.

Each step of the safeguarded secant (Dekker 1969; Brent 1973, ch. 4) proposes every active
world's next alpha and, given the signal there, moves the bracket: some thirty numpy calls over
the active worlds a step in the reference, two compiled loops here (numba, ``njit(cache=True)``)
doing the same IEEE operations in the same order, so every alpha is the reference's bit for
bit.  Hand-written, measured faster (docs/model.md, "The proposer under uncertainty", *Cost*).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sim.arrays import FloatArray


def propose(
    bracket: FloatArray, active: Any, count: int, tolerance: float, x: FloatArray, span: Any
) -> None:
    """The next alpha ``x`` of the first ``count`` ``active`` worlds and their bracket's width
    ``span``; ``bracket`` (7, r) holds a, b, x0, f0, x1, f1 and the width two steps ago."""
    for k in range(count):
        w = active[k]
        la, lb = bracket[0, w], bracket[1, w]
        width = lb - la
        p0, q0, p1, q1 = bracket[2, w], bracket[3, w], bracket[4, w], bracket[5, w]
        usable = abs(q0) < float("inf") and abs(q1) < float("inf")
        g0 = q0 if usable else 0.0
        g1 = q1 if usable else 1.0
        usable = usable and g1 != g0
        secant = p1 - g1 * (p1 - p0) / (g1 - g0 if usable else 1.0)
        inside = usable and secant > la and secant < lb and width <= 0.5 * bracket[6, w]
        value = secant if inside else la + 0.5 * width
        low, high = la + 0.01 * tolerance, lb - 0.01 * tolerance
        if value == value:  # np.clip: NaN stays, the second of equals
            value = low if value < low else value
            value = value if value < high else high
        x[k], span[k] = value, width


def settle(
    bracket: FloatArray,
    spans: FloatArray,
    active: Any,
    count: int,
    tolerance: float,
    x: FloatArray,
    f: FloatArray,
    span: FloatArray,
    converged: Any,
) -> int:
    """Move the first ``count`` ``active`` worlds' brackets to the signal ``f`` at ``x`` (the
    last widths ``spans`` (r,) and two steps ago in ``bracket``), mark the converged and pack
    the worlds still searching to the front of ``active``; returns how many."""
    kept = 0
    for k in range(count):
        w = active[k]
        if f[k] > 0.0:
            bracket[0, w] = x[k]
        else:
            bracket[1, w] = x[k]
        bracket[2, w], bracket[3, w] = bracket[4, w], bracket[5, w]
        bracket[4, w], bracket[5, w] = x[k], f[k]
        bracket[6, w] = spans[w]
        spans[w] = span[k]
        lost = f[k] != f[k]
        if bracket[1, w] - bracket[0, w] <= tolerance or f[k] == 0.0 or lost:
            converged[w] = not lost
            continue
        active[kept] = w
        kept += 1
    return kept


@cache
def compiled_search() -> tuple[Callable[..., None], Callable[..., int]]:
    """The two loops compiled (numba imported, compiled or loaded from the cache, on first use)."""
    from sim.core.newton_kernel import jit

    compiled: tuple[Any, Any] = (jit(propose), jit(settle))
    return compiled
