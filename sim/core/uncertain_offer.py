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
solver finds.  The objective F(alpha) = alpha * (h(alpha) - w) is unimodal when the belief is
log-concave (uniform, normal, beta with parameters >= 1, triangular, and their truncations) and
h concave, so the root of its first-order condition, found with the solver's multipliers
(envelope theorem; :mod:`sim.core.alpha_search`), is the optimum to solver precision; where the
multipliers are unknown (linear utilities) Brent's (1973) search finds it.  Both start where F's
flat stretch ends and are compared with alpha = 1 (certain acceptance).  Worlds where even the
smallest alpha (``ALPHA_FLOOR``) leaves no package meeting every threshold have no offer after
one solve.  With several uncertain responders Brent's search runs over a common alpha (each
offered the threshold of its own alpha-type, P = prod_k P_k), to ``COMMON_ALPHA_TOLERANCE``:
feasible but not always optimal (F need not be unimodal along the common alpha).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, take_rows
from sim.core.alpha_search import BRENT_SCALES, Trial, brent_steps, root_steps, side_by_side
from sim.core.beliefs import Belief, Masses
from sim.core.cost_clock import clock_cut, clock_threshold
from sim.core.offer_compiled import CompiledEvaluation
from sim.core.offer_kernel import rate_step
from sim.core.proposer_groups import ProposerGroups
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities

ALPHA_FLOOR = 1e-7
"""The least acceptance probability a proposer considers (below the searches' resolution): an offer
believed to succeed less often than this is no better than none."""

CERTAINTY_MARGIN = 1e-6
"""A risky offer must beat certain acceptance by more than this in F: below alpha = 1 a package
short of the top type's threshold by FEASIBILITY_TOLERANCE counts as accepted by every type and
looks better by the tolerance's worth (refused, it would leave a sliver of believed types)."""

