"""Priors over scenario fields and their counter-based, vectorised sampling.

An experiment puts a prior on any per-world scenario field (a cost, a position, a salience table,
the breakdown risk, ...).  Each prior is sampled by transforming counter-based uniforms from
:func:`sim.core.rng.uniforms` with ``purpose=Purpose.SAMPLE`` and ``round_`` = a stable hash of the
field's path, so world ``w``'s sampled value depends only on (experiment seed, world, path, prior):
not on the chunk, the worker, the backend, or which other parameters the experiment samples.

Transforms: inverse CDFs for uniform, truncated normal (Devroye 1986, ch. 2), triangular and
discrete choice; gamma variates by Marsaglia & Tsang (2000, "A simple method for generating gamma
variables") with a fixed number of attempts and an exact inverse-CDF fallback, for beta
(``X / (X + Y)``) and Dirichlet (normalised gammas; Devroye 1986, ch. 9).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from sim import elementary
from sim.arrays import BoolArray, FloatArray
from sim.core.fields import SampleableField
from sim.core.records import PARAM
from sim.core.rng import Purpose, open_uniforms
from sim.distributions.inversion import (
    choice_quantile,
    triangular_quantile,
    truncated_normal_quantile,
)
from sim.distributions.priors import FieldRange
from sim.experiment.priors import (
    Beta,
    Choice,
    Dirichlet,
    Normal,
    Triangular,
    Uniform,
)

GAMMA_ATTEMPTS = 4
"""Marsaglia-Tsang attempts per gamma variate before the exact inverse-CDF fallback (which is
needed for about one variate in 200,000 at shape 1, and far fewer at larger shapes)."""


# ---------------------------------------------------------------------------------------------
# Parameters: a prior bound to a concrete field, with its own stream of counter-based draws.


def parameter_stream(path: str) -> int:
    """The counter ``round_`` of a path's draws: a stable 31-bit hash of the path string.

    Stable across Python sessions and independent of the order of parameters in a file, so adding
    or removing a parameter never changes another parameter's draws.
    """
    digest = hashlib.blake2b(path.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF


@dataclass(frozen=True)
class Parameter:
    """A prior on one concrete field of one cell's scenario."""

    path: str
    prior: Uniform | Normal | Beta | Triangular | Dirichlet | Choice
    field: SampleableField
    stream: int

    @classmethod
    def bind(
        cls,
        path: str,
        prior: Uniform | Normal | Beta | Triangular | Dirichlet | Choice,
        field: SampleableField,
    ) -> Parameter:
        """The parameter that draws ``prior`` for ``field`` at ``path``, on its own stream."""
        return cls(path, prior, field, parameter_stream(path))

    @property
    def columns(self) -> list[str]:
        """The flat ``param.*`` column names of this parameter in a results table."""
        if self.field.lanes:
            return [f"{PARAM}{self.path}.{lane}" for lane in self.field.lanes]
        return [PARAM + self.path]


def sample(parameters: Sequence[Parameter], seed: int, worlds: ArrayLike) -> dict[str, FloatArray]:
    """Draw every parameter for ``worlds``: path -> (N,) array, or (N, K) for a whole table."""
    world_ids = np.atleast_1d(np.asarray(worlds, dtype=np.int64))
    return {p.path: draw(p, seed, world_ids) for p in parameters}


def sample_world(parameters: Sequence[Parameter], seed: int, world: int) -> dict[str, FloatArray]:
    """One world's draws (each value of shape (1,) or (1, K)); equals that row of :func:`sample`."""
    return sample(parameters, seed, np.array([world], dtype=np.int64))


def flatten(
    parameters: Sequence[Parameter], values: Mapping[str, FloatArray]
) -> dict[str, FloatArray]:
    """Sampled values as flat ``param.*`` columns (one per table lane)."""
    columns: dict[str, FloatArray] = {}
    for parameter in parameters:
        value = values[parameter.path]
        names = parameter.columns
        if value.ndim == 1:
            columns[names[0]] = value
        else:
            for lane, name in enumerate(names):
                columns[name] = np.ascontiguousarray(value[:, lane])
    return columns


def draw(parameter: Parameter, seed: int, worlds: NDArray[np.int64]) -> FloatArray:
    """Sample one parameter for ``worlds``; shape (N,) for scalars, (N, K) for tables."""
    prior, field = parameter.prior, parameter.field
    width = field.width

    def source(rows: NDArray[np.intp] | None, lanes: int) -> FloatArray:
        # Open uniforms on (0, 1): the midpoints of the 2**53 cells of rng.uniforms' [0, 1).
        chosen = worlds if rows is None else worlds[rows]
        u: FloatArray = open_uniforms(seed, chosen, parameter.stream, Purpose.SAMPLE, lanes)
        return u

    def block(lanes: int) -> FloatArray:
        return source(None, lanes)

    if isinstance(prior, Dirichlet):
        alpha = prior.concentration * np.array(_bases(field), dtype=np.float64)
        values = _dirichlet(alpha, source)
    elif isinstance(prior, Beta):
        mean = _centre(prior.mean, field)
        values = _beta(mean, prior.concentration, source)
    elif isinstance(prior, Uniform):
        values = prior.low + (prior.high - prior.low) * block(width)
    elif isinstance(prior, Triangular):
        values = triangular_quantile(prior.low, prior.mode, prior.high, block(width))
    elif isinstance(prior, Normal):
        values = _truncated_normal(_centre(prior.mean, field), prior.sd, field.range, block(width))
    else:
        values = choice_quantile(prior.values, prior.weights, block(width))
    values = field.range.clip(values)
    if field.kind == "scalar":
        return np.ascontiguousarray(values[:, 0])
    return np.ascontiguousarray(values)


