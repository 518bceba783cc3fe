"""The threshold of a concession player whose clock is the war's cost, as a function of that cost.

A concession player with endurance E concedes along tau = min(1, c t / E) (the hurting stalemate:
:mod:`sim.core.strategies.concession`).  When its weekly war cost c is private, the others see its
threshold as a function of c alone: with no-deal value b(c) = base - c, rate k = t / E and
exponent e = 1 / beta,

    T(c) = b(c) + (1 - b(c)) (1 - min(1, k c)^e),   i.e.   1 - T(c) = (1 - base + c) min(1, k c)^e.

T falls as c rises (a costlier war lowers both the no-deal value and the remaining demand), so the
types that accept an offer worth u are those with c at or above one cut c*(u), the root of
1 - T(c) = 1 - u.  On (0, 1/k) the function f(c) = ln(1 - base + c) + e ln(k c) - ln(1 - u) is
increasing, and in x = ln c convex, so Newton's method in x started at the right of the root
converges to it monotonically from the right (a convex function lies above its tangents); beyond 1/k the actor has
conceded all it will and T(c) = b(c), whose cut base - u is explicit.  Hand-written rather than a
scipy root finder because it runs vectorised over every world of a batch at once.
"""

from __future__ import annotations

import numpy as np

from sim import elementary
from sim.arrays import FloatArray

NEWTON_ITERATIONS = 60
"""The most Newton steps the cut takes (from the right it converges quadratically: ~10 suffice)."""

NEWTON_TOLERANCE = 1e-14
"""Step in ln c below which the cut's Newton iteration stops (a relative change of c)."""


def clock_threshold(
    cost: FloatArray,
    base: FloatArray,
    rate: FloatArray,
    exponent: FloatArray,
    otherwise: FloatArray | None = None,
) -> FloatArray:
    """T(c) of a cost-clock concession player with weekly war cost ``cost`` (elementwise);
    ``otherwise`` where the rate is NaN (a world on the deadline clock)."""
    on_cost = ~np.isnan(rate)
    every = bool(on_cost.all())  # (then no masks)
    clocked = rate if every else np.where(on_cost, rate, 0.0)
    tau = np.minimum(clocked * np.maximum(cost, 0.0), 1.0)
    no_deal = base - cost
    result: FloatArray = no_deal + (1.0 - no_deal) * (1.0 - elementary.power(tau, exponent))
    if otherwise is not None and not every:
        result = np.where(on_cost, result, otherwise)
    return result


def clock_cut(
    utility: FloatArray,
    base: FloatArray,
    rate: FloatArray,
    exponent: FloatArray,
    otherwise: FloatArray | None = None,
) -> FloatArray:
    """c*(u): the least war cost whose type accepts an offer worth ``utility`` (elementwise);
    ``otherwise`` where the rate is NaN (a world on the deadline clock).

    +inf where no type accepts (the clock has not started and u < 1), -inf where every type does
    (u >= 1).  A type accepts iff its cost is at or above the cut.
    """
    if otherwise is not None:
        on_cost = ~np.isnan(rate)
        if on_cost.all():  # every world on the cost clock
            return clock_cut(utility, base, rate, exponent)
        clock = clock_cut(utility, base, np.where(on_cost, rate, 0.0), exponent)
        mixed: FloatArray = np.where(on_cost, clock, otherwise)
        return mixed
    given = (utility, base, rate, exponent)
    if not all(isinstance(v, np.ndarray) and v.shape == np.shape(utility) for v in given):
        utility, base, rate, exponent = np.broadcast_arrays(*given)
    gap = 1.0 - utility  # 1 - u: what the offer leaves short of the ideal
    # Past the cap (k c >= 1) T(c) = base - c: the cut is base - u if that is past the cap.
    capped = base - utility
    cap = np.divide(1.0, rate, out=np.full(rate.shape, np.inf), where=rate > 0.0)
    beyond = capped >= cap
    cut = np.where(beyond, capped, cap)
    solve = ~beyond & (gap > 0.0) & (rate > 0.0)
    if solve.any():
        cut[solve] = newton_from_right(
            cap[solve], base[solve], rate[solve], exponent[solve], gap[solve]
        )
    cut = np.where(gap <= 0.0, -np.inf, cut)
    result: FloatArray = np.where((rate <= 0.0) & (gap > 0.0), np.inf, cut)
    return result


def newton_from_right(
    start: FloatArray, base: FloatArray, rate: FloatArray, exponent: FloatArray, gap: FloatArray
) -> FloatArray:
    """The root of ln(1 - base + c) + e ln(k c) = ln(gap) on (0, start], start right of it.

    In x = ln c the left side is increasing and convex (base <= 1), so Newton's method from the
    right stays right of the root and converges to it monotonically.
    """
    x = elementary.log(start)
    rest = 1.0 - base
    target = elementary.log(gap) - exponent * elementary.log(rate)
    active = np.arange(x.size)
    # Each element stops on its own convergence, so a world's cut never depends on its batch;
    # the moving elements' numbers stay packed, gathered again only when some stop.
    xa, ra, ea, ta = x, rest, exponent, target
    for _ in range(NEWTON_ITERATIONS):
        c = elementary.exp(xa)
        shifted = ra + c
        f = elementary.log(shifted) + ea * xa - ta
        step = f / (c / shifted + ea)
        xa = xa - step
        moving = np.abs(step) > NEWTON_TOLERANCE
        if moving.all():
            continue
        x[active] = xa
        keep = np.flatnonzero(moving)
        active = active[keep]
        if active.size == 0:
            break
        xa, ra, ea, ta = xa[keep], ra[keep], ea[keep], ta[keep]
    else:
        x[active] = xa
    result: FloatArray = elementary.exp(x)
    return result
