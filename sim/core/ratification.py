"""Ratification at home: the second level of Putnam's (1988) two-level game.

A signed package x takes effect only if every domestic ratifier r approves it.  Ratifier r (a
parliament, a referendum, the US Congress, one EU member under unanimity) belongs to one actor and
has its own spatial utility U_r over the issues it cares about (:mod:`sim.core.utility`); it
approves with probability

    P_r(x) = sigma((U_r(x) - theta_r) / s_r),      sigma(z) = 1 / (1 + exp(-z)),

a step 1[U_r(x) >= theta_r] when the spread s_r is 0.  Approvals are independent given x, so the
package is ratified with probability P(x) = prod_r P_r(x), and each world draws each ratifier's
verdict from the counter-based RNG (purpose RATIFICATION, lane r).

Negotiators anticipate it (Putnam's win-sets; Schelling 1960's paradox of weakness).  Signing x
is worth EV_i(x) = P(x) U_i(x) + (1 - P(x)) w_i to actor i, w_i its value of a rejected deal (its
no-deal value when a rejection ends the talks, its threshold -- the value of going on -- when they
resume): every actor signs iff EV_i(x) reaches its threshold, and the proposer maximises its own
EV.  Its package ``x0`` without ratification meets every veto player's threshold in utility; the
feasible set is convex (concave utilities), so every package on the segment from ``x0`` to
``x1``, the best package for the ratifiers at risk within the same thresholds (a second solve,
with the ratifiers' composite utility as the objective), meets them too.  The proposer picks the
best point of that segment that everybody signs, on a grid of ``SEGMENT_POINTS`` refined once
around the best; where no point is signed there is no offer that round.  A ratifier who may say
no thus makes its own negotiator harder to satisfy and the others offer more: the terms move its
way (Schelling's "power of a negotiator to bind himself").  Where every ratifier surely approves
``x0`` nothing changes, so a ratifier that always approves leaves the model as it was, bit for
bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.rng import Purpose, uniforms
from sim.core.solver import solve_offers
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

SEGMENT_POINTS = 9
"""Grid points on the segment from the proposer's package to the ratifiers' best (refined once)."""

GRID_BLOCK = 4096
"""Worlds searched at once on the segment grid (bounds the (worlds, points, actors, issues) arrays)."""

SURE = 1.0 - 1e-12
"""An approval probability at least this is treated as certain (no anticipation needed)."""


@dataclass(frozen=True)
class Ratifiers:
    """Every ratifier of a scenario as arrays: R bodies over K issues (thresholds shared, or
    one row per world once :meth:`for_worlds` has set them: a sweep may sample them)."""

    names: tuple[str, ...]
    actor: IntArray  # (R,) index of the actor each ratifies for
    position: FloatArray  # (R, K)
    salience: FloatArray  # (R, K), zero on issues a body ignores
    linear: BoolArray  # (R,)
    threshold: FloatArray  # (R,), or (n, R) per world
    spread: FloatArray  # (R,)
    resume: bool  # a rejection lets the talks go on (else they end `not-ratified`)

    @classmethod
    def of(cls, scenario: Scenario) -> Ratifiers | None:
        """The scenario's ratifiers, or None when it has none."""
        section = scenario.ratification
        if section is None or not section.ratifiers:
            return None
        issues, actors = list(scenario.issues), list(scenario.actors)
        bodies = list(section.ratifiers.values())
        return cls(
            names=tuple(section.ratifiers),
            actor=np.array([actors.index(b.actor) for b in bodies], dtype=np.int64),
            position=np.array([[b.position.get(k, 0.0) for k in issues] for b in bodies]),
            salience=np.array([[b.salience.get(k, 0.0) for k in issues] for b in bodies]),
            linear=np.array([b.utility == "linear" for b in bodies], dtype=bool),
            threshold=np.array([b.threshold for b in bodies], dtype=np.float64),
            spread=np.array([b.spread for b in bodies], dtype=np.float64),
            resume=section.on_rejection == "resume",
        )

    @property
    def size(self) -> int:
        """The number of ratifiers R."""
        return int(self.actor.size)

    def for_worlds(self, threshold: FloatArray) -> Ratifiers:
        """The same bodies with each world's thresholds ``threshold`` (n, R)."""
        return replace(self, threshold=threshold)

    def take(self, rows: IntArray | slice) -> Ratifiers:
        """The ratifiers of some worlds (the same bodies when the thresholds are shared)."""
        if self.threshold.ndim == 1:
            return self
        return replace(self, threshold=self.threshold[rows])


