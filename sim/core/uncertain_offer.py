"""The proposer's problem when some veto players' no-deal values are private.

Every strategy's acceptance threshold is an increasing function of the responder's no-deal value
b (its value of a failed round), of the form

    T(b) = max(b, a + s * b),      s >= 0,

with (a, s) = (g, 1 - g) for a concession player whose remaining demand share is g, and
(a, s) = ((1 - p) delta V, p [+ (1 - p)(1 - delta) when fighting]) for an equilibrium player with
continuation value V.  The no-deal value is b = base - c for a private war cost c and b = r for a
private reservation r, so the responder accepts an offer worth u to it iff its private value lies
on one side of a cut: c >= base - b*(u) or r <= b*(u), where b*(u) = min(u, (u - a)/s).

Proposer j maximises its expected utility (Fearon 1995's risk-return trade-off; the monopoly
pricing problem of a seller facing an unknown valuation):

    P(every veto player accepts x) * U_j(x) + (1 - P) * w_j,

w_j its value of a failed round.  With one uncertain responder k this is a one-dimensional problem
in the probability alpha that k accepts: for each alpha the best package gives k the threshold of
its alpha-type (the cut with P = alpha) and meets every known threshold, which the vectorised
solver finds; alpha is then chosen by golden-section search (Kiefer 1953) over [0, 1], all worlds
at once, and compared with alpha = 1 (certain acceptance).  The objective alpha * (h(alpha) - w)
is unimodal when the belief is log-concave (uniform, normal, beta with parameters >= 1,
triangular, and their truncations) and h concave, so this is optimal to solver precision.  With
several uncertain responders the same search runs over a common alpha (every uncertain responder
offered the threshold of its own alpha-type, P = prod_k P_k): an approximation that is exact for
one responder and feasible, but not always optimal, for more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.beliefs import Belief, Masses
from sim.core.solver import WarmStarts, solve_group_from
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities

GOLDEN_ITERATIONS = 30
"""Golden-section steps: the bracket on alpha shrinks to 0.618**30 ~ 5e-7 (the answer, its middle,
is within 3e-7 of the optimum: below the 1e-6 the closed-form tests ask)."""

_INVERSE_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def threshold_of(b: FloatArray, a: FloatArray, s: FloatArray) -> FloatArray:
    """T(b) = max(b, a + s b): the acceptance threshold of a responder with no-deal value b."""
    result: FloatArray = np.maximum(b, a + s * b)
    return result


def highest_accepting_value(u: FloatArray, a: FloatArray, s: FloatArray) -> FloatArray:
    """b*(u) = sup {b : T(b) <= u}: the toughest no-deal value that accepts utility u."""
    safe = np.where(s > 0, s, 1.0)
    flat = np.where(a <= u, u, -np.inf)  # s = 0: T(b) = max(b, a)
    result: FloatArray = np.where(s > 0, np.minimum(u, (u - a) / safe), flat)
    return result


@dataclass(frozen=True)
class UncertainResponder:
    """A veto player whose private value the others know only through a belief.

    Arrays are (N,) over all worlds: the consistent set's bounds ``lo``/``hi``, the no-deal value
    without the private term ``base`` (b = base - c for a war cost, b = r for a reservation) and
    the threshold map ``a``, ``s`` of its strategy this round.
    """

    actor: int
    belief: Belief
    lo: FloatArray
    hi: FloatArray
    base: FloatArray
    a: FloatArray
    s: FloatArray

    def take(self, rows: IntArray) -> UncertainResponder:
        """The responder in the given rows only."""
        return UncertainResponder(
            self.actor,
            self.belief,
            self.lo[rows],
            self.hi[rows],
            self.base[rows],
            self.a[rows],
            self.s[rows],
        )

    def no_deal_value(self, value: FloatArray, rows: IntArray) -> FloatArray:
        """b of the type with private value ``value``."""
        if self.belief.accepts_above:
            result: FloatArray = self.base[rows] - value
            return result
        return value

    def cut(self, utility: FloatArray, rows: IntArray) -> FloatArray:
        """The private-value cut of an offer worth ``utility`` (acceptance within tolerance)."""
        b_star = highest_accepting_value(
            utility + FEASIBILITY_TOLERANCE, self.a[rows], self.s[rows]
        )
        if self.belief.accepts_above:
            result: FloatArray = self.base[rows] - b_star
            return result
        return b_star

    def demand(self, alpha: FloatArray, rows: IntArray, masses: Masses | None = None) -> FloatArray:
        """The utility that makes this responder accept with probability alpha (``masses``:
        the belief's masses below the given rows' bounds, if already known)."""
        value = self.belief.cut_for(self.lo[rows], self.hi[rows], alpha, masses)
        return threshold_of(self.no_deal_value(value, rows), self.a[rows], self.s[rows])

    def probability(
        self, utility: FloatArray, rows: IntArray, masses: Masses | None = None
    ) -> FloatArray:
        """P(this responder accepts an offer worth ``utility``) under the current belief."""
        return self.belief.acceptance_probability(
            self.lo[rows], self.hi[rows], self.cut(utility, rows), masses
        )


@dataclass(frozen=True)
class RiskyOffers:
    """The proposers' packages, whether each is made, and the acceptance probability believed."""

    package: FloatArray
    feasible: BoolArray
    probability: FloatArray
    alpha: FloatArray
    demanded: FloatArray  # (n, A) the thresholds each package was built on


