"""The per-alpha work of the proposer under uncertainty, compiled, with the numpy reference's bits.

Each evaluation of F(alpha) (:meth:`sim.core.uncertain_offer._Problem.evaluate`) asks every
uncertain responder's demand at alpha (the truncated belief's quantile, the threshold map, the
cost clock's threshold) before the solve, and after it the utilities, the proposer's margin,
each responder's cut and acceptance probability (Fearon 1995's risk-return trade-off), the
product P, F and the first-order signal.  numpy spends some hundred small calls an evaluation
on these; here compiled loops over the rows (numba, ``njit(cache=True)``) do the same
IEEE operations in the same order.  Hand-written, measured faster (``benchmarks/bench_private.py``,
docs/model.md "The proposer under uncertainty", *Cost*) and needed to batch the rows.

The normal belief's ``ndtri`` and ``ndtr`` are scipy's own (Cephes, through
``scipy.special.cython_special``), so the bits are scipy's.  The clock's ``tau ** (1 / beta)`` is
one :mod:`sim.elementary` call between the loops; the cost clock cut's Newton
(:func:`sim.core.cost_clock.newton_from_right`) is one compiled loop of its own
(:mod:`sim.core.clock_cut_kernel`).  Covered: beliefs of kind ``normal`` (every
private value of the library's scenarios and experiments); any other kind, more than seven
issues or ``PARLEY_ENGINE=numpy`` run the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from sim.arrays import FloatArray
from sim.core.beliefs import REFUTED_MASS
from sim.core.kernel_jit import vector_jit, vector_jitable
from sim.core.tolerances import FEASIBILITY_TOLERANCE, RATE_SHARE, RATE_STEP

_NDTRI: Any = None
_NDTR: Any = None
"""scipy's ``ndtri`` and ``ndtr`` as numba external functions (set by :func:`compiled_offer`)."""

PARAMETERS = 11
"""Per responder: accepts_above, mean, sd, low, high, mirrored, the quantile's ndtr of its
(mirrored) bounds, the CDF's ndtr of its bounds, and its actor."""


def _maximum(x: float, y: float) -> float:
    """np.maximum: NaN from either side, the second of equals (numpy's SIMD max)."""
    if x != x:
        return x
    if y != y:
        return y
    return x if x > y else y


def _minimum(x: float, y: float) -> float:
    """np.minimum: NaN from either side, the second of equals."""
    if x != x:
        return x
    if y != y:
        return y
    return x if x < y else y


def rate_step(alpha: Any) -> Any:
    """The step of the central difference for d'(alpha) at alpha (a number or an array, never
    NaN): ``RATE_STEP``, or ``RATE_SHARE`` of alpha where that is smaller
    (:mod:`sim.core.tolerances`); the numpy reference and the loops both take it from here."""
    return np.minimum(RATE_STEP, RATE_SHARE * alpha)


def _clip(x: float, low: float, high: float) -> float:
    """np.clip(x, low, high)."""
    return _minimum(_maximum(x, low), high)


def demand_levels(
    alpha: FloatArray,
    rows: Any,
    wanted: Any,
    marks: Any,
    bounds: FloatArray,
    clock: FloatArray,
    params: FloatArray,
    no_deal: FloatArray,
    affine: FloatArray,
    tau: FloatArray,
    exponent: FloatArray,
) -> int:
    """Each uncertain responder's alpha-type (and alpha +- its step in the ``wanted`` rows):
    its no-deal value and affine threshold (R, r, L) and, on the cost clock, tau and the
    exponent packed in that order (the power, the next step, is one call on them alone);
    returns how many.

    ``bounds`` (R, 7, N): lo, hi, base, a, s and the masses below lo and hi; ``clock`` (R, 2,
    N): rate (NaN off the cost clock) and 1 / beta."""
    n_resp, n_rows, levels = no_deal.shape
    count = 0
    for j in range(n_resp):
        above = params[j, 0] > 0.0
        mean, sd, low, high = params[j, 1], params[j, 2], params[j, 3], params[j, 4]
        mirrored = params[j, 5] > 0.0
        q_lo, q_hi = params[j, 6], params[j, 7]
        for i in range(n_rows):
            w = rows[i]
            if not marks[j, w]:
                continue
            lo, hi, base = bounds[j, 0, w], bounds[j, 1, w], bounds[j, 2, w]
            below_lo, below_hi = bounds[j, 5, w], bounds[j, 6, w]
            mass = below_hi - below_lo
            refuted = mass <= REFUTED_MASS
            rate = clock[j, 0, w]
            for c in range(levels if wanted[i] else 1):
                level = alpha[i]
                if c == 1:
                    level = _minimum(alpha[i] + rate_step(alpha[i]), 1.0)
                elif c == 2:
                    level = _maximum(alpha[i] - rate_step(alpha[i]), 0.0)
                if above:
                    p = below_hi - level * mass
                    uniform = hi - level * (hi - lo)
                else:
                    p = below_lo + level * mass
                    uniform = lo + level * (hi - lo)
                u = _clip(p, 0.0, 1.0)
                z = _NDTRI(q_lo + u * (q_hi - q_lo), 0)
                if mirrored:
                    z = -z
                believed = _clip(mean + sd * z, low, high)
                value = _clip(uniform if refuted else believed, lo, hi)
                b = base - value if above else value
                affine[j, i, c] = _maximum(b, bounds[j, 3, w] + bounds[j, 4, w] * b)
                no_deal[j, i, c] = b
                if rate == rate:  # on the cost clock
                    tau[count] = _minimum(rate * _maximum(value, 0.0), 1.0)
                    exponent[count] = clock[j, 1, w]
                    count += 1
    return count


