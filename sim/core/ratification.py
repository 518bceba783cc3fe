"""Ratification at home: the second level of Putnam's (1988) two-level game.

A signed package x takes effect only if every domestic ratifier r approves it.  Ratifier r (a
parliament, a referendum, the US Congress, one EU member under unanimity) belongs to one actor and
has its own spatial utility U_r over the issues it cares about (:mod:`sim.core.utility`); it
approves with probability

    P_r(x) = sigma((U_r(x) - theta_r) / s_r),      sigma(z) = 1 / (1 + exp(-z)),

a step 1[U_r(x) >= theta_r] when the spread s_r is 0.  Approvals are independent given x, so the
package is ratified with probability P(x) = prod_r P_r(x), and each world draws each ratifier's
verdict from the counter-based RNG (purpose RATIFICATION, lane r).  Signing x is then worth
EV_i(x) = P(x) U_i(x) + (1 - P(x)) w_i to actor i, w_i its value of a rejected deal; how the
table anticipates this is :mod:`sim.core.anticipation`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim import elementary
from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.logistic_kernel import compiled_approvals
from sim.core.rng import Purpose, uniforms
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

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
    anticipated: int = 0  # the last bodies only the table anticipates (never draw a verdict)

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

    def real(self) -> Ratifiers:
        """The bodies that draw verdicts: all but the last ``anticipated`` ones
        (:mod:`sim.core.anticipated_reneging`)."""
        if not self.anticipated:
            return self
        size = self.size - self.anticipated
        return Ratifiers(
            names=self.names[:size],
            actor=self.actor[:size],
            position=self.position[:size],
            salience=self.salience[:size],
            linear=self.linear[:size],
            threshold=self.threshold[..., :size],
            spread=self.spread[:size],
            resume=self.resume,
        )

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
    utility = utilities(package, position, salience, linear)
    compiled = compiled_approvals(utility, ratifiers.threshold, ratifiers.spread)
    if compiled is not None:  # sim.core.logistic_kernel: the same bits
        return compiled
    return logistic(utility - ratifiers.threshold, ratifiers.spread)


def ratification_probability(ratifiers: Ratifiers, package: FloatArray) -> FloatArray:
    """P(x) = prod_r P_r(x): the probability that each world's package is ratified, (N,)."""
    result: FloatArray = np.prod(approval_probabilities(ratifiers, package), axis=1)
    return result


def verdicts(
    ratifiers: Ratifiers,
    package: FloatArray,
    seed: int,
    worlds: IntArray,
    round_: int,
    approvals: FloatArray | None = None,
) -> tuple[BoolArray, BoolArray]:
    """Each world's draw: whether the package is ratified (N,) and which bodies rejected (N, R)
    (``approvals``: :func:`approval_probabilities` of the packages if already known).  Only the
    real bodies vote (:meth:`Ratifiers.real`): ``rejected`` has one column per real body."""
    if ratifiers.anticipated:
        ratifiers = ratifiers.real()
        approvals = None if approvals is None else approvals[:, : ratifiers.size]
    draw = uniforms(seed, worlds, round_, Purpose.RATIFICATION, ratifiers.size)
    if approvals is None:
        approvals = approval_probabilities(ratifiers, package)
    rejected: BoolArray = draw >= approvals
    ratified: BoolArray = ~reduce_short(np.logical_or, rejected, 1)
    return ratified, rejected


def expected_values(p: FloatArray, utility: FloatArray, fallback: FloatArray) -> FloatArray:
    """EV_i(x) = P(x) U_i(x) + (1 - P(x)) w_i, (N, A): what signing x is worth to each actor."""
    result: FloatArray = p[:, None] * utility + (1.0 - p[:, None]) * fallback
    return result


def may_reject(ratifiers: Ratifiers) -> BoolArray:
    """Whether some ratifier can reject some package of [0, 1]^K (P_r < ``SURE`` at its worst
    package): (n,) per world with per-world thresholds, else a single value (shape ()).  A world
    whose ratifiers never can plays the same game as one without them."""
    reach = np.maximum(ratifiers.position, 1.0 - ratifiers.position)
    loss = np.where(ratifiers.linear[:, None], reach, reach * reach)
    worst = 1.0 - (ratifiers.salience * loss).sum(axis=1)
    sure = logistic(worst - ratifiers.threshold, ratifiers.spread) >= SURE
    result: BoolArray = np.asarray(~sure.all(axis=-1))
    return result


def logistic(margin: FloatArray, spread: FloatArray) -> FloatArray:
    """sigma(margin / spread), a step at 0 where the spread is 0."""
    sharp = spread <= 0
    scale = np.where(sharp, 1.0, spread)
    with np.errstate(over="ignore"):
        smooth = 1.0 / (1.0 + elementary.exp(-margin / scale))
    result: FloatArray = np.where(sharp, (margin >= 0).astype(np.float64), smooth)
    return result