Rows = IntArray | slice
"""Rows of a responder's arrays: positions, or a slice (views, no copies)."""


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
    the threshold map ``a``, ``s`` of its strategy this round -- or, for a concession player
    whose clock is its own private war cost, that clock's ``rate`` t / E and ``exponent``
    1 / beta (:mod:`sim.core.cost_clock`: the map is then not affine in b).
    """

    actor: int
    belief: Belief
    lo: FloatArray
    hi: FloatArray
    base: FloatArray
    a: FloatArray
    s: FloatArray
    rate: FloatArray | None = None
    exponent: FloatArray | None = None

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
            None if self.rate is None else self.rate[rows],
            None if self.exponent is None else self.exponent[rows],
        )

    def no_deal_value(self, value: FloatArray, rows: Rows) -> FloatArray:
        """b of the type with private value ``value``."""
        if self.belief.accepts_above:
            result: FloatArray = self.base[rows] - value
            return result
        return value

    def cut(self, utility: FloatArray, rows: Rows) -> FloatArray:
        """The private-value cut of an offer worth ``utility`` (acceptance within tolerance)."""
        tolerated = utility + FEASIBILITY_TOLERANCE
        b_star = highest_accepting_value(tolerated, self.a[rows], self.s[rows])
        if self.belief.accepts_above:
            base = self.base[rows]
            result: FloatArray = base - b_star
            if self.rate is not None and self.exponent is not None:
                clock = (base, self.rate[rows], self.exponent[rows])
                result = clock_cut(tolerated, *clock, otherwise=result)
            return result
        return b_star

    def demand(self, alpha: FloatArray, rows: Rows, masses: Masses | None = None) -> FloatArray:
        """The utility that makes this responder accept with probability alpha (``masses``:
        the belief's masses below the given rows' bounds, if already known)."""
        value = self.belief.cut_for(self.lo[rows], self.hi[rows], alpha, masses)
        affine = threshold_of(self.no_deal_value(value, rows), self.a[rows], self.s[rows])
        if self.rate is None or self.exponent is None:
            return affine
        clock = (self.base[rows], self.rate[rows], self.exponent[rows])
        return clock_threshold(value, *clock, otherwise=affine)

    def probability(
        self, utility: FloatArray, rows: Rows, masses: Masses | None = None
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


@dataclass
class _Problem:
    """One round's risky proposals: everything :func:`risky_offers` is given."""

    position: FloatArray
    salience: FloatArray
    linear: BoolArray
    proposer: IntArray
    threshold: FloatArray
    failed_round_value: FloatArray
    responders: Sequence[UncertainResponder]
    uncertain: BoolArray
    proposers: ProposerGroups

    def __post_init__(self) -> None:
        self.linear_rows = np.broadcast_to(self.linear, self.threshold.shape)
        # The bounds do not move within a round: their prior masses are computed once.
        self.masses = [r.belief.masses_below(r.lo, r.hi) for r in self.responders]
        self.marks = [np.ascontiguousarray(self.uncertain[:, r.actor]) for r in self.responders]
        self.compiled = CompiledEvaluation.of(self)

    def parts(self, rows: IntArray) -> list[IntArray | slice | None]:
        """Per responder, where in ``rows`` it is uncertain: nowhere (None), everywhere (a
        slice: views instead of gathers) or the positions."""
        found: list[IntArray | slice | None] = []
        for mark in self.marks:
            mask = mark[rows]
            part = slice(None) if mask.all() else np.flatnonzero(mask)
            found.append(None if isinstance(part, np.ndarray) and part.size == 0 else part)
        return found

    def demands(self, alpha: FloatArray, rows: IntArray) -> FloatArray:
        """The known thresholds, and each uncertain responder's alpha-type's."""
        demanded = self.threshold[rows]
        for responder, (below_lo, below_hi), part in zip(
            self.responders, self.masses, self.parts(rows), strict=True
        ):
            if part is not None:
                at = rows[part]
                known = (below_lo[at], below_hi[at])
                demanded[part, responder.actor] = responder.demand(alpha[part], at, known)
        return demanded

    def weakest(self, package: FloatArray, rows: IntArray) -> FloatArray:
        """The least probability that any one responder uncertain in a world of ``rows``
        accepts its ``package`` (1 where none is uncertain)."""
        utility = utilities(
            package,
            take_rows(self.position, rows),
            take_rows(self.salience, rows),
            take_rows(self.linear_rows, rows),
        )
        least = np.ones(rows.size)
        for responder, (below_lo, below_hi), part in zip(
            self.responders, self.masses, self.parts(rows), strict=True
        ):
            if part is not None:
                at = rows[part]
                known = (below_lo[at], below_hi[at])
                accepts = responder.probability(utility[part, responder.actor], at, known)
                least[part] = np.minimum(least[part], accepts)
        return least

    def evaluate(self, alpha: FloatArray, rows: IntArray, wanted: bool | BoolArray) -> Trial:
        """Solve at ``alpha`` in ``rows``: F, P, the package and (where ``wanted``) the
        first-order signal K (H - w) - alpha sum_k lambda_k d_k'(alpha) (NaN elsewhere;
        :mod:`sim.core.alpha_search`); by the compiled loops where they cover the round
        (:mod:`sim.core.offer_compiled`)."""
        if self.compiled is not None:
            return self.compiled.evaluate(alpha, rows, wanted)
        signal = bool(np.any(wanted))
        demanded = take_rows(self.threshold, rows)
        parts = self.parts(rows)
        # Each responder's rows taken once; with the signal its demands at alpha and at
        # alpha +- its step (for d'(alpha)) in one call, on three copies of its rows.
        taken: list[tuple[UncertainResponder, Masses, FloatArray] | None] = []
        for responder, (below_lo, below_hi), part in zip(
            self.responders, self.masses, parts, strict=True
        ):
            if part is None:
                taken.append(None)
                continue
            at, level = rows[part], alpha[part]
            size = at.size
            if signal:
                step = rate_step(level)
                up, down = np.minimum(level + step, 1.0), np.maximum(level - step, 0.0)
                at, level = np.concatenate([at, at, at]), np.concatenate([level, up, down])
            mine, known = responder.take(at), (below_lo[at], below_hi[at])
            demand = mine.demand(level, slice(None), known)
            demanded[part, responder.actor] = demand[:size]
            rate = demand  # d'(alpha): a central difference, one-sided at 0 and 1
            if signal:
                rate = (demand[size : 2 * size] - demand[2 * size :]) / (up - down)
            taken.append((mine, (known[0][:size], known[1][:size]), rate))
        package, solved, multiplier = self.proposers.solve(demanded, rows)
        utility = utilities(
            package,
            take_rows(self.position, rows),
            take_rows(self.salience, rows),
            take_rows(self.linear_rows, rows),
        )
        proposer = self.proposer[rows]
        own = utility[np.arange(rows.size), proposer]
        # How far the package clears the proposer's own threshold (within the tolerance).
        margin = own - self.threshold[rows, proposer] + FEASIBILITY_TOLERANCE
        feasible = solved & (margin >= 0.0)
        probability = np.ones(rows.size)
        slope, binding, informed = np.zeros(rows.size), np.zeros(rows.size), np.ones(rows.size)
        # A responder whose constraint is slack but who might refuse (0 < P_k < 1) moves F
        # through its own utility, which the multipliers do not give: no signal there.
        loose = np.zeros(rows.size, dtype=bool)
        speed = np.zeros(rows.size)  # sum_k d_k'(alpha)
        for responder, part, entry in zip(self.responders, parts, taken, strict=True):
            if part is None or entry is None:
                continue
            mine, known, rate = entry
            k = responder.actor
            first_copy = slice(0, known[0].size)
            p_k = mine.probability(utility[part, k], first_copy, known)
            probability[part] *= p_k
            if signal:  # the other rows add nothing (slope and speed are never -0.0)
                lam = multiplier[part, k]
                slope[part] += lam * rate
                speed[part] += rate
                binding[part] += lam > 0.0
                loose[part] |= (lam <= 0.0) & (p_k < 1.0)
                informed[part] = np.where(np.isnan(lam), np.nan, informed[part])
        gain = own - self.failed_round_value[rows]
        value = np.where(feasible, probability * gain, -np.inf)
        if not signal:
            return Trial(alpha, value, probability, feasible, package, np.full(rows.size, np.nan))
        # The root of min(first-order signal, margin): the optimum, or where raising alpha
        # would leave the proposer below its own threshold, whichever comes first.  Divided by
        # alpha sum_k d_k' > 0 (same sign): in the demand's units the signal stays finite where
        # d' grows without bound (alpha -> 1 in a belief's tail).
        first = np.maximum(binding, 1.0) * gain - alpha * slope
        scale = alpha * speed
        first = np.where(scale > 0.0, first / np.where(scale > 0.0, scale, 1.0), first)
        informed = np.where(loose & (binding > 0), np.nan, informed)
        first = informed * np.where(solved, np.minimum(first, margin), -np.inf)
        first = first if isinstance(wanted, bool) else np.where(wanted, first, np.nan)
        return Trial(alpha, value, probability, feasible, package, first)


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
    problem = _Problem(
        position,
        salience,
        linear,
        proposer,
        threshold,
        failed_round_value,
        responders,
        uncertain,
        ProposerGroups(position, salience, linear, veto, proposer),
    )
    evaluate = problem.evaluate
    everywhere = np.arange(n)
    # The smallest alpha asks the least of every uncertain responder: where even that cannot be
    # met (or the proposer's own threshold not kept), no alpha can, and there is no offer.
    result = evaluate(np.full(n, ALPHA_FLOOR), everywhere, True)
    live = np.flatnonzero(result.feasible)
    low = result.take(live)
    result.alpha[:] = 1.0  # where there is no offer, as if certain acceptance were asked
    certain = evaluate(np.ones(live.size), live, True)
    best = certain.copy()
    # By unimodality: s(floor) <= 0, the floor is best; s(1) >= 0, certain acceptance; else the
    # root is inside.  Several uncertain responders or unknown multipliers: Brent's search.
    single = uncertain[live].sum(axis=1) == 1
    informed = single & ~np.isnan(low.signal) & ~np.isnan(certain.signal)
    floor = np.flatnonzero(informed & (low.signal <= 0.0))
    best.put(floor, low.take(floor))
    inside = np.flatnonzero(informed & (low.signal > 0.0) & (certain.signal < 0.0))
    # Both searches start where F's flat stretch ends (inside it a search would read a tie and
    # lose an interior optimum): up to alpha = min_k P_k(x_f), x_f the floor's ("free") package,
    # every alpha-type's threshold d_k(alpha) <= d_k(P_k(x_f)) <= U_k(x_f), so x_f meets them all
    # and no package does better (the solver's optimum unique).  One responder: P(x_f) itself.
    start = np.maximum(low.alpha, low.probability * (1.0 - 1e-9))
    several = np.flatnonzero(~single)
    if several.size:
        weakest = problem.weakest(low.package[several], live[several])
        start[several] = np.maximum(low.alpha[several], weakest * (1.0 - 1e-9))
    # The root's worlds and Brent's side by side (one solve call a step for all); Brent's
    # exact with one uncertain responder, to COMMON_ALPHA_TOLERANCE with several.
    others = np.flatnonzero(~informed & single), several
    searches, groups = [], []
    if inside.size:
        bracket = low.take(inside)
        bracket.alpha[:] = start[inside]
        searches.append(root_steps(live[inside], bracket, certain.take(inside)))
    for group, (relative, ends) in zip(others, BRENT_SCALES, strict=True):
        if group.size:
            searches.append(brent_steps(live[group], start[group], relative, ends))
            groups.append(group)
    results = side_by_side(evaluate, searches)
    for group, found in zip(groups, results[len(results) - len(groups) :], strict=True):
        best.put(group, found)
    if inside.size:
        found, done = results[0]
        best.put(inside[done], found.take(np.flatnonzero(done)))
        failed = inside[~done]  # unconverged: Brent's search
        if failed.size:
            steps = brent_steps(live[failed], start[failed])
            best.put(failed, side_by_side(evaluate, [steps])[0])
    # Certain acceptance wherever it does as well (within CERTAINTY_MARGIN).
    take_certain = np.flatnonzero(certain.value >= best.value - CERTAINTY_MARGIN)
    best.put(take_certain, certain.take(take_certain))
    # The floor's package is a feasible offer too: kept where the search found nothing better
    # (Brent's probes can all miss a sliver of feasible alphas above the floor).
    take_floor = np.flatnonzero(low.value > best.value)
    best.put(take_floor, low.take(take_floor))
    result.put(live, best)
    # An offer nobody the proposer believes in would accept is no offer.
    made = np.isfinite(result.value) & result.feasible & (result.probability > 0)
    demanded = problem.demands(result.alpha, everywhere)
    return RiskyOffers(result.package, made, result.probability, result.alpha, demanded)
