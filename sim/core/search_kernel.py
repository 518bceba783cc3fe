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


def golden_move(
    bounds: FloatArray, values: FloatArray, inverse: float, keep: Any, probe: FloatArray
) -> None:
    """One golden-section step (:func:`sim.core.alpha_search.golden_steps`) of every world:
    ``bounds`` (4, r) holds low, high, left and right, ``values`` (2, r) F at left and right;
    moves the bracket towards the better probe (``keep``: the left one, ties included) and
    writes the next alpha to try into ``probe``."""
    for i in range(probe.shape[0]):
        low, high, left, right = bounds[0, i], bounds[1, i], bounds[2, i], bounds[3, i]
        kept = values[0, i] >= values[1, i]
        keep[i] = kept
        if kept:
            high = right
            left, right = high - inverse * (high - low), left
            probe[i] = left
        else:
            low = left
            left, right = right, low + inverse * (high - low)
            probe[i] = right
        bounds[0, i], bounds[1, i], bounds[2, i], bounds[3, i] = low, high, left, right


def golden_settle(values: FloatArray, keep: Any, found: FloatArray) -> None:
    """F at the new left and right probes after :func:`golden_move`, ``found`` F at its probe."""
    for i in range(found.shape[0]):
        if keep[i]:
            values[0, i], values[1, i] = found[i], values[0, i]
        else:
            values[0, i], values[1, i] = values[1, i], found[i]


def keep_better(best: tuple[Any, ...], trial: tuple[Any, ...]) -> None:
    """Where the trial's F is at least the best's, the trial's row into the best's (in place;
    each a :class:`sim.core.alpha_search.Trial`'s alpha, F, P, feasibility, package and
    signal), as :func:`sim.core.alpha_search._keep_better`."""
    alpha, value, probability, feasible, package, signal = best
    alpha_t, value_t, probability_t, feasible_t, package_t, signal_t = trial
    for i in range(value.shape[0]):
        if value_t[i] >= value[i]:
            alpha[i], value[i], probability[i] = alpha_t[i], value_t[i], probability_t[i]
            feasible[i], signal[i] = feasible_t[i], signal_t[i]
            for k in range(package.shape[1]):
                package[i, k] = package_t[i, k]


@cache
def compiled_search() -> tuple[Callable[..., Any], ...]:
    """The loops compiled (numba imported, compiled or loaded from the cache, on first use),
    with numpy's error model (:mod:`sim.core.kernel_jit`): the secant's only divisor is
    ``g1 - g0`` where the two differ, else 1."""
    from sim.core.kernel_jit import vector_jit

    loops = (propose, settle, golden_move, golden_settle, keep_better)
    compiled: tuple[Any, ...] = tuple(vector_jit(loop) for loop in loops)
    return compiled
