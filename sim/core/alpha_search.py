"""The search over alpha, the probability that the uncertain responders accept, for many worlds.

The proposer facing uncertain responders (:mod:`sim.core.uncertain_offer`) maximises

    F(alpha) = P(alpha) * (H(alpha) - w),

where H(alpha) is its utility of the best package that gives every uncertain responder the
threshold of its alpha-type and meets every known threshold (one solve of the proposer's problem
per alpha), P the probability that they all accept and w its value of a failed round.  Two
searches, both vectorised over worlds, each world leaving the search as soon as it is done,
each a generator of the alphas it needs (:func:`side_by_side` runs them in the same solves):

* :func:`root_steps` finds the root of the first-order condition.  Where every uncertain
  responder's threshold binds, P = alpha**K (K of them) and, by the envelope theorem,
  H'(alpha) = -sum_k lambda_k d_k'(alpha), lambda_k the solver's multiplier of responder k's
  constraint and d_k(alpha) the utility its alpha-type demands, so

      sign F'(alpha) = sign[ K (H - w) - alpha * sum_k lambda_k d_k'(alpha) ] =: sign s(alpha).

  F is unimodal (module docstring of :mod:`sim.core.uncertain_offer`), so s changes sign once, from
  + to -, and a bracketing root finder converges to the optimum: the secant safeguarded by
  bisection (Dekker 1969; Brent 1973, ch. 4), bisecting while an end of the bracket is
  infeasible (s = -inf), and stepping just past the root once the secant has converged from one
  side, so that the bracket closes.  It needs the multipliers (quadratic utilities; the
  solver's dual Newton returns them): 11.1 solves a search on the private-values baseline
  (13.1 before 0.6.0's two safeguards), the hard ones where s plunges at a kink.
* :func:`brent_steps` (Brent 1973, ch. 5: golden section (Kiefer 1953) with parabolic
  interpolation) needs only F: where the multipliers are not known (linear utilities solved by
  the simplex), with several uncertain responders, or where the root finder did not converge.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, take_rows
from sim.core.newton_kernel import engine
from sim.core.search_kernel import compiled_search

ROOT_ITERATIONS = 40
"""At most this many solves in :func:`root_steps` (bisection alone would reach 1e-12); a
world still unconverged then is handed to :func:`brent_steps`."""

ROOT_TOLERANCE = 1e-9
""":func:`root_steps` stops when the bracket on alpha is narrower than this; its answer is
the bracket's lower end (the last alpha at which raising alpha still paid)."""

CLOSING = 0.25 * ROOT_TOLERANCE
"""Where the secant lands within half the tolerance of the last alpha (converged from that
side), the next alpha is the secant's plus this, past the root: the bracket then closes at once
instead of after a bisection or two."""

_INVERSE_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class Trial:
    """One evaluation per world at ``alpha``: the objective F (``value``, -inf where no package
    meets the thresholds), P, feasibility, the package (r, K) and the first-order signal s (NaN
    where the multipliers are unknown, -inf where infeasible)."""

    alpha: FloatArray
    value: FloatArray
    probability: FloatArray
    feasible: BoolArray
    package: FloatArray
    signal: FloatArray

    def take(self, rows: IntArray) -> Trial:
        """The trial of the given worlds only."""
        return Trial(*(take_rows(getattr(self, name), rows) for name in _FIELDS))

    def between(self, begin: int, end: int) -> Trial:
        """The trial of worlds ``begin`` to ``end`` (views: the searches never write into a
        trial they are sent)."""
        return Trial(*(getattr(self, name)[begin:end] for name in _FIELDS))

    def put(self, rows: IntArray, part: Trial) -> None:
        """Overwrite the given worlds with ``part`` (in place)."""
        for name in _FIELDS:
            getattr(self, name)[rows] = getattr(part, name)

    def copy(self) -> Trial:
        """An independent copy."""
        return self.take(np.arange(self.alpha.size))


_FIELDS = tuple(item.name for item in fields(Trial))

Evaluate = Callable[[FloatArray, IntArray, bool | BoolArray], Trial]
"""(alpha (r,), world rows (r,), whether to compute the signal: everywhere, or per row (NaN
where not)) -> the trial at those alphas."""


Steps = Generator[tuple[FloatArray, IntArray, bool], Trial, Any]
"""A search as a generator: it yields the (alpha, world rows, whether it needs the signal) it
needs F at and is sent the
trial there; its return value is its answer.  :func:`side_by_side` runs several at once."""


