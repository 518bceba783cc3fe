"""Priors over scenario fields and their counter-based, vectorised sampling.

An experiment puts a prior on any per-world scenario field (a cost, a position, a salience table,
the breakdown risk, ...).  Each prior is sampled by transforming counter-based uniforms from
:func:`sim.rng.uniforms` with ``purpose=Purpose.SAMPLE`` and ``round_`` = a stable hash of the
field's path, so world ``w``'s sampled value depends only on (experiment seed, world, path, prior):
not on the chunk, the worker, the backend, or which other parameters the experiment samples.

Transforms: inverse CDFs for uniform, truncated normal (Devroye 1986, ch. 2), triangular and
discrete choice; gamma variates by Marsaglia & Tsang (2000, "A simple method for generating gamma
variables") with a fixed number of attempts and an exact inverse-CDF fallback, for beta
(``X / (X + Y)``) and Dirichlet (normalised gammas; Devroye 1986, ch. 9).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

from sim.rng import Purpose, uniforms
from sim.scenario import IssueDynamics, Scenario

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

GAMMA_ATTEMPTS = 4
"""Marsaglia-Tsang attempts per gamma variate before the exact inverse-CDF fallback (which is
needed for about one variate in 200,000 at shape 1, and far fewer at larger shapes)."""

_HALF_ULP = 2.0**-54


# ---------------------------------------------------------------------------------------------
# Priors: the distributions an experiment file may name.


class _Prior(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Uniform(_Prior):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class Normal(_Prior):
    """Normal, truncated to the field's valid range; ``mean`` defaults to the scenario's value."""

    dist: Literal["normal"]
    mean: float | None = None
    sd: float = Field(gt=0.0)


class Beta(_Prior):
    """Beta with the given mean and concentration (alpha + beta); mean defaults to the scenario's."""

    dist: Literal["beta"]
    mean: float | None = Field(default=None, gt=0.0, lt=1.0)
    concentration: float = Field(gt=0.0)


class Triangular(_Prior):
    """Triangular on [low, high] with the given mode."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"need low <= mode <= high and low < high, got {self.low}, {self.mode}, {self.high}"
            )
        return self


class Dirichlet(_Prior):
    """Dirichlet over a whole salience table, centred on the scenario's saliences.

    alpha_k = concentration * s_k, so the mean is the scenario's table and the draws sum to 1.
    """

    dist: Literal["dirichlet"]
    concentration: float = Field(gt=0.0)


class Choice(_Prior):
    """One of ``values``, with optional (unnormalised) ``weights``."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"{len(self.weights)} weights for {len(self.values)} values; give one each"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be >= 0 and not all zero")
        return self


Prior = Annotated[
    Uniform | Normal | Beta | Triangular | Dirichlet | Choice, Field(discriminator="dist")
]
DISTRIBUTIONS = ("uniform", "normal", "beta", "triangular", "dirichlet", "choice")


# ---------------------------------------------------------------------------------------------
# The sampleable fields of a scenario and their valid ranges.