def approval_probabilities(ratifiers: Ratifiers, package: FloatArray) -> FloatArray:
    """Each ratifier's probability of approving each world's package, (N, R)."""
    n = package.shape[0]
    position = np.broadcast_to(ratifiers.position, (n, *ratifiers.position.shape))
    salience = np.broadcast_to(ratifiers.salience, (n, *ratifiers.salience.shape))
    linear = np.broadcast_to(ratifiers.linear, (n, ratifiers.size))
    margin = utilities(package, position, salience, linear) - ratifiers.threshold
    return _logistic(margin, ratifiers.spread)


def ratification_probability(ratifiers: Ratifiers, package: FloatArray) -> FloatArray:
    """P(x) = prod_r P_r(x): the probability that each world's package is ratified, (N,)."""
    result: FloatArray = np.prod(approval_probabilities(ratifiers, package), axis=1)
    return result


def verdicts(
    ratifiers: Ratifiers, package: FloatArray, seed: int, worlds: IntArray, round_: int
) -> tuple[BoolArray, BoolArray]:
    """Each world's draw: whether the package is ratified (N,) and which bodies rejected (N, R)."""
    draw = uniforms(seed, worlds, round_, Purpose.RATIFICATION, ratifiers.size)
    rejected: BoolArray = draw >= approval_probabilities(ratifiers, package)
    ratified: BoolArray = ~reduce_short(np.logical_or, rejected, 1)
    return ratified, rejected


def expected_values(p: FloatArray, utility: FloatArray, fallback: FloatArray) -> FloatArray:
    """EV_i(x) = P(x) U_i(x) + (1 - P(x)) w_i, (N, A): what signing x is worth to each actor."""
    result: FloatArray = p[:, None] * utility + (1.0 - p[:, None]) * fallback
    return result


Solve = Callable[[IntArray, FloatArray], tuple[FloatArray, BoolArray]]
"""The table's own solver: (rows, thresholds (n, A)) -> the proposers' packages and feasibility."""

ADJUSTMENTS = 1
"""Fixed-point steps that raise the thresholds to compensate for the risk of rejection."""


@dataclass(frozen=True)
class Table:
    """The negotiators of N worlds as the anticipating proposer sees them."""

    position: FloatArray  # (N, A, K)
    salience: FloatArray  # (N, A, K)
    linear: BoolArray  # (A,)
    veto: BoolArray  # (A,)
    proposer: IntArray  # (N,)
    threshold: FloatArray  # (N, A)
    fallback: FloatArray  # (N, A) each actor's value of a rejected deal
    solve: Solve


def compensating_thresholds(
    threshold: FloatArray, fallback: FloatArray, p: FloatArray
) -> FloatArray:
    """The utility U_i that makes EV_i = p U_i + (1 - p) w_i reach theta_i: (theta - (1 - p) w) / p
    (2, beyond any utility, where p is 0)."""
    safe = np.maximum(p, 1e-12)[:, None]
    raised = (threshold - (1.0 - safe) * fallback) / safe
    result: FloatArray = np.where(p[:, None] > 1e-12, np.maximum(raised, threshold), 2.0)
    return result


def anticipate(
    ratifiers: Ratifiers, package: FloatArray, feasible: BoolArray, table: Table
) -> tuple[FloatArray, BoolArray]:
    """The proposer's package once everybody anticipates ratification (the module docstring).

    package (N, K) and feasible (N,): its offers without anticipation.  Returns the new packages
    (N, K) and whether each world's proposer has one that every veto player signs (N,).
    """
    result, possible = package.copy(), feasible.copy()
    probs = approval_probabilities(ratifiers, package)
    at_risk = feasible & reduce_short(np.logical_or, probs < SURE, 1)
    rows = np.flatnonzero(at_risk & (table.proposer >= 0))
    if rows.size == 0:
        return result, possible
    x0 = package[rows]
    ratifiers = ratifiers.take(rows)
    threshold, fallback = table.threshold[rows], table.fallback[rows]
    # Compensate the signers for the risk at the current package, and re-solve (a few times).
    start = x0
    for _ in range(ADJUSTMENTS):
        p = ratification_probability(ratifiers, start)
        raised, ok = table.solve(rows, compensating_thresholds(threshold, fallback, p))
        start = np.where(ok[:, None], raised, start)
    weight = 1.0 - approval_probabilities(ratifiers, start)  # (n, R): how much each is at risk
    target_position, target_salience = _composite(ratifiers, weight)
    n_actors = table.position.shape[1]
    # The ratifiers' composite as an extra actor A that proposes, with every veto player
    # (the real proposer included) held to its threshold.
    pos = np.concatenate([table.position[rows], target_position[:, None, :]], axis=1)
    sal = np.concatenate([table.salience[rows], target_salience[:, None, :]], axis=1)
    lin = np.append(table.linear, bool(ratifiers.linear.all()))
    theta = np.concatenate([threshold, np.ones((rows.size, 1))], axis=1)
    proposer = table.proposer[rows]
    x1 = _ratifiers_best(pos, sal, lin, np.append(table.veto, False), proposer, theta, n_actors)
    x1 = np.where(np.isfinite(x1[:, :1]), x1, start)
    segment = Segment(
        start,
        x1,
        table.position[rows],
        table.salience[rows],
        np.broadcast_to(table.linear, (rows.size, n_actors)),
        table.veto,
        proposer,
        threshold,
        fallback,
    )
    result[rows], possible[rows] = segment.best(ratifiers)
    return result, possible


