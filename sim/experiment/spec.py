"""Experiments: which scenarios to run, what is uncertain in them, and which factors to vary.

An experiment file names one scenario or several, the number of worlds per cell, a seed, priors
over per-world scenario fields (``uncertainty``, sampled afresh in every world; see
:mod:`sim.experiment.sampling`) and a grid of fixed values (``factors``; every combination of values times
every scenario is one cell)::

    name: sanctions-pressure
    description: Does more US pressure make a deal more likely?
    scenario: alaska-summit              # or a list of scenarios to compare
    runs: 100000                         # worlds per cell
    seed: 7
    design: monte-carlo                  # or latin, sobol, morris (sim.experiment.designs)
    uncertainty:
      actors.russia.war_cost: {dist: uniform, low: 0.005, high: 0.03}
      actors.*.salience: {dist: dirichlet, concentration: 50}
    factors:
      actors.us.strategy.beta: [0.5, 1.0, 2.0]

A ``*`` stands for every actor (or issue) of the scenario: ``actors.*.war_cost`` puts a prior on
each actor's war cost, each with its own independent draws.  A path without a wildcard wins over
a wildcard that also matches it.  Each concrete path draws from its own counter-based stream,
so world ``w`` samples the same values in every cell (common random numbers): cells differ only
by what defines them.  The ``design`` decides how the worlds cover the priors: independent draws
(``monte-carlo``, the default), a Latin hypercube, or the structured designs of a Sobol' or
Morris sensitivity analysis (:mod:`sim.experiment.designs`).  The priors are the
*uncertainties* (what no negotiator controls); the factors are the *levers* (what one could
choose: a guarantee, a sanctions offer, who sits at the table).  Factor paths may name any scenario field (structural ones too:
``actors.ukraine.veto``, ``protocol.max_rounds``); each cell's scenario is validated again.

Problems are reported like scenario problems: file, line, field, message and a "did you mean"
hint (:mod:`sim.scenario.loader`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator

from sim.errors import InputError
from sim.experiment.designs import DesignName
from sim.experiment.priors import (
    Prior,
)
from sim.experiment.sampling import Parameter
from sim.frozen import Frozen
from sim.scenario.limits import MAX_EXPERIMENT_SCENARIOS, MAX_FACTORS, MAX_PRIORS, MAX_RUNS
from sim.scenario.schema import Scenario

WILDCARD = "*"
MAX_CELLS = 10_000


class ExperimentError(InputError):
    """An experiment file (or a scenario or factor value it refers to) is not valid."""


class ExperimentSpec(Frozen):
    """The contents of an experiment file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = Field(default="", description="the question the experiment answers")
    scenario: str | list[str] = Field(description="a scenario name or path, or a list of them")
    runs: int = Field(ge=1, le=MAX_RUNS, description="worlds per cell")
    seed: int = Field(default=0, ge=0, lt=2**63)
    design: DesignName = Field(default="monte-carlo", description="how the worlds cover the priors")
    uncertainty: dict[str, Prior] = Field(default_factory=dict, max_length=MAX_PRIORS)
    factors: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        default_factory=dict, max_length=MAX_FACTORS
    )

    @field_validator("scenario")
    @classmethod
    def _some_scenario(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names:
            raise ValueError("name at least one scenario")
        if len(names) > MAX_EXPERIMENT_SCENARIOS:
            raise ValueError(f"{len(names):,} scenarios; at most {MAX_EXPERIMENT_SCENARIOS}")
        if len(set(names)) != len(names):
            raise ValueError("a scenario is listed twice")
        return value

    @property
    def scenario_refs(self) -> list[str]:
        """The scenario references, as a list."""
        return [self.scenario] if isinstance(self.scenario, str) else list(self.scenario)


@dataclass(frozen=True)
class Cell:
    """One cell of an experiment: a scenario with one combination of factor values."""

    index: int
    scenario_name: str
    factors: Mapping[str, Any]
    scenario: Scenario = field(repr=False)
    parameters: tuple[Parameter, ...] = field(repr=False)

    @property
    def label(self) -> str:
        """The cell's scenario and factor values, for tables and figures."""
        values = ", ".join(f"{path}={_shown(value)}" for path, value in self.factors.items())
        return f"{self.scenario_name}" + (f" [{values}]" if values else "")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment with its scenarios loaded and its cells built."""

    spec: ExperimentSpec
    scenarios: Mapping[str, Scenario]
    cells: tuple[Cell, ...]
    path: Path | None = None
    scenario_paths: Mapping[str, Path] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.spec.name

    @property
    def description(self) -> str:
        """The experiment's description (its question)."""
        return self.spec.description

    @property
    def seed(self) -> int:
        """The experiment's seed."""
        return self.spec.seed

    @property
    def runs(self) -> int:
        """Worlds per cell."""
        return self.spec.runs

    @property
    def design(self) -> DesignName:
        """How worlds sample the priors (Monte Carlo, Latin, Sobol, Morris)."""
        return self.spec.design

    @property
    def n_worlds(self) -> int:
        """Worlds over all cells."""
        return self.runs * len(self.cells)

    def with_runs(self, runs: int) -> Experiment:
        """The same experiment with another number of worlds per cell."""
        if runs < 1:
            raise ValueError("runs must be >= 1")
        return replace(self, spec=self.spec.model_copy(update={"runs": runs}))

    def with_design(self, design: DesignName) -> Experiment:
        """The same experiment with another design over the same priors."""
        return replace(self, spec=self.spec.model_copy(update={"design": design}))

    def cell(self, index: int) -> Cell:
        """Cell ``index``."""
        if not 0 <= index < len(self.cells):
            raise IndexError(f"no cell {index}; cells are 0..{len(self.cells) - 1}")
        return self.cells[index]