def side_by_side(evaluate: Evaluate, searches: Sequence[Steps]) -> list[Any]:
    """Run searches over disjoint worlds together: each step evaluates every search's next
    alphas in one call (rows concatenated), so the sequential solves are the longest search's,
    not their sum.  Each world sees the same alphas, in the same order, as alone, so its result
    is the same bit for bit (the solves treat rows independently; the first-order signal is
    computed only for the rows of the searches that need it).

    Hand-written because the searches' cost is their count of sequential solves (numpy call
    overhead, measured on the private-values baseline), not their rows.
    """
    results: list[Any] = [None] * len(searches)
    pending: dict[int, tuple[FloatArray, IntArray, bool]] = {}
    for number, search in enumerate(searches):
        try:
            pending[number] = next(search)
        except StopIteration as stop:
            results[number] = stop.value
    while pending:
        order = list(pending)
        sizes = np.cumsum([0, *(pending[number][1].size for number in order)])
        alpha = np.concatenate([pending[number][0] for number in order])
        rows = np.concatenate([pending[number][1] for number in order])
        wanted = [pending[number][2] for number in order]
        signal: bool | BoolArray = wanted[0]
        if len(set(wanted)) > 1:  # the signal only where a search needs it
            signal = np.repeat(np.array(wanted), np.diff(sizes))
        trial = evaluate(alpha, rows, signal)
        pending = {}
        for number, begin, end in zip(order, sizes[:-1], sizes[1:], strict=True):
            part = trial if len(order) == 1 else trial.between(begin, end)
            try:
                pending[number] = searches[number].send(part)
            except StopIteration as stop:
                results[number] = stop.value
    return results


def root_steps(rows: IntArray, low: Trial, high: Trial) -> Steps:
    """The best alpha in (low.alpha, 1) by the root of the first-order signal, in the given worlds.

    ``low`` and ``high`` are the trials at the bracket's ends in these worlds (high at alpha =
    1): low.signal > 0 and high.signal < 0 (or -inf) are required (the root lies inside).
    A world whose signal turns NaN (unknown there) leaves unconverged.  Returns the trial at the
    bracket's lower end per world and whether the world converged.
    """
    if engine() == "kernel":
        return (yield from _compiled_root_steps(rows, low, high))
    r = rows.size
    a, b = low.alpha.copy(), np.ones(r)
    # The secant through the last two points (order 1.6), kept inside the bracket, and a
    # bisection whenever it leaves the bracket or its step is not under half the step before
    # last (Brent 1973, ch. 4: a slow secant is replaced, a fast one-sided one is not).
    x0, f0, x1, f1 = a.copy(), low.signal.copy(), b.copy(), high.signal.copy()
    steps = np.full((r, 2), np.inf)  # the last step's length and the one's before
    left = low.copy()  # the trial at a: feasible (a positive signal clears the own threshold)
    converged = np.zeros(r, dtype=bool)
    active = np.arange(r)
    for _ in range(ROOT_ITERATIONS):
        if active.size == 0:
            break
        la, lb = a[active], b[active]
        span = lb - la
        p0, q0, p1, q1 = x0[active], f0[active], x1[active], f1[active]
        usable = np.isfinite(q0) & np.isfinite(q1)
        g0, g1 = np.where(usable, q0, 0.0), np.where(usable, q1, 1.0)
        usable &= g1 != g0
        secant = p1 - g1 * (p1 - p0) / np.where(usable, g1 - g0, 1.0)
        within = usable & (secant > la) & (secant < lb)
        inside = within & (np.abs(secant - p1) <= 0.5 * steps[active, 1])
        x = np.where(inside, secant, la + 0.5 * span)
        # Converged from one side: step just past the root, closing the bracket.
        close = within & (np.abs(secant - p1) < 0.5 * ROOT_TOLERANCE)
        x = np.where(close, secant + np.where(q1 > 0.0, CLOSING, -CLOSING), x)
        x = np.clip(x, la + 0.01 * ROOT_TOLERANCE, lb - 0.01 * ROOT_TOLERANCE)
        trial = yield x, rows[active], True
        f = trial.signal
        positive = f > 0.0
        left.put(active[positive], trial.take(np.flatnonzero(positive)))
        a[active] = np.where(positive, x, la)
        b[active] = np.where(positive, lb, x)
        x0[active], f0[active], x1[active], f1[active] = p1, q1, x, f
        steps[active, 1], steps[active, 0] = steps[active, 0], np.abs(x - p1)
        lost = np.isnan(f)
        done = (b[active] - a[active] <= ROOT_TOLERANCE) | (f == 0.0) | lost
        converged[active[done & ~lost]] = True
        active = active[~done]
    return left, converged