def _composite(ratifiers: Ratifiers, weight: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The at-risk ratifiers' weighted composite: saliences (n, K) summing to 1, ideal points."""
    per_issue = weight[:, :, None] * ratifiers.salience[None, :, :]  # (n, R, K)
    total = per_issue.sum(axis=1)  # (n, K)
    mass = total.sum(axis=1, keepdims=True)
    salience = total / np.where(mass > 0, mass, 1.0)
    weighted = (per_issue * ratifiers.position[None, :, :]).sum(axis=1)
    position = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), 0.5)
    return position, salience


def _ratifiers_best(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    holders: BoolArray,
    proposer: IntArray,
    threshold: FloatArray,
    n_actors: int,
) -> FloatArray:
    """The composite's best package within every veto player's and the proposer's threshold;
    NaN rows where the solver finds none.  Worlds are grouped by which actor proposed."""
    n, _, n_issues = position.shape
    out = np.full((n, n_issues), np.nan)
    for j in np.unique(proposer):
        rows = np.flatnonzero(proposer == j)
        veto = holders.copy()
        veto[j] = True
        offers = solve_offers(
            position[rows],
            salience[rows],
            linear,
            veto,
            np.full(rows.size, n_actors, dtype=np.int64),
            threshold[rows],
        )
        ok = rows[offers.feasible]
        out[ok] = offers.package[offers.feasible]
    return out


@dataclass(frozen=True)
class Segment:
    """Packages x_t = x0 + t (x1 - x0), t in [-1, 1] (clipped to [0, 1]^K), in n worlds, and
    who must sign them."""

    x0: FloatArray
    x1: FloatArray
    position: FloatArray  # (n, A, K)
    salience: FloatArray
    linear: BoolArray  # (n, A)
    veto: BoolArray  # (A,)
    proposer: IntArray  # (n,)
    threshold: FloatArray  # (n, A)
    fallback: FloatArray  # (n, A)

    def evaluate(self, ratifiers: Ratifiers, t: FloatArray) -> tuple[FloatArray, BoolArray]:
        """The proposer's expected value of x_t for every t (n, G), and whether every veto
        player (and the proposer) signs it: EV_i(x_t) >= threshold_i.  Both (n, G)."""
        delta = self.x1 - self.x0
        utility = _line_utilities(self.x0, delta, t, self.position, self.salience, self.linear)
        approval = _line_utilities(
            self.x0, delta, t, ratifiers.position, ratifiers.salience, ratifiers.linear
        )
        theta = ratifiers.threshold
        margin = approval - (theta if theta.ndim == 1 else theta[:, None, :])
        p = np.prod(_logistic(margin, ratifiers.spread), axis=2)
        ev = p[:, :, None] * utility + (1.0 - p[:, :, None]) * self.fallback[:, None, :]
        needed = np.broadcast_to(self.veto, self.threshold.shape).copy()
        rows = np.arange(t.shape[0])
        needed[rows, self.proposer] = True
        short = (ev < self.threshold[:, None, :] - FEASIBILITY_TOLERANCE) & needed[:, None, :]
        ok: BoolArray = ~short.any(axis=2)
        value: FloatArray = ev[rows, :, self.proposer]
        return value, ok

    def best(self, ratifiers: Ratifiers) -> tuple[FloatArray, BoolArray]:
        """The best signable point on a grid of the segment, then on a finer grid around it
        (rows in blocks of ``GRID_BLOCK`` to bound memory)."""
        n = self.x0.shape[0]
        best_t = np.zeros(n)
        found = np.zeros(n, dtype=bool)
        for lo in range(0, n, GRID_BLOCK):
            block = slice(lo, lo + GRID_BLOCK)
            part, bodies = self.take(block), ratifiers.take(block)
            best_t[lo : lo + GRID_BLOCK], found[lo : lo + GRID_BLOCK] = part._search(bodies)
        return self.at(best_t), found

    def _search(self, ratifiers: Ratifiers) -> tuple[FloatArray, BoolArray]:
        n = self.x0.shape[0]
        start_value, start_ok = self.evaluate(ratifiers, np.zeros((n, 1)))
        best_value = np.where(start_ok[:, 0], start_value[:, 0], -np.inf)
        best_t, found = np.zeros(n), start_ok[:, 0].copy()
        low = self.lowest_t()
        unit = np.linspace(0.0, 1.0, SEGMENT_POINTS)
        coarse = low[:, None] + (1.0 - low)[:, None] * unit[None, :]
        step = (1.0 - low) / (SEGMENT_POINTS - 1)
        fine = np.linspace(-1.0, 1.0, SEGMENT_POINTS)
        for grid in (coarse, None):
            t = (
                np.clip(best_t[:, None] + step[:, None] * fine[None, :], low[:, None], 1.0)
                if grid is None
                else grid
            )
            value, ok = self.evaluate(ratifiers, t)
            value = np.where(ok, value, -np.inf)
            pick = np.argmax(value, axis=1)
            top = value[np.arange(n), pick]
            better = top > best_value + 1e-12
            best_value = np.where(better, top, best_value)
            best_t = np.where(better, t[np.arange(n), pick], best_t)
            found |= ok.any(axis=1)
        return best_t, found

    def lowest_t(self) -> FloatArray:
        """The most negative t in [-1, 0] with x_t still in [0, 1]^K (x_1 = x1 always is)."""
        delta = self.x1 - self.x0
        safe = np.where(delta == 0, 1.0, delta)
        bound = np.where(delta > 0, -self.x0 / safe, (1.0 - self.x0) / safe)
        bound = np.where(delta == 0, -np.inf, bound)
        result: FloatArray = np.maximum(bound.max(axis=1), -1.0)
        return np.minimum(result, 0.0)

    def take(self, rows: slice) -> Segment:
        """The segments of some worlds."""
        return Segment(
            self.x0[rows],
            self.x1[rows],
            self.position[rows],
            self.salience[rows],
            self.linear[rows],
            self.veto,
            self.proposer[rows],
            self.threshold[rows],
            self.fallback[rows],
        )

    def at(self, t: FloatArray) -> FloatArray:
        """The packages x_t, (n, K)."""
        result: FloatArray = np.clip(self.x0 + t[:, None] * (self.x1 - self.x0), 0.0, 1.0)
        return result