def risky_offers(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    veto: BoolArray,
    proposer: IntArray,
    threshold: FloatArray,
    failed_round_value: FloatArray,
    responders: Sequence[UncertainResponder],
    uncertain: BoolArray,
) -> RiskyOffers:
    """Each world's proposer's expected-utility-maximising package under uncertainty.

    position, salience: (n, A, K); linear, veto: (A,); proposer: (n,); threshold: (n, A) the
    known thresholds (and the proposer's own, which every offer must meet);
    failed_round_value: (n,) the proposer's w; ``uncertain`` (n, A) marks, per world, the veto
    responders whose threshold is uncertain (one :class:`UncertainResponder` per such actor in
    ``responders``, arrays indexed by the same n rows).
    """
    n = position.shape[0]
    rows_all = np.arange(n)
    linear_rows = np.broadcast_to(linear, threshold.shape)
    # One solve per proposer, each starting from its last solution: successive alphas are
    # close, so the solver's multipliers (or simplex basis) carry over and it takes a step or two.
    # What does not change with alpha (each group's actors and their positions and saliences,
    # as ``solve_offers`` would gather them) is gathered once, not once per alpha.
    groups = []
    for j in np.unique(proposer):
        if j < 0:
            continue
        rows = np.flatnonzero(proposer == j)
        index = np.array([j, *(a for a in range(position.shape[1]) if veto[a] and a != j)])
        pick = (rows[:, None], index[None, :])
        groups.append((rows, index, position[pick], salience[pick], linear[index], WarmStarts(1)))

    def solve(demanded: FloatArray) -> tuple[FloatArray, BoolArray]:
        package = np.empty((n, position.shape[2]))
        feasible = np.zeros(n, dtype=bool)
        for rows, index, own_position, own_salience, flags, warm in groups:
            package[rows], feasible[rows], state = solve_group_from(
                own_position,
                own_salience,
                flags,
                demanded[rows[:, None], index[None, 1:]],
                demanded[rows, index[0]],
                start=warm.state.get(0),
            )
            if state is not None:
                warm.state[0] = state
        return package, feasible

    # The bounds do not move within a round: their prior masses are computed once, not per alpha.
    masses = [responder.belief.masses_below(responder.lo, responder.hi) for responder in responders]

    def demands(alpha: FloatArray) -> FloatArray:
        """The known thresholds, and each uncertain responder's alpha-type's."""
        demanded = threshold.copy()
        for responder, known in zip(responders, masses, strict=True):
            mask = uncertain[:, responder.actor]
            if mask.any():
                demand = responder.demand(alpha, rows_all, known)
                demanded[:, responder.actor] = np.where(mask, demand, demanded[:, responder.actor])
        return demanded

    def evaluate(alpha: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
        rows = rows_all
        package, feasible = solve(demands(alpha))
        utility = utilities(package, position, salience, linear_rows)
        probability = np.ones(rows.size)
        for responder, known in zip(responders, masses, strict=True):
            mask = uncertain[rows, responder.actor]
            if mask.any():
                p_k = responder.probability(utility[:, responder.actor], rows, known)
                probability = np.where(mask, probability * p_k, probability)
        gain = utility[np.arange(rows.size), proposer[rows]] - failed_round_value[rows]
        value = np.where(feasible, probability * gain, -np.inf)
        return value, probability, feasible, package

    low, high = np.zeros(n), np.ones(n)
    left = high - _INVERSE_GOLDEN * (high - low)
    right = low + _INVERSE_GOLDEN * (high - low)
    f_left = evaluate(left)[0]
    f_right = evaluate(right)[0]
    for _ in range(GOLDEN_ITERATIONS):
        # Ties (both -inf: both points infeasible) move the bracket towards alpha = 0.
        keep_left = f_left >= f_right
        high = np.where(keep_left, right, high)
        low = np.where(keep_left, low, left)
        new_left = np.where(keep_left, high - _INVERSE_GOLDEN * (high - low), right)
        new_right = np.where(keep_left, left, low + _INVERSE_GOLDEN * (high - low))
        probe = np.where(keep_left, new_left, new_right)
        f_probe = evaluate(probe)[0]
        f_left, f_right = (
            np.where(keep_left, f_probe, f_right),
            np.where(keep_left, f_left, f_probe),
        )
        left, right = new_left, new_right
    best = 0.5 * (low + high)
    value, probability, feasible, package = evaluate(best)
    certain_value, certain_p, certain_ok, certain_package = evaluate(np.ones(n))
    take_certain = certain_value >= value
    alpha = np.where(take_certain, 1.0, best)
    value = np.where(take_certain, certain_value, value)
    probability = np.where(take_certain, certain_p, probability)
    # An offer nobody the proposer believes in would accept is no offer.
    made = np.isfinite(value) & np.where(take_certain, certain_ok, feasible) & (probability > 0)
    return RiskyOffers(
        package=np.where(take_certain[:, None], certain_package, package),
        feasible=made,
        probability=probability,
        alpha=alpha,
        demanded=demands(alpha),
    )
