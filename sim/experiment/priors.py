"""Which priors an experiment may put on which scenario field (the kinds: :mod:`sim.distributions`)."""

from __future__ import annotations

from sim.core.fields import SampleableField
from sim.distributions.priors import (
    DISTRIBUTIONS,
    PRIOR_MODELS,
    Beta,
    Choice,
    Dirichlet,
    Normal,
    Prior,
    PriorModel,
    Triangular,
    Uniform,
)
from sim.distributions.priors import prior_problems as _problems

__all__ = [
    "DISTRIBUTIONS",
    "PRIOR_MODELS",
    "Beta",
    "Choice",
    "Dirichlet",
    "Normal",
    "Prior",
    "PriorModel",
    "Triangular",
    "Uniform",
    "prior_problems",
]


def prior_problems(prior: PriorModel, field: SampleableField) -> list[str]:
    """What is wrong with putting ``prior`` on ``field`` (empty if nothing)."""
    return _problems(prior, field.path, field.range, field.base, field.kind, field.lanes)