def _line_utilities(
    x0: FloatArray,
    delta: FloatArray,
    t: FloatArray,
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
) -> FloatArray:
    """Utilities (n, G, M) of the packages x0 + t delta (t (n, G), inside [0, 1]^K) for M actors:
    position, salience (n, M, K) per world or (M, K) shared; linear (n, M) or (M,).  Quadratic
    utilities are quadratic in t, U = c0 + c1 t + c2 t^2, so the grid costs O(n G M); linear ones
    are summed issue by issue (:mod:`sim.core.utility`'s formula either way)."""
    if position.ndim == 2:
        position, salience, linear = position[None], salience[None], linear[None]
    if not linear.any():
        gap = x0[:, None, :] - position  # (n, M, K)
        step = delta[:, None, :]
        c0 = 1.0 - np.einsum("nmk,nmk->nm", np.broadcast_to(salience, gap.shape), gap * gap)
        c1 = -2.0 * np.einsum("nmk,nmk->nm", np.broadcast_to(salience, gap.shape), gap * step)
        c2 = -np.einsum("nmk,nk->nm", np.broadcast_to(salience, gap.shape), delta * delta)
        tt = t[:, :, None]
        result: FloatArray = c0[:, None, :] + tt * (c1[:, None, :] + tt * c2[:, None, :])
        return result
    lin = linear[:, None, :]
    loss = np.zeros((t.shape[0], t.shape[1], position.shape[1]))
    for k in range(x0.shape[1]):
        x = x0[:, None, k] + t * delta[:, None, k]  # (n, G)
        distance = x[:, :, None] - position[:, None, :, k]
        loss += salience[:, None, :, k] * np.where(lin, np.abs(distance), distance * distance)
    result = 1.0 - loss
    return result


def _logistic(margin: FloatArray, spread: FloatArray) -> FloatArray:
    """sigma(margin / spread), a step at 0 where the spread is 0."""
    sharp = spread <= 0
    scale = np.where(sharp, 1.0, spread)
    with np.errstate(over="ignore"):
        smooth = 1.0 / (1.0 + np.exp(-margin / scale))
    result: FloatArray = np.where(sharp, (margin >= 0).astype(np.float64), smooth)
    return result