def _bases(field: SampleableField) -> list[float]:
    return [0.0 if b is None else b for b in field.base]


def _centre(mean: float | None, field: SampleableField) -> FloatArray:
    if mean is not None:
        return np.full(field.width, mean, dtype=np.float64)
    return np.array(_bases(field), dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Transforms of open uniforms u in (0, 1), shape (N, lanes).


def _truncated_normal(mean: FloatArray, sd: float, valid: FieldRange, u: FloatArray) -> FloatArray:
    """Inverse CDF of N(mean, sd) truncated to the field's valid range, one mean per lane."""
    return truncated_normal_quantile(mean, sd, valid.low, valid.high, u)


UniformSource = Callable[[NDArray[np.intp] | None, int], FloatArray]
"""``source(rows, lanes)``: the open uniforms of lanes [0, lanes) for the given rows (all if None)."""


def _gamma(alpha: FloatArray, source: UniformSource) -> FloatArray:
    """Gamma(alpha_k, 1) variates, shape (N, K), from a world's counter-based uniforms.

    Marsaglia & Tsang (2000) for shape a >= 1 (a < 1 by the boost G(a) = G(a + 1) U^(1/a)), the
    normal taken by inverse CDF.  Lanes: the first attempt's K normals and K acceptance
    uniforms, K boost uniforms, the later attempts' 2K each, then K fallback uniforms for the
    exact inverse CDF after ``GAMMA_ATTEMPTS`` rejections.  Each component keeps its first
    accepted attempt, so the result is exactly gamma-distributed and depends only on the world's
    own lanes.  Only the first attempt (and the boost, if some shape is below 1) is generated
    for every world; later lanes just for the few worlds that need them.  A zero shape gives 0.
    """
    k = alpha.shape[0]
    shape = np.where(alpha < 1.0, alpha + 1.0, alpha)
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    boost = alpha < 1.0
    attempt_start = [0] + [3 * k + 2 * k * (j - 1) for j in range(1, GAMMA_ATTEMPTS)]
    fallback_start = 3 * k + 2 * k * (GAMMA_ATTEMPTS - 1)

    def attempt(u: FloatArray, index: int) -> tuple[FloatArray, BoolArray]:
        start = attempt_start[index]
        z = special.ndtri(np.ascontiguousarray(u[:, start : start + k]))
        accept_u = np.ascontiguousarray(u[:, start + k : start + 2 * k])
        v = 1.0 + c[None, :] * z
        v3 = v * v * v
        positive = v3 > 0.0
        log_v3 = elementary.log(np.where(positive, v3, 1.0))
        accepted = positive & (
            elementary.log(accept_u)
            < 0.5 * z * z + d[None, :] - d[None, :] * v3 + d[None, :] * log_v3
        )
        value: FloatArray = d[None, :] * v3
        return value, accepted

    u = source(None, 3 * k if boost.any() else 2 * k)
    variates, done = attempt(u, 0)
    pending = np.nonzero(~done.all(axis=1))[0]
    for index in range(1, GAMMA_ATTEMPTS):
        if pending.size == 0:
            break
        more = source(pending, attempt_start[index] + 2 * k)
        value, accepted = attempt(more, index)
        take = accepted & ~done[pending]
        variates[pending] = np.where(take, value, variates[pending])
        done[pending] |= take
        pending = pending[~done[pending].all(axis=1)]
    if pending.size:
        fallback_u = source(pending, fallback_start + k)[:, fallback_start:]
        exact = special.gammaincinv(shape[None, :], np.ascontiguousarray(fallback_u))
        variates[pending] = np.where(done[pending], variates[pending], exact)
    if boost.any():
        boost_u = np.ascontiguousarray(u[:, 2 * k : 3 * k])
        # A vanishing shape (a subnormal alpha) gives 1/alpha = inf and U^inf = 0: the right limit.
        with np.errstate(over="ignore", divide="ignore", under="ignore"):
            power = np.where(boost, 1.0 / np.where(alpha > 0.0, alpha, 1.0), 1.0)
            boosted = variates * elementary.power(boost_u, power)
        variates = np.where(boost[None, :], boosted, variates)
    result: FloatArray = np.where(alpha[None, :] > 0.0, variates, 0.0)
    return result


def _dirichlet(alpha: FloatArray, source: UniformSource) -> FloatArray:
    """Dirichlet(alpha) by normalised gammas; rows sum to 1 (to rounding)."""
    g = _gamma(alpha, source)
    total = g.sum(axis=1, keepdims=True)
    centre = alpha / alpha.sum()
    # A row whose gammas all underflow (only conceivable at tiny shapes) falls back to the mean.
    result: FloatArray = np.where(total > 0.0, g / np.where(total > 0.0, total, 1.0), centre)
    return result


def _beta(mean: FloatArray, concentration: float, source: UniformSource) -> FloatArray:
    """Beta(m c, (1 - m) c) per lane as X / (X + Y) of two gammas."""
    k = mean.shape[0]
    alpha = np.concatenate([mean * concentration, (1.0 - mean) * concentration])
    g = _gamma(alpha, source)
    x, y = g[:, :k], g[:, k:]
    total = x + y
    result: FloatArray = np.where(total > 0.0, x / np.where(total > 0.0, total, 1.0), mean)
    return result