def _compiled_root_steps(rows: IntArray, low: Trial, high: Trial) -> Steps:
    """:func:`root_steps` with each step's bracket arithmetic in two compiled loops
    (:mod:`sim.core.search_kernel`): the same alphas bit for bit."""
    propose, settle = compiled_search()[:2]
    r = rows.size
    bracket = np.empty((7, r))
    bracket[0], bracket[1] = low.alpha, 1.0
    bracket[2], bracket[3], bracket[4], bracket[5] = low.alpha, low.signal, 1.0, high.signal
    bracket[6] = np.inf
    steps = np.full(r, np.inf)
    left = low.copy()
    converged = np.zeros(r, dtype=bool)
    active, count = np.arange(r), r
    for _ in range(ROOT_ITERATIONS):
        if count == 0:
            break
        x = np.empty(count)
        propose(bracket, active, count, ROOT_TOLERANCE, CLOSING, x)
        at = active[:count].copy()
        trial = yield x, rows[at], True
        positive = np.flatnonzero(trial.signal > 0.0)
        left.put(at[positive], trial.take(positive))
        count = settle(bracket, steps, active, count, ROOT_TOLERANCE, x, trial.signal, converged)
    return left, converged


def _columns(trial: Trial) -> tuple[Any, ...]:
    """A trial's arrays, in field order (for the compiled loops)."""
    return tuple(getattr(trial, name) for name in _FIELDS)


BRENT_ITERATIONS = 100
"""At most this many probes after the first (golden section alone would reach 1e-20)."""

BRENT_TOLERANCE = 3e-7
"""Brent's absolute tolerance on alpha: the best alpha found is within about this of the
optimum, as golden section's 30 steps were (0.618**30 ~ 5e-7 of bracket)."""

COMMON_ALPHA_TOLERANCE = 1e-3
"""Brent's relative tolerance on the common alpha of several uncertain responders, of the nearer
of alpha and 1 - alpha (the believed chances of acceptance and of refusal), with the absolute
``BRENT_TOLERANCE``; with one responder the relative part is sqrt(eps) of |alpha|, Brent's own.
That alpha is itself an approximation of the proposer's best (each responder could be offered
an alpha of its own): near a smooth optimum F loses only ~F''/2 (1e-3 alpha)^2, and neither
chance moves by more than ~0.2% of itself.  On the private-values baseline 13.7 probes a
search where sqrt(eps) took 16.9 (docs/model.md, "The proposer under uncertainty", *Cost*).
Tried and dropped: an absolute 1e-4 (12.2 probes) could not tell an alpha of 3e-5 from one of
6e-5, and 10^-3 of alpha alone could not tell 0.99993 from 1 (both: more offers made, and
refused, at random among near-equals)."""

_SQRT_EPSILON = float(np.sqrt(np.finfo(float).eps))

BRENT_SCALES = ((_SQRT_EPSILON, False), (COMMON_ALPHA_TOLERANCE / 3.0, True))
"""The relative part of Brent's tolerance (a third, as the absolute part is a third of its
tolerance) and whether it is of min(alpha, 1 - alpha) rather than |alpha|: with one uncertain
responder, and with several."""

DESCENT = 0.9
"""While no probe has been feasible, the next probe is a + (1 - DESCENT)(x - a): a tenth of
the way from the bracket's start to the lowest infeasible alpha."""

_GOLDEN_SHARE = 1.0 - _INVERSE_GOLDEN  # 0.381966...
_THIRD = BRENT_TOLERANCE / 3.0


