"""Prior distributions an experiment may put on a scenario field, and which fields may vary per world."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.fields import SampleableField

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
        problems += _centred_prior_problems(prior, field)
    return problems


def _centred_prior_problems(prior: Normal | Beta, field: SampleableField) -> list[str]:
    """A normal or beta prior is centred on its mean, or on the scenario's value of the field."""
    path, valid, name = field.path, field.range, prior.dist
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
