"""Beliefs about private no-deal values, kept as truncation bounds and updated by Bayes' rule.

An actor's private value v (its war cost, or its explicit reservation utility) is known to it
alone; the others share a belief, a distribution F (the common prior).  Every acceptance
threshold is monotone in v, so a response to an offer reveals on which side of a cut v lies: a
responder with a private *reservation* accepts iff v <= cut, one with a private *war cost*
accepts iff v >= cut (a higher cost makes war worse, and a deal easier).  Offers and responses are
public, so everyone's posterior is the prior truncated to the values consistent with every
response seen so far (Bayes' rule with a deterministic likelihood; Fudenberg & Tirole 1991,
"Game Theory", ch. 8 on screening).  The state is two arrays per private actor, the bounds of that
set: (lo, hi] for a reservation, [lo, hi) for a war cost.

A misperceived truth may lie where the belief puts no mass; a response can then contradict the
belief (the consistent set has prior probability 0).  The others then fall back to ignorance
about what is left: a uniform belief on the consistent bounds [lo, hi], which contain the truth
and keep shrinking with later responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.arrays import BoolArray, FloatArray
from sim.distributions.inversion import Distribution

REFUTED_MASS = 1e-12
"""A consistent set with less prior probability than this contradicts the belief."""

Masses = tuple[FloatArray, FloatArray]
"""Prior masses below a consistent set's lower and upper bounds."""

PrivateField = Literal["war_cost", "reservation"]
PRIVATE_FIELDS: tuple[PrivateField, ...] = ("war_cost", "reservation")
VALID_RANGE: dict[PrivateField, tuple[float, float]] = {
    "war_cost": (0.0, 1.0),
    "reservation": (-1.0, 1.0),
}
"""The values each private field may take (the scenario schema's ranges)."""


@dataclass(frozen=True)
class Belief:
    """What the others believe about one actor's private value."""

    field: PrivateField
    distribution: Distribution

    @property
    def accepts_above(self) -> bool:
        """True if the actor accepts when its value is at least the cut (a war cost)."""
        return self.field == "war_cost"

    @property
    def bounds(self) -> tuple[float, float]:
        """The initial consistent set: the field's valid range."""
        return VALID_RANGE[self.field]

    def _mass_below(self, x: FloatArray) -> FloatArray:
        """Prior mass of values below x, on the side of x the bounds exclude."""
        return self.distribution.cdf(x, strict=self.accepts_above)

    def masses_below(self, lo: FloatArray, hi: FloatArray) -> Masses:
        """The prior masses below lo and below hi (what a round's many cuts share)."""
        return self._mass_below(lo), self._mass_below(hi)

    def mass(self, lo: FloatArray, hi: FloatArray) -> FloatArray:
        """Prior probability of the consistent set between lo and hi."""
        result: FloatArray = self._mass_below(hi) - self._mass_below(lo)
        return result

    def refuted(self, lo: FloatArray, hi: FloatArray) -> BoolArray:
        """Worlds where the responses seen so far contradict the belief."""
        result: BoolArray = self.mass(lo, hi) <= REFUTED_MASS
        return result

    def acceptance_probability(
        self, lo: FloatArray, hi: FloatArray, cut: FloatArray, masses: Masses | None = None
    ) -> FloatArray:
        """P(the actor accepts | consistent set): P(v >= cut) for a war cost, else P(v <= cut).

        ``masses``: :meth:`masses_below` of (lo, hi) if already known.
        """
        x = np.clip(cut, lo, hi)
        below_lo, below_hi = self.masses_below(lo, hi) if masses is None else masses
        mass = below_hi - below_lo
        refuted = mass <= REFUTED_MASS
        safe = np.where(refuted, 1.0, mass)
        below = (self._mass_below(x) - below_lo) / safe  # P(v below x)
        width = hi - lo
        uniform_below = np.where(width > 0, (x - lo) / np.where(width > 0, width, 1.0), 0.0)
        if self.accepts_above:
            # A point (width 0) accepts iff it is at least the cut.
            uniform = np.where(width > 0, 1.0 - uniform_below, (lo >= cut).astype(np.float64))
            result = np.where(refuted, uniform, 1.0 - below)
        else:
            uniform = np.where(width > 0, uniform_below, (lo <= cut).astype(np.float64))
            uniform = np.where((width > 0) & (cut >= hi), 1.0, uniform)
            result = np.where(refuted, uniform, below)
        out: FloatArray = np.clip(result, 0.0, 1.0)
        return out

    def cut_for(
        self, lo: FloatArray, hi: FloatArray, alpha: FloatArray, masses: Masses | None = None
    ) -> FloatArray:
        """The cut at which the actor accepts with probability alpha given the consistent set.

        For a continuous belief P(accept | cut) = alpha exactly; for a discrete one the cut is
        the atom that makes P(accept) the smallest value >= alpha.  ``masses``: as for
        :meth:`acceptance_probability`.
        """
        below_lo, below_hi = self.masses_below(lo, hi) if masses is None else masses
        mass = below_hi - below_lo
        refuted = mass <= REFUTED_MASS
        dist = self.distribution
        if self.accepts_above:
            level = below_hi - alpha * mass
            if dist.discrete:
                atoms = np.asarray(dist.atoms)
                before = np.concatenate([[0.0], dist.cumulative[:-1]])  # P(V < atom)
                index = np.searchsorted(before, level + 1e-15, side="right") - 1
                believed = atoms[np.clip(index, 0, len(atoms) - 1)]
            else:
                believed = dist.quantile(level)
            uniform = hi - alpha * (hi - lo)
        else:
            level = below_lo + alpha * mass
            believed = dist.quantile(level - 1e-15 if dist.discrete else level)
            uniform = lo + alpha * (hi - lo)
        result: FloatArray = np.clip(np.where(refuted, uniform, believed), lo, hi)
        return result

    def update(
        self, lo: FloatArray, hi: FloatArray, cut: FloatArray, accepted: BoolArray
    ) -> tuple[FloatArray, FloatArray]:
        """Truncate the consistent set with a response to an offer whose cut was ``cut``."""
        raises_floor = accepted if self.accepts_above else ~accepted
        new_lo = np.where(raises_floor, np.maximum(lo, cut), lo)
        new_hi = np.where(raises_floor, hi, np.minimum(hi, cut))
        return new_lo, new_hi

    def known_value(self, lo: FloatArray, hi: FloatArray) -> FloatArray:
        """The value where the consistent set holds a single possible value, NaN elsewhere."""
        refuted = self.refuted(lo, hi)
        dist = self.distribution
        single = np.where(hi == lo, lo, np.nan)
        if dist.discrete:
            atoms = np.asarray(dist.atoms)
            if self.accepts_above:
                inside = (atoms[None, :] >= lo[:, None]) & (atoms[None, :] < hi[:, None])
            else:
                inside = (atoms[None, :] > lo[:, None]) & (atoms[None, :] <= hi[:, None])
            only = inside.sum(axis=1) == 1
            atom = atoms[np.argmax(inside, axis=1)]
            single = np.where(refuted, single, np.where(only, atom, np.nan))
        result: FloatArray = single
        return result

    def mean(self) -> float:
        """The prior mean: the value the public model of the game plugs in."""
        return self.distribution.mean()