def place_demands(
    alpha: FloatArray,
    rows: Any,
    wanted: Any,
    marks: Any,
    clock: FloatArray,
    params: FloatArray,
    no_deal: FloatArray,
    affine: FloatArray,
    powered: FloatArray,
    demanded: FloatArray,
    rate: FloatArray,
) -> None:
    """The demands (the clock's threshold on the cost clock, from ``powered`` = tau ** e as
    :func:`demand_levels` packed them, else the affine one) into
    ``demanded`` (r, A) and their rates d'(alpha) (R, r) by central difference (the ``wanted``
    rows)."""
    n_resp, n_rows, levels = no_deal.shape
    packed = 0  # the next of ``powered``, in the order demand_levels packed them
    for j in range(n_resp):
        actor = int(params[j, 10])
        for i in range(n_rows):
            w = rows[i]
            if not marks[j, w]:
                continue
            on_cost = clock[j, 0, w] == clock[j, 0, w]
            count = levels if wanted[i] else 1
            for c in range(count):
                if on_cost:
                    b = no_deal[j, i, c]
                    no_deal[j, i, c] = b + (1.0 - b) * (1.0 - powered[packed])
                    packed += 1
                else:
                    no_deal[j, i, c] = affine[j, i, c]
            demanded[i, actor] = no_deal[j, i, 0]
            if count == 1:
                rate[j, i] = no_deal[j, i, 0]
            else:
                step = rate_step(alpha[i])
                up = _minimum(alpha[i] + step, 1.0)
                down = _maximum(alpha[i] - step, 0.0)
                rate[j, i] = (no_deal[j, i, 1] - no_deal[j, i, 2]) / (up - down)


def _utility(
    package: FloatArray,
    i: int,
    position: FloatArray,
    salience: FloatArray,
    w: int,
    a: int,
    linear: bool,
) -> float:
    """Actor a's 1 - sum_k s_k |x_k - p_k|^rho of row i's package in world w, the issues added
    left to right (as ``utility_rows``); by indices, not views (each view costs reference
    counting: measured 3.4x slower)."""
    total = 0.0
    for k in range(package.shape[1]):
        distance = abs(package[i, k] - position[w, a, k])
        term = salience[w, a, k] * (distance if linear else distance * distance)
        total = term if k == 0 else total + term
    return 1.0 - total


def cut_rows(
    package: FloatArray,
    rows: Any,
    position: FloatArray,
    salience: FloatArray,
    linear: Any,
    proposer: Any,
    threshold: FloatArray,
    marks: Any,
    bounds: FloatArray,
    clock: FloatArray,
    params: FloatArray,
    own: FloatArray,
    margin: FloatArray,
    cut: FloatArray,
    newton: FloatArray,
) -> None:
    """The proposer's utility and margin (r,), and each uncertain responder's cut (R, r); where
    the cost clock's cut needs its Newton, ``newton`` (R, r, 5) holds its start, base, rate,
    exponent and gap (the start NaN elsewhere)."""
    n_resp, n_rows = cut.shape
    n_actors = position.shape[1]
    for i in range(n_rows):
        w = rows[i]
        j_own = proposer[w]
        if j_own < 0:
            j_own += n_actors
        own[i] = _utility(package, i, position, salience, w, j_own, linear[j_own])
        margin[i] = own[i] - threshold[w, j_own] + FEASIBILITY_TOLERANCE
        for j in range(n_resp):
            newton[j, i, 0] = np.nan
            cut[j, i] = 0.0
            if not marks[j, w]:
                continue
            k = int(params[j, 10])
            u = _utility(package, i, position, salience, w, k, linear[k])
            tolerated = u + FEASIBILITY_TOLERANCE
            a, s = bounds[j, 3, w], bounds[j, 4, w]
            if s > 0.0:
                b_star = _minimum(tolerated, (tolerated - a) / s)
            else:
                b_star = tolerated if a <= tolerated else -np.inf
            if params[j, 0] <= 0.0:  # a reservation
                cut[j, i] = b_star
                continue
            base = bounds[j, 2, w]
            cut[j, i] = base - b_star
            rate = clock[j, 0, w]
            if rate != rate:
                continue
            gap = 1.0 - tolerated
            capped = base - tolerated
            cap = 1.0 / rate if rate > 0.0 else np.inf
            beyond = capped >= cap
            value = capped if beyond else cap
            if not beyond and gap > 0.0 and rate > 0.0:
                newton[j, i, 0] = cap
                newton[j, i, 1] = base
                newton[j, i, 2] = rate
                newton[j, i, 3] = clock[j, 1, w]
                newton[j, i, 4] = gap
            if gap <= 0.0:
                value = -np.inf
            if rate <= 0.0 and gap > 0.0:
                value = np.inf
            cut[j, i] = value