def brent_steps(
    rows: IntArray, start: FloatArray, relative: float = _SQRT_EPSILON, ends: bool = False
) -> Steps:
    """The best alpha in (start, 1) by Brent's (1973, ch. 5) minimisation without derivatives
    of -F: golden section made superlinear by successive parabolic interpolation where F is
    smooth, stopping when the bracket around the best alpha is within ``BRENT_TOLERANCE`` and
    ``relative`` of |alpha| (``ends``: of the nearer of alpha and 1 - alpha); each part is a
    third of Brent's tol.

    Two changes for this F.  An infeasible alpha (F = -inf) is worse than any feasible one and
    of two equally bad alphas the smaller is kept; the parabola is fitted only through three
    finite values.  And feasibility is monotone (the demands rise with alpha): while every probe
    was infeasible the feasible alphas lie below the lowest, often in a sliver just above
    ``start``, so the next probe closes in ten-fold (``DESCENT``) instead of by the golden
    ratio.  Returns the best trial among the probes.  Ties move towards alpha = start; below
    ``start`` F must be flat (a flat stretch would read as a tie and lose the optimum).
    """
    if engine() == "kernel":
        return (yield from _compiled_brent_steps(rows, start, relative, ends))
    n = rows.size
    a, b = start.copy(), np.ones(n)
    x = a + _GOLDEN_SHARE * (b - a)
    trial = yield x, rows, False
    best = trial.copy()
    fx = -trial.value
    w, v, fw, fv = x.copy(), x.copy(), fx.copy(), fx.copy()
    d, e = np.zeros(n), np.zeros(n)
    active = np.arange(n)
    for _ in range(BRENT_ITERATIONS):
        xa, aa, ba = x[active], a[active], b[active]
        middle = 0.5 * (aa + ba)
        scale = np.minimum(np.abs(xa), np.abs(1.0 - xa)) if ends else np.abs(xa)
        tol1 = relative * scale + _THIRD
        tol2 = 2.0 * tol1
        going = (np.abs(xa - middle) > tol2 - 0.5 * (ba - aa)) & (ba - aa > 2.0 * tol2)
        if not going.any():
            break
        active, xa, aa, ba, middle, tol1, tol2 = (
            item[going] for item in (active, xa, aa, ba, middle, tol1, tol2)
        )
        wa, va, fxa, fwa, fva = w[active], v[active], fx[active], fw[active], fv[active]
        da, ea = d[active], e[active]
        # The parabola through (v, fv), (w, fw) and (x, fx), used where all three are finite.
        with np.errstate(invalid="ignore"):
            r = (xa - wa) * (fxa - fva)
            q = (xa - va) * (fxa - fwa)
            p = (xa - va) * q - (xa - wa) * r
            q = 2.0 * (q - r)
        p = np.where(q > 0.0, -p, p)
        q = np.abs(q)
        parabolic = (
            np.isfinite(fxa)
            & np.isfinite(fwa)
            & np.isfinite(fva)
            & (np.abs(ea) > tol1)
            & (np.abs(p) < np.abs(0.5 * q * ea))
            & (p > q * (aa - xa))
            & (p < q * (ba - xa))
        )
        step = np.where(parabolic, p / np.where(parabolic, q, 1.0), 0.0)
        near_end = parabolic & ((xa + step - aa < tol2) | (ba - (xa + step) < tol2))
        step = np.where(near_end, np.where(middle - xa >= 0.0, tol1, -tol1), step)
        lost = np.isposinf(fxa)  # nothing feasible yet: descend towards start
        section = np.where(lost | (xa >= middle), aa - xa, ba - xa)
        step = np.where(parabolic, step, np.where(lost, DESCENT, _GOLDEN_SHARE) * section)
        e[active] = np.where(parabolic, da, section)
        d[active] = step
        small = np.abs(step) < tol1
        u = xa + np.where(small, np.where(step >= 0.0, tol1, -tol1), step)
        trial = yield u, rows[active], False
        better_rows = np.flatnonzero(trial.value >= best.value[active])
        best.put(active[better_rows], trial.take(better_rows))
        fu = -trial.value
        better = (fu < fxa) | ((fu == fxa) & (u < xa))
        above = u >= xa
        # The bracket keeps the best alpha inside it.
        a[active] = np.where(better == above, np.where(better, xa, u), aa)
        b[active] = np.where(better != above, np.where(better, xa, u), ba)
        second = ~better & ((fu <= fwa) | (wa == xa))
        third = ~better & ~second & ((fu <= fva) | (va == xa) | (va == wa))
        v[active] = np.where(better | second, wa, np.where(third, u, va))
        fv[active] = np.where(better | second, fwa, np.where(third, fu, fva))
        w[active] = np.where(better, xa, np.where(second, u, wa))
        fw[active] = np.where(better, fxa, np.where(second, fu, fwa))
        x[active] = np.where(better, u, xa)
        fx[active] = np.where(better, fu, fxa)
    return best


def _compiled_brent_steps(rows: IntArray, start: FloatArray, relative: float, ends: bool) -> Steps:
    """:func:`brent_steps` with each step's bookkeeping in compiled loops
    (:mod:`sim.core.search_kernel`): the same alphas and answer bit for bit."""
    _, _, propose, settle, keep_better = compiled_search()
    n = rows.size
    state = np.zeros((10, n))  # a, b, x, w, v, -F at x, w, v, d, e
    state[0], state[1] = start, 1.0
    state[2] = state[0] + _GOLDEN_SHARE * (state[1] - state[0])
    state[3], state[4] = state[2], state[2]
    trial = yield state[2].copy(), rows, False
    best = trial.copy()
    kept = _columns(best)
    state[5] = -trial.value
    state[6], state[7] = state[5], state[5]
    constants = np.array([_THIRD, relative, _GOLDEN_SHARE, DESCENT, float(ends)])
    active, count = np.arange(n), n
    for _ in range(BRENT_ITERATIONS):
        probe = np.empty(count)
        count = propose(state, active, count, constants, probe)
        if count == 0:
            break
        at, probe = active[:count].copy(), probe[:count]
        trial = yield probe, rows[at], False
        keep_better(kept, at, _columns(trial))
        settle(state, at, count, probe, trial.value)
    return best
