"""One-dimensional distributions as vectorised CDFs and inverse CDFs (quantiles).

The kinds an experiment's priors and a scenario's beliefs about private values name: uniform,
normal truncated to a field's valid range, beta (mean and concentration), triangular and discrete
choice.  A :class:`Distribution` is built once from a prior (``sim.experiment.priors``) and the
valid range of the field it describes, and evaluates ``cdf`` and ``quantile`` elementwise on
arrays of any shape (Devroye 1986, "Non-Uniform Random Variate Generation", ch. 2, for the
inversion method; the truncated normal is inverted in whichever tail keeps precision).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from sim import elementary
from sim.arrays import FloatArray
from sim.distributions.priors import Beta, Choice, Normal, PriorModel, Triangular, Uniform


@dataclass(frozen=True)
class Distribution:
    """A distribution on [low, high] (its support inside the field's valid range).

    ``kind`` is one of uniform, normal, beta, triangular, choice; ``params`` its numbers:
    uniform (low, high); normal (mean, sd) truncated to [low, high]; beta (alpha, beta);
    triangular (low, mode, high); choice: ``atoms`` (sorted values) and ``cumulative``
    (their cumulative probabilities, the last 1).
    """

    kind: str
    low: float
    high: float
    params: tuple[float, ...] = ()
    atoms: tuple[float, ...] = ()
    cumulative: tuple[float, ...] = ()

    @property
    def discrete(self) -> bool:
        """True for a discrete choice among values."""
        return self.kind == "choice"

    @property
    def point(self) -> float | None:
        """The value if the distribution is a single point, else None."""
        if self.discrete and len(self.atoms) == 1:
            return self.atoms[0]
        return None

    def mean(self) -> float:
        """The expected value."""
        if self.kind == "uniform":
            return 0.5 * (self.params[0] + self.params[1])
        if self.kind == "triangular":
            return sum(self.params) / 3.0
        if self.kind == "beta":
            a, b = self.params
            return a / (a + b)
        if self.kind == "normal":
            mean, sd = self.params
            lo, hi = (self.low - mean) / sd, (self.high - mean) / sd
            mass = _ndtr(hi) - _ndtr(lo)
            density = elementary.exp(-0.5 * lo * lo) - elementary.exp(-0.5 * hi * hi)
            return float(mean + sd * density / (np.sqrt(2.0 * np.pi) * mass))
        probability = np.diff(np.concatenate([[0.0], self.cumulative]))
        return float(np.dot(probability, self.atoms))

    def cdf(self, x: FloatArray | float, *, strict: bool = False) -> FloatArray:
        """P(V <= x), or P(V < x) with ``strict`` (they differ only for a discrete choice)."""
        x = np.asarray(x, dtype=np.float64)
        if self.kind == "uniform":
            lo, hi = self.params
            result = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
        elif self.kind == "normal":
            mean, sd = self.params
            p_lo, p_hi = _ndtr((self.low - mean) / sd), _ndtr((self.high - mean) / sd)
            result = np.clip((special.ndtr((x - mean) / sd) - p_lo) / (p_hi - p_lo), 0.0, 1.0)
        elif self.kind == "beta":
            a, b = self.params
            result = special.betainc(a, b, np.clip(x, 0.0, 1.0))
        elif self.kind == "triangular":
            lo, mode, hi = self.params
            y = np.clip(x, lo, hi)
            left = (y - lo) ** 2 / ((hi - lo) * (mode - lo)) if mode > lo else np.zeros_like(y)
            right = (
                1.0 - (hi - y) ** 2 / ((hi - lo) * (hi - mode)) if hi > mode else np.ones_like(y)
            )
            result = np.where(y < mode, left, right)
        else:
            atoms = np.asarray(self.atoms)
            cumulative = np.concatenate([[0.0], self.cumulative])
            index = np.searchsorted(atoms, x, side="left" if strict else "right")
            result = cumulative[index]
        out: FloatArray = np.asarray(result, dtype=np.float64)
        return out

    def quantile(self, p: FloatArray | float) -> FloatArray:
        """The smallest v with P(V <= v) >= p, for p in [0, 1]."""
        p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
        if self.kind == "uniform":
            lo, hi = self.params
            result = lo + p * (hi - lo)
        elif self.kind == "normal":
            mean, sd = self.params
            result = truncated_normal_quantile(np.asarray(mean), sd, self.low, self.high, p)
        elif self.kind == "beta":
            a, b = self.params
            result = special.betaincinv(a, b, p)
        elif self.kind == "triangular":
            lo, mode, hi = self.params
            result = triangular_quantile(lo, mode, hi, p)
        else:
            atoms = np.asarray(self.atoms)
            index = np.searchsorted(np.asarray(self.cumulative), p, side="left")
            result = atoms[np.minimum(index, len(atoms) - 1)]
        out: FloatArray = np.clip(np.asarray(result, dtype=np.float64), self.low, self.high)
        return out


def _ndtr(z: float) -> float:
    return float(special.ndtr(z))


def distribution_of(
    prior: PriorModel, valid_low: float, valid_high: float, centre: float | None
) -> Distribution:
    """The distribution a prior describes on a field with valid range [valid_low, valid_high].

    ``centre`` is the field's scenario value, the mean of a normal or beta prior that gives none.
    A Dirichlet (a whole salience table) has no one-dimensional distribution.
    """
    if isinstance(prior, Uniform):
        return Distribution("uniform", prior.low, prior.high, (prior.low, prior.high))
    if isinstance(prior, Triangular):
        return Distribution(
            "triangular", prior.low, prior.high, (prior.low, prior.mode, prior.high)
        )
    if isinstance(prior, Normal | Beta):
        mean = prior.mean if prior.mean is not None else centre
        if mean is None:
            raise ValueError(f"{prior.dist}: no mean and no scenario value to centre on")
        if isinstance(prior, Normal):
            return Distribution("normal", valid_low, valid_high, (float(mean), prior.sd))
        c = prior.concentration
        return Distribution("beta", 0.0, 1.0, (mean * c, (1.0 - mean) * c))
    if isinstance(prior, Choice):
        return choice_distribution(prior.values, prior.weights)
    raise ValueError(f"no one-dimensional distribution of kind '{prior.dist}'")


def choice_distribution(values: Sequence[float], weights: Sequence[float] | None) -> Distribution:
    """A discrete choice among ``values`` with (unnormalised) ``weights``; equal values merge."""
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=np.float64)
    atoms, inverse = np.unique(np.asarray(values, dtype=np.float64), return_inverse=True)
    mass = np.bincount(inverse, weights=w, minlength=len(atoms))
    keep = mass > 0
    atoms, mass = atoms[keep], mass[keep]
    cumulative = np.cumsum(mass) / mass.sum()
    cumulative[-1] = 1.0
    return Distribution(
        "choice",
        float(atoms[0]),
        float(atoms[-1]),
        atoms=tuple(float(a) for a in atoms),
        cumulative=tuple(float(c) for c in cumulative),
    )


# ---------------------------------------------------------------------------------------------
# Inverse CDFs shared with the experiment sampler.


def triangular_quantile(low: float, mode: float, high: float, u: FloatArray) -> FloatArray:
    """Inverse CDF of the triangular distribution on [low, high] with the given mode."""
    span = high - low
    split = (mode - low) / span
    left = low + np.sqrt(u * span * (mode - low))
    right = high - np.sqrt((1.0 - u) * span * (high - mode))
    result: FloatArray = np.where(u < split, left, right)
    return result


def truncated_normal_quantile(
    mean: FloatArray, sd: float, low: float, high: float, u: FloatArray
) -> FloatArray:
    """Inverse CDF of N(mean, sd) truncated to [low, high] (``mean`` broadcasts against ``u``).

    Works in whichever tail keeps precision: for an interval above the mean it inverts the
    mirrored interval below (where the normal CDF is accurate) and reflects.
    """
    a = (low - mean) / sd
    b = (high - mean) / sd
    upper = a > 0.0  # interval entirely above the mean: mirror it
    lo = np.where(upper, -b, a)
    hi = np.where(upper, -a, b)
    p_lo = special.ndtr(lo)
    p_hi = special.ndtr(hi)
    z = special.ndtri(p_lo + u * (p_hi - p_lo))
    z = np.where(upper, -z, z)
    result: FloatArray = mean + sd * z
    return result


def choice_quantile(
    values: Sequence[float], weights: Sequence[float] | None, u: FloatArray
) -> FloatArray:
    """One of ``values`` by inversion of the cumulative (unnormalised) ``weights``."""
    options = np.asarray(values, dtype=np.float64)
    w = np.ones(len(options)) if weights is None else np.asarray(weights, dtype=np.float64)
    cumulative = np.cumsum(w) / w.sum()
    index = np.minimum(np.searchsorted(cumulative, u, side="right"), len(options) - 1)
    result: FloatArray = options[index]
    return result
