"""The searches' steps (:mod:`sim.core.alpha_search`), compiled.

Each step of the safeguarded secant (Dekker 1969; Brent 1973, ch. 4) and of Brent's (1973,
ch. 5) minimisation proposes every active world's next alpha and, given the signal or F there,
moves its state: some thirty to sixty numpy calls over the active worlds a step in the
references, two compiled loops here (numba, ``njit(cache=True)``) doing the same IEEE
operations in the same order, so every alpha is the reference's bit for bit.  Hand-written, measured faster (docs/model.md, "The proposer under uncertainty", *Cost*).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sim.arrays import FloatArray


def propose(
    bracket: FloatArray, active: Any, count: int, tolerance: float, closing: float, x: FloatArray
) -> None:
    """The next alpha ``x`` of the first ``count`` ``active`` worlds; ``bracket`` (7, r) holds
    a, b, x0, f0, x1, f1 and the length of the step before the last."""
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
        within = usable and secant > la and secant < lb
        inside = within and abs(secant - p1) <= 0.5 * bracket[6, w]
        value = secant if inside else la + 0.5 * width
        if within and abs(secant - p1) < 0.5 * tolerance:
            value = secant + (closing if q1 > 0.0 else -closing)
        low, high = la + 0.01 * tolerance, lb - 0.01 * tolerance
        if value == value:  # np.clip: NaN stays, the second of equals
            value = low if value < low else value
            value = value if value < high else high
        x[k] = value


def settle(
    bracket: FloatArray,
    steps: FloatArray,
    active: Any,
    count: int,
    tolerance: float,
    x: FloatArray,
    f: FloatArray,
    converged: Any,
) -> int:
    """Move the first ``count`` ``active`` worlds' brackets to the signal ``f`` at ``x`` (the
    last steps' lengths ``steps`` (r,), the one before in ``bracket``), mark the converged and
    pack the worlds still searching to the front of ``active``; returns how many."""
    kept = 0
    for k in range(count):
        w = active[k]
        if f[k] > 0.0:
            bracket[0, w] = x[k]
        else:
            bracket[1, w] = x[k]
        bracket[6, w] = steps[w]
        steps[w] = abs(x[k] - bracket[4, w])
        bracket[2, w], bracket[3, w] = bracket[4, w], bracket[5, w]
        bracket[4, w], bracket[5, w] = x[k], f[k]
        lost = f[k] != f[k]
        if bracket[1, w] - bracket[0, w] <= tolerance or f[k] == 0.0 or lost:
            converged[w] = not lost
            continue
        active[kept] = w
        kept += 1
    return kept


def brent_propose(
    state: FloatArray, active: Any, count: int, constants: FloatArray, probe: FloatArray
) -> int:
    """The next probe of every searching world of Brent's minimisation
    (:func:`sim.core.alpha_search.brent_steps`): ``state`` (10, r) holds a, b, x, w, v, -F at
    x, w and v, d and e; ``constants`` the tolerance's absolute third, its relative part, the
    golden share, the descent and whether the relative part is of the distance to the nearer
    end of [0, 1] (else of |alpha|).  Drops the converged worlds from the first ``count`` of
    ``active``, writes the others' probes into ``probe`` (stores their d and e) and returns how
    many."""
    third, relative, share, descent = constants[0], constants[1], constants[2], constants[3]
    ends = constants[4] != 0.0
    kept = 0
    for k in range(count):
        i = active[k]
        a, b, x = state[0, i], state[1, i], state[2, i]
        w, v, fx, fw, fv = state[3, i], state[4, i], state[5, i], state[6, i], state[7, i]
        middle = 0.5 * (a + b)
        scale = min(abs(x), abs(1.0 - x)) if ends else abs(x)
        tol1 = relative * scale + third
        tol2 = 2.0 * tol1
        if not (abs(x - middle) > tol2 - 0.5 * (b - a) and b - a > 2.0 * tol2):
            continue
        r = (x - w) * (fx - fv)
        q = (x - v) * (fx - fw)
        p = (x - v) * q - (x - w) * r
        q = 2.0 * (q - r)
        if q > 0.0:
            p = -p
        q = abs(q)
        e = state[9, i]
        finite = abs(fx) < float("inf") and abs(fw) < float("inf") and abs(fv) < float("inf")
        parabolic = (
            finite and abs(e) > tol1 and abs(p) < abs(0.5 * q * e) and p > q * (a - x)
        ) and p < q * (b - x)
        if parabolic:
            step = p / q
            if x + step - a < tol2 or b - (x + step) < tol2:
                step = tol1 if middle - x >= 0.0 else -tol1
            state[9, i] = state[8, i]
        else:
            lost = fx == float("inf")
            section = a - x if lost or x >= middle else b - x
            step = (descent if lost else share) * section
            state[9, i] = section
        state[8, i] = step
        if abs(step) < tol1:
            step = tol1 if step >= 0.0 else -tol1
        active[kept] = i
        probe[kept] = x + step
        kept += 1
    return kept


def brent_settle(state: FloatArray, active: Any, count: int, u: FloatArray, f: FloatArray) -> None:
    """Move the first ``count`` ``active`` worlds' Brent state to F = ``f`` at their probes
    ``u``: the better of x and u (the smaller alpha in a tie) becomes x, the bracket keeps it
    inside, and w and v follow Brent's rules."""
    for k in range(count):
        i = active[k]
        x = state[2, i]
        w, v, fx, fw, fv = state[3, i], state[4, i], state[5, i], state[6, i], state[7, i]
        fu = -f[k]
        better = fu < fx or (fu == fx and u[k] < x)
        if better == (u[k] >= x):
            state[0, i] = x if better else u[k]
        else:
            state[1, i] = x if better else u[k]
        if better:
            state[4, i], state[7, i] = w, fw
            state[3, i], state[6, i] = x, fx
            state[2, i], state[5, i] = u[k], fu
        elif fu <= fw or w == x:
            state[4, i], state[7, i] = w, fw
            state[3, i], state[6, i] = u[k], fu
        elif fu <= fv or v == x or v == w:  # noqa: SIM109 (compiled: no tuple search)
            state[4, i], state[7, i] = u[k], fu


def keep_better(best: tuple[Any, ...], at: Any, trial: tuple[Any, ...]) -> None:
    """Where the trial's F is at least the best's in its world ``at``, the trial's row into the
    best's (in place; each a :class:`sim.core.alpha_search.Trial`'s alpha, F, P, feasibility,
    package and signal)."""
    alpha, value, probability, feasible, package, signal = best
    alpha_t, value_t, probability_t, feasible_t, package_t, signal_t = trial
    for j in range(value_t.shape[0]):
        i = at[j]
        if value_t[j] >= value[i]:
            alpha[i], value[i], probability[i] = alpha_t[j], value_t[j], probability_t[j]
            feasible[i], signal[i] = feasible_t[j], signal_t[j]
            for k in range(package.shape[1]):
                package[i, k] = package_t[j, k]


@cache
def compiled_search() -> tuple[Callable[..., Any], ...]:
    """The loops compiled (numba imported, compiled or loaded from the cache, on first use),
    with numpy's error model (:mod:`sim.core.kernel_jit`): the secant's only divisor is
    ``g1 - g0`` where the two differ, else 1, and the parabola's is q > 0."""
    from sim.core.kernel_jit import vector_jit

    loops = (propose, settle, brent_propose, brent_settle, keep_better)
    compiled: tuple[Any, ...] = tuple(vector_jit(loop) for loop in loops)
    return compiled