@dataclass(frozen=True)
class FieldRange:
    """The valid values of a field: [low, high], either end possibly open or infinite."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below and math.isfinite(value))

    def within_unit_interval(self) -> bool:
        return self.low >= 0.0 and self.high <= 1.0

    def __str__(self) -> str:
        left = "(" if self.low_open or math.isinf(self.low) else "["
        right = ")" if self.high_open or math.isinf(self.high) else "]"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def clip(self, values: FloatArray) -> FloatArray:
        low = np.nextafter(self.low, np.inf) if self.low_open else self.low
        high = np.nextafter(self.high, -np.inf) if self.high_open else self.high
        result: FloatArray = np.clip(values, low, high)
        return result


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:g}"


UNIT = FieldRange(0.0, 1.0)
NONNEGATIVE = FieldRange(0.0, math.inf)

FieldKind = Literal["scalar", "position", "salience"]


@dataclass(frozen=True)
class SampleableField:
    """A scenario field that may vary from world to world.

    ``kind`` is "scalar" for one number, or "position"/"salience" for an actor's whole table
    (one lane per issue, in scenario order).  ``base`` holds the scenario's value per lane, None
    where the scenario leaves it to be derived (a reservation) or has no number (recognition by
    capability).
    """

    path: str
    range: FieldRange
    base: tuple[float | None, ...]
    kind: FieldKind = "scalar"
    lanes: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return len(self.base)


def sampleable_fields(scenario: Scenario) -> dict[str, SampleableField]:
    """Every field of ``scenario`` that can be sampled per world, by path (scenario order)."""
    fields: dict[str, SampleableField] = {}

    def add(
        path: str,
        range_: FieldRange,
        base: Sequence[float | None],
        kind: FieldKind = "scalar",
        lanes: Sequence[str] = (),
    ) -> None:
        fields[path] = SampleableField(path, range_, tuple(base), kind, tuple(lanes))

    issues = scenario.issue_names
    for name, actor in scenario.actors.items():
        prefix = f"actors.{name}"
        add(f"{prefix}.capability", NONNEGATIVE, [actor.capability])
        add(f"{prefix}.reservation", FieldRange(-1.0, 1.0), [actor.reservation])
        add(f"{prefix}.war_cost", UNIT, [actor.war_cost])
        add(f"{prefix}.discount", FieldRange(0.0, 1.0, low_open=True), [actor.discount])
        add(
            f"{prefix}.strategy.beta",
            FieldRange(0.0, math.inf, low_open=True),
            [actor.strategy.beta],
        )
        add(f"{prefix}.position", UNIT, [actor.position[i] for i in issues], "position", issues)
        for issue in issues:
            add(f"{prefix}.position.{issue}", UNIT, [actor.position[issue]])
        # A salience table is sampled whole (Dirichlet), never entry by entry: it must sum to 1.
        add(f"{prefix}.salience", UNIT, [actor.salience[i] for i in issues], "salience", issues)
    for issue, spec in scenario.issues.items():
        add(f"issues.{issue}.status_quo", UNIT, [spec.status_quo])
    for issue in issues:
        dynamics = scenario.dynamics.get(issue, IssueDynamics())
        add(f"dynamics.{issue}.drift", FieldRange(-1.0, 1.0), [dynamics.drift])
        add(f"dynamics.{issue}.volatility", UNIT, [dynamics.volatility])
    add(
        "protocol.breakdown_probability",
        FieldRange(0.0, 1.0, high_open=True),
        [scenario.protocol.breakdown_probability],
    )
    recognition = scenario.protocol.recognition
    if isinstance(recognition, dict):  # weights given per actor (else uniform or by capability)
        for name in scenario.actor_names:
            add(f"protocol.recognition.{name}", NONNEGATIVE, [recognition.get(name, 0.0)])
    return fields


def prior_problems(
    prior: Uniform | Normal | Beta | Triangular | Dirichlet | Choice, field: SampleableField
) -> list[str]:
    """What is wrong with putting ``prior`` on ``field`` (empty if nothing)."""
    path, valid = field.path, field.range
    problems: list[str] = []
    if isinstance(prior, Dirichlet):
        if field.kind != "salience":
            return [
                f"dirichlet is for a whole salience table (actors.<actor>.salience), not {path}"
            ]
        return []
    if field.kind == "salience":
        return [f"a salience table must sum to 1: use dist: dirichlet for {path}"]
    if isinstance(prior, Uniform | Triangular):
        for label in ("low", "high"):
            value = getattr(prior, label)
            if not valid.contains(value):
                problems.append(f"{label} {value:g} is outside {path}'s valid range {valid}")
    elif isinstance(prior, Choice):
        bad = [v for v in prior.values if not valid.contains(v)]
        if bad:
            problems.append(
                f"values {', '.join(f'{v:g}' for v in bad)} are outside {path}'s valid range {valid}"
            )
    elif isinstance(prior, Normal | Beta):
        name = prior.dist
        if isinstance(prior, Beta) and not valid.within_unit_interval():
            problems.append(
                f"beta draws lie in [0, 1] but {path}'s valid range is {valid}; "
                "use uniform, triangular or normal"
            )
        elif prior.mean is not None:
            if not valid.contains(prior.mean):
                problems.append(f"mean {prior.mean:g} is outside {path}'s valid range {valid}")
        else:
            for lane, base in zip(field.lanes or (path,), field.base, strict=True):
                where = lane if field.lanes else path
                if base is None:
                    problems.append(
                        f"{name}: the scenario gives no value for {where} to centre on; give a mean"
                    )
                elif isinstance(prior, Beta) and not 0.0 < base < 1.0:
                    problems.append(
                        f"beta: the scenario's {where} is {base:g}, on the edge of [0, 1]; "
                        "give a mean strictly inside"
                    )
    return problems


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
        return cls(path, prior, field, parameter_stream(path))

    @property
    def columns(self) -> list[str]:
        """The flat ``param.*`` column names of this parameter in a results table."""
        if self.field.lanes:
            return [f"param.{self.path}.{lane}" for lane in self.field.lanes]
        return [f"param.{self.path}"]


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
        u: FloatArray = uniforms(seed, chosen, parameter.stream, Purpose.SAMPLE, lanes)
        return u + _HALF_ULP

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
        values = _triangular(prior.low, prior.mode, prior.high, block(width))
    elif isinstance(prior, Normal):
        values = _truncated_normal(_centre(prior.mean, field), prior.sd, field.range, block(width))
    else:
        values = _choice(prior.values, prior.weights, block(width))
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


def _triangular(low: float, mode: float, high: float, u: FloatArray) -> FloatArray:
    """Inverse CDF of the triangular distribution."""
    span = high - low
    split = (mode - low) / span
    left = low + np.sqrt(u * span * (mode - low))
    right = high - np.sqrt((1.0 - u) * span * (high - mode))
    result: FloatArray = np.where(u < split, left, right)
    return result


def _truncated_normal(mean: FloatArray, sd: float, valid: FieldRange, u: FloatArray) -> FloatArray:
    """Inverse CDF of N(mean, sd) truncated to ``valid``, one mean per lane.

    Works in whichever tail keeps precision: for an interval above the mean it samples the
    mirrored interval below (where the normal CDF is accurate) and reflects.
    """
    a = (valid.low - mean) / sd
    b = (valid.high - mean) / sd
    upper = a > 0.0  # interval entirely above the mean: mirror it
    lo = np.where(upper, -b, a)
    hi = np.where(upper, -a, b)
    p_lo = special.ndtr(lo)
    p_hi = special.ndtr(hi)
    z = special.ndtri(p_lo + u * (p_hi - p_lo))
    z = np.where(upper, -z, z)
    result: FloatArray = mean + sd * z
    return result


def _choice(values: Sequence[float], weights: Sequence[float] | None, u: FloatArray) -> FloatArray:
    options = np.asarray(values, dtype=np.float64)
    w = np.ones(len(options)) if weights is None else np.asarray(weights, dtype=np.float64)
    cumulative = np.cumsum(w) / w.sum()
    index = np.minimum(np.searchsorted(cumulative, u, side="right"), len(options) - 1)
    result: FloatArray = options[index]
    return result


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
        log_v3 = np.log(np.where(positive, v3, 1.0))
        accepted = positive & (
            np.log(accept_u) < 0.5 * z * z + d[None, :] - d[None, :] * v3 + d[None, :] * log_v3
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
            boosted = variates * np.power(boost_u, np.broadcast_to(power, boost_u.shape).copy())
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
