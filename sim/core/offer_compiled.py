"""One evaluation of F(alpha) by the compiled loops of :mod:`sim.core.offer_kernel`.

:class:`CompiledEvaluation` holds one round's uncertain responders packed as the loops read
them, and evaluates F at many worlds' alphas as :meth:`sim.core.uncertain_offer._Problem.evaluate`
does (the same numbers, bit for bit): the loops, the clock's power (one :mod:`sim.elementary`
call, vectorised) and the solve.
Hand-written, measured faster: the reference's hundred numpy calls an evaluation were most of
the private-values baseline's CPU outside the compiled Newton (docs/model.md, *Cost*).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from sim import elementary
from sim.arrays import SHORT_AXIS, BoolArray, FloatArray, IntArray, take_rows
from sim.core.alpha_search import Trial
from sim.core.beliefs import Belief, Masses
from sim.core.clock_cut_kernel import compiled_clock_cuts
from sim.core.newton_kernel import engine
from sim.core.offer_kernel import PARAMETERS, compiled_offer
from sim.core.scipy_link import scipy_linkable

if TYPE_CHECKING:
    from sim.core.uncertain_offer import UncertainResponder, _Problem

Solve = Callable[[FloatArray, IntArray], tuple[FloatArray, BoolArray, FloatArray]]
"""(thresholds (r, A), world rows (r,)) -> packages, feasibility and multipliers."""


def _parameters(belief: Belief, actor: int) -> list[float]:
    """One responder's row of the loops' parameters (:data:`~sim.core.offer_kernel.PARAMETERS`)."""
    dist = belief.distribution
    mean, sd = dist.params
    a, b = (dist.low - mean) / sd, (dist.high - mean) / sd
    mirrored = a > 0.0  # as :func:`sim.distributions.inversion.truncated_normal_quantile`
    lo, hi = (-b, -a) if mirrored else (a, b)
    return [
        1.0 if belief.accepts_above else 0.0,
        mean,
        sd,
        dist.low,
        dist.high,
        1.0 if mirrored else 0.0,
        float(special.ndtr(lo)),
        float(special.ndtr(hi)),
        float(special.ndtr((dist.low - mean) / sd)),
        float(special.ndtr((dist.high - mean) / sd)),
        float(actor),
    ]


def _clock_cuts(given: FloatArray) -> FloatArray:
    """:func:`sim.core.cost_clock.newton_from_right` of the rows of ``given`` (start, base,
    rate, exponent, gap), the same bits, in one compiled call."""
    result = np.empty(given.shape[1])
    compiled_clock_cuts()(np.ascontiguousarray(given), result)
    return result


class CompiledEvaluation:
    """One round's evaluations of F(alpha) by the compiled loops."""

    def __init__(
        self,
        position: FloatArray,
        salience: FloatArray,
        linear: BoolArray,
        proposer: IntArray,
        threshold: FloatArray,
        failed_round_value: FloatArray,
        responders: Sequence[UncertainResponder],
        masses: Sequence[Masses],
        uncertain: BoolArray,
        solve: Solve,
    ) -> None:
        self.position, self.salience, self.linear = position, salience, linear
        self.proposer, self.threshold, self.failed = proposer, threshold, failed_round_value
        self.solve = solve
        n = threshold.shape[0]
        actors = [r.actor for r in responders]
        self.marks = np.ascontiguousarray(uncertain[:, actors].T)
        self.bounds = np.empty((len(responders), 7, n))
        self.clock = np.empty((len(responders), 2, n))
        self.params = np.empty((len(responders), PARAMETERS))
        for j, (r, (below_lo, below_hi)) in enumerate(zip(responders, masses, strict=True)):
            for row, values in enumerate((r.lo, r.hi, r.base, r.a, r.s, below_lo, below_hi)):
                self.bounds[j, row] = values
            clocked = r.rate is not None and r.exponent is not None
            self.clock[j, 0] = r.rate if clocked else np.nan
            self.clock[j, 1] = r.exponent if clocked else 1.0
            self.params[j] = _parameters(r.belief, r.actor)

    @classmethod
    def of(cls, problem: _Problem) -> CompiledEvaluation | None:
        """The round's compiled evaluations where the loops reproduce the reference: the
        compiled engine, float64 arrays, fewer than eight issues (numpy's sums are pairwise
        from eight), normal beliefs and scipy's ``ndtri``/``ndtr`` as the loops call them; else
        None."""
        position, linear, responders = problem.position, problem.linear, problem.responders
        covered = (
            bool(responders)
            and engine() == "kernel"
            and position.dtype == np.float64
            and linear.dtype == np.bool_
            and linear.ndim == 1
            and 1 <= position.shape[2] < SHORT_AXIS
            and all(r.belief.distribution.kind == "normal" for r in responders)
            and scipy_linkable()
        )
        if not covered:
            return None
        return cls(
            position,
            problem.salience,
            linear,
            problem.proposer,
            problem.threshold,
            problem.failed_round_value,
            responders,
            problem.masses,
            problem.uncertain,
            problem.proposers.solve,
        )

    def evaluate(self, alpha: FloatArray, rows: IntArray, signal: bool | BoolArray) -> Trial:
        """F, P, feasibility, the package and (where ``signal``) the first-order signal at
        ``alpha`` in ``rows`` (:meth:`sim.core.uncertain_offer._Problem.evaluate`)."""
        levels_of, place, cuts, trials = compiled_offer()
        n_resp, r = self.marks.shape[0], rows.size
        wanted = np.ascontiguousarray(np.broadcast_to(signal, rows.shape), dtype=bool)
        shape = (n_resp, r, 3 if wanted.any() else 1)
        no_deal, affine = np.empty(shape), np.empty(shape)
        tau, exponent = np.empty(no_deal.size), np.empty(no_deal.size)
        marks, bounds, clock, params = self.marks, self.bounds, self.clock, self.params
        got = levels_of(
            alpha, rows, wanted, marks, bounds, clock, params, no_deal, affine, tau, exponent
        )
        powered = elementary.power(tau[:got], exponent[:got])  # as the reference's
        demanded = take_rows(self.threshold, rows)
        rate = np.empty((n_resp, r))
        place(alpha, rows, wanted, marks, clock, params, no_deal, affine, powered, demanded, rate)
        package, solved, multiplier = self.solve(demanded, rows)
        own, margin = np.empty(r), np.empty(r)
        cut, newton = np.empty((n_resp, r)), np.empty((n_resp, r, 5))
        position, salience, linear = self.position, self.salience, self.linear
        cuts(
            package,
            rows,
            position,
            salience,
            linear,
            self.proposer,
            self.threshold,
            marks,
            bounds,
            clock,
            params,
            own,
            margin,
            cut,
            newton,
        )
        start = newton.reshape(-1, 5)
        solving = np.flatnonzero(~np.isnan(start[:, 0]))
        if solving.size:
            cut.reshape(-1)[solving] = _clock_cuts(start[solving].T.copy())
        value, probability, first = np.empty(r), np.empty(r), np.empty(r)
        feasible = np.empty(r, dtype=bool)
        trials(
            alpha,
            rows,
            marks,
            bounds,
            params,
            cut,
            rate,
            multiplier,
            solved,
            own,
            margin,
            self.failed,
            wanted,
            value,
            probability,
            feasible,
            first,
        )
        return Trial(alpha, value, probability, feasible, package, first)
