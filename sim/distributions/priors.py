"""The distributions a Parley file may name, and the valid ranges of the fields they describe.

An experiment puts one on a per-world field (a prior); a scenario puts one on an actor's private
no-deal value (the others' belief).  Both use these kinds: uniform, normal (truncated to the
field's valid range), beta (mean and concentration), triangular, dirichlet (a whole salience
table) and discrete choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sim.arrays import FloatArray
from sim.frozen import strict_flags_and_numbers


@dataclass(frozen=True)
class FieldRange:
    """The valid values of a field: [low, high], either end possibly open or infinite."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        """Whether ``value`` is a finite number in the range."""
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below and math.isfinite(value))

    def within_unit_interval(self) -> bool:
        """Whether the whole range lies in [0, 1]."""
        return self.low >= 0.0 and self.high <= 1.0

    def __str__(self) -> str:
        left = "(" if self.low_open or math.isinf(self.low) else "["
        right = ")" if self.high_open or math.isinf(self.high) else "]"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def clip(self, values: FloatArray) -> FloatArray:
        """``values`` clipped into the range (just inside an open end)."""
        low = np.nextafter(self.low, np.inf) if self.low_open else self.low
        high = np.nextafter(self.high, -np.inf) if self.high_open else self.high
        result: FloatArray = np.clip(values, low, high)
        return result


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:g}"


class _Prior(BaseModel):
    """Base of the distributions: frozen, finite numbers that are not booleans (the checks of
    :class:`sim.frozen.Frozen`, on every field but the discriminator ``dist``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator(
        "low", "high", "mean", "sd", "mode", "concentration", "values", "weights",
        mode="before", check_fields=False,
    )  # fmt: skip
    @classmethod
    def _strict_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        return strict_flags_and_numbers(cls, value, info)


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
PriorModel = Uniform | Normal | Beta | Triangular | Dirichlet | Choice
PRIOR_MODELS: dict[str, type[BaseModel]] = {
    "uniform": Uniform,
    "normal": Normal,
    "beta": Beta,
    "triangular": Triangular,
    "dirichlet": Dirichlet,
    "choice": Choice,
}


def prior_problems(
    prior: PriorModel,
    path: str,
    valid: FieldRange,
    base: Sequence[float | None],
    kind: str = "scalar",
    lanes: Sequence[str] = (),
) -> list[str]:
    """What is wrong with putting ``prior`` on the field ``path`` (empty if nothing).

    ``valid`` is the field's range, ``base`` its scenario value per lane (None where the scenario
    gives none), ``kind`` "scalar", "position" or "salience" (a whole table, one lane per issue).
    """
    problems: list[str] = []
    if isinstance(prior, Dirichlet):
        if kind != "salience":
            return [
                f"dirichlet is for a whole salience table (actors.<actor>.salience), not {path}"
            ]
        return []
    if kind == "salience":
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
        problems += _centred_prior_problems(prior, path, valid, base, lanes)
    return problems


def _centred_prior_problems(
    prior: Normal | Beta,
    path: str,
    valid: FieldRange,
    base: Sequence[float | None],
    lanes: Sequence[str],
) -> list[str]:
    """A normal or beta prior is centred on its mean, or on the scenario's value of the field."""
    name = prior.dist
    if isinstance(prior, Beta) and not valid.within_unit_interval():
        return [
            f"beta draws lie in [0, 1] but {path}'s valid range is {valid}; "
            "use uniform, triangular or normal"
        ]
    if prior.mean is not None:
        if not valid.contains(prior.mean):
            return [f"mean {prior.mean:g} is outside {path}'s valid range {valid}"]
        return []
    problems: list[str] = []
    for lane, value in zip(lanes or (path,), base, strict=True):
        where = lane if lanes else path
        if value is None:
            problems.append(
                f"{name}: the scenario gives no value for {where} to centre on; give a mean"
            )
        elif isinstance(prior, Beta) and not 0.0 < value < 1.0:
            problems.append(
                f"beta: the scenario's {where} is {value:g}, on the edge of [0, 1]; "
                "give a mean strictly inside"
            )
    return problems
