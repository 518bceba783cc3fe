"""Prior distributions an experiment may put on a scenario field, and which fields may vary per world."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.arrays import FloatArray
from sim.scenario.schema import IssueDynamics, Scenario

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