def trial_rows(
    alpha: FloatArray,
    rows: Any,
    marks: Any,
    bounds: FloatArray,
    params: FloatArray,
    cut: FloatArray,
    rate: FloatArray,
    multiplier: FloatArray,
    solved: Any,
    own: FloatArray,
    margin: FloatArray,
    failed: FloatArray,
    wanted: Any,
    value: FloatArray,
    probability: FloatArray,
    feasible: Any,
    first: FloatArray,
) -> None:
    """Each row's P (the product of the acceptance probabilities at the cuts), F, feasibility
    and (the ``wanted`` rows, NaN elsewhere) the first-order signal, as
    :meth:`_Problem.evaluate` computes them."""
    n_resp, n_rows = cut.shape
    for i in range(n_rows):
        w = rows[i]
        product, slope, binding, informed, speed = 1.0, 0.0, 0.0, 1.0, 0.0
        loose = False
        for j in range(n_resp):
            if not marks[j, w]:
                continue
            above = params[j, 0] > 0.0
            mean, sd = params[j, 1], params[j, 2]
            c_lo, c_hi = params[j, 8], params[j, 9]
            lo, hi = bounds[j, 0, w], bounds[j, 1, w]
            below_lo, below_hi = bounds[j, 5, w], bounds[j, 6, w]
            cut_j = cut[j, i]
            x = _clip(cut_j, lo, hi)
            mass = below_hi - below_lo
            refuted = mass <= REFUTED_MASS
            safe = 1.0 if refuted else mass
            cdf = _clip((_NDTR((x - mean) / sd, 0) - c_lo) / (c_hi - c_lo), 0.0, 1.0)
            below = (cdf - below_lo) / safe
            width = hi - lo
            uniform_below = (x - lo) / width if width > 0.0 else 0.0
            if above:
                uniform = 1.0 - uniform_below if width > 0.0 else (1.0 if lo >= cut_j else 0.0)
                p_k = uniform if refuted else 1.0 - below
            else:
                uniform = uniform_below if width > 0.0 else (1.0 if lo <= cut_j else 0.0)
                if width > 0.0 and cut_j >= hi:
                    uniform = 1.0
                p_k = uniform if refuted else below
            p_k = _clip(p_k, 0.0, 1.0)
            product *= p_k
            if wanted[i]:
                lam = multiplier[i, int(params[j, 10])]
                slope += lam * rate[j, i]
                speed += rate[j, i]
                binding += 1.0 if lam > 0.0 else 0.0
                loose = loose or ((lam <= 0.0) and (p_k < 1.0))
                if lam != lam:
                    informed = np.nan
        made = bool(solved[i]) and margin[i] >= 0.0
        feasible[i] = made
        probability[i] = product
        gain = own[i] - failed[w]
        value[i] = product * gain if made else -np.inf
        if not wanted[i]:
            first[i] = np.nan
            continue
        found = _maximum(binding, 1.0) * gain - alpha[i] * slope
        scale = alpha[i] * speed
        if scale > 0.0:
            found = found / scale
        if loose and binding > 0.0:
            informed = np.nan
        first[i] = informed * (_minimum(found, margin[i]) if solved[i] else -np.inf)


Kernels = tuple[Callable[..., Any], ...]


@cache
def compiled_offer() -> Kernels:
    """The loops compiled (numba imported, scipy's ``ndtri``/``ndtr`` linked by name and
    the kernels compiled, or loaded from the cache, on first use only), with numpy's error
    model (:mod:`sim.core.kernel_jit`): every divisor is nonzero (a spread ``up - down`` of
    twice the rate's step, or one step at alpha = 1, ``s`` and ``rate`` where positive, ``width`` and ``scale`` where positive,
    a belief's sd, the masses' difference above ``REFUTED_MASS``) or divides as numpy's
    reference does (the CDF's ``c_hi - c_lo``, the clock cut's Newton step)."""
    from sim.core.scipy_link import scipy_functions

    global _NDTRI, _NDTR
    _NDTRI, _NDTR = scipy_functions()
    for helper in (_maximum, _minimum, _clip, _utility, rate_step):
        vector_jitable(helper)
    return tuple(vector_jit(f) for f in (demand_levels, place_demands, cut_rows, trial_rows))
