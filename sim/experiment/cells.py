"""Experiment cells: factor paths expanded against a scenario, parameters bound, the grid of cells built."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.core.fields import sampleable_fields
from sim.errors import InputError, Problem, did_you_mean, display_path, dotted
from sim.experiment.paths import CellProblem, expand_factor_path, field_exists, match_pattern
from sim.experiment.priors import prior_problems
from sim.experiment.sampling import Parameter
from sim.experiment.spec import (
    MAX_CELLS,
    WILDCARD,
    Cell,
    Experiment,
    ExperimentError,
    ExperimentSpec,
)
from sim.experiment.variants import factor_overwrite_problems, prior_overwrite_problems
from sim.scenario.schema import Scenario

# ---------------------------------------------------------------------------------------------
# Paths, wildcards and cells


def _generic(path: str, scenario: Scenario) -> set[str]:
    """``path`` with its actor and/or issue names replaced by wildcards (for hints)."""
    names = set(scenario.actor_names) | set(scenario.issue_names)
    segments = path.split(".")
    slots = [i for i, s in enumerate(segments) if s in names and i > 0]
    forms = {path}
    for count in range(1, len(slots) + 1):
        for chosen in itertools.combinations(slots, count):
            forms.add(".".join(WILDCARD if i in chosen else s for i, s in enumerate(segments)))
    return forms


def apply_factors(scenario: Scenario, factors: Mapping[str, Any]) -> Scenario:
    """The scenario with every factor value set (wildcards expanded), validated again.

    Raises :class:`~sim.errors.ScenarioError` if a path is unknown or the result is invalid.
    """
    from sim.scenario.overrides import apply_to_scenario

    if not factors:
        return scenario
    assignments: dict[str, Any] = {}
    for pattern, value in factors.items():
        for path in expand_factor_path(pattern, scenario):
            assignments[path] = value
    return apply_to_scenario(scenario, assignments)


def bind_parameters(
    uncertainty: Mapping[str, Any], scenario: Scenario
) -> tuple[list[Parameter], list[tuple[str, str, str | None]]]:
    """Expand the uncertainty patterns against one scenario into concrete parameters.

    Returns the parameters and problems ``(pattern, message, hint)``.  A pattern that matches
    nothing in this scenario is not a problem here (see :func:`build_cells`).
    """
    fields = sampleable_fields(scenario)
    paths = list(fields)
    problems: list[tuple[str, str, str | None]] = []
    chosen: dict[str, tuple[str, int]] = {}  # concrete path -> (pattern, wildcard count)
    for pattern in uncertainty:
        wildcards = pattern.split(".").count(WILDCARD)
        for path in match_pattern(pattern, paths):
            previous = chosen.get(path)
            if previous is None or wildcards < previous[1]:
                chosen[path] = (pattern, wildcards)
            elif wildcards == previous[1]:
                problems.append(
                    (pattern, f"matches {path}, as does '{previous[0]}'; keep one", None)
                )
    parameters: list[Parameter] = []
    for path in paths:
        if path not in chosen:
            continue
        pattern = chosen[path][0]
        prior = uncertainty[pattern]
        sampled_field = fields[path]
        for message in prior_problems(prior, sampled_field):
            problems.append((pattern, message, None))
        parameters.append(Parameter.bind(path, prior, sampled_field))
    # Whole tables and their single entries cannot both be sampled.
    concrete = {p.path for p in parameters}
    for parameter in parameters:
        if parameter.field.kind != "scalar":
            for lane in parameter.field.lanes:
                entry = f"{parameter.path}.{lane}"
                if entry in concrete:
                    problems.append(
                        (
                            chosen[entry][0],
                            f"{entry} is also sampled as part of the whole table "
                            f"{parameter.path} (from '{chosen[parameter.path][0]}'); "
                            "sample either whole tables or single entries",
                            None,
                        )
                    )
    streams: dict[int, str] = {}
    for parameter in parameters:
        other = streams.setdefault(parameter.stream, parameter.path)
        if other != parameter.path:  # pragma: no cover - a 31-bit hash collision
            problems.append(
                (chosen[parameter.path][0], f"shares its random stream with {other}", None)
            )
    return parameters, problems


def _unknown_path_hint(pattern: str, scenarios: Sequence[Scenario]) -> tuple[str, str | None]:
    """The message and hint for an uncertainty path that names no sampleable field."""
    segments = pattern.split(".")
    if len(segments) == 4 and segments[0] == "actors" and segments[2] == "salience":
        table = ".".join(segments[:3])
        return (
            "a salience is sampled with its whole table, which must sum to 1",
            f"put dist: dirichlet on {table} (centred on the scenario's saliences)",
        )
    for scenario in scenarios:
        concrete = expand_factor_path(pattern, scenario)
        if any(field_exists(scenario, path) for path in concrete):
            return (
                "is fixed within a cell (it changes the model's structure, or is not a number); "
                "vary it under 'factors:' instead",
                None,
            )
    options: set[str] = set()
    for scenario in scenarios:
        for path in sampleable_fields(scenario):
            options |= _generic(path, scenario)
    return "names no field that can be sampled per world", did_you_mean(pattern, options)


def build_cells(
    spec: ExperimentSpec, scenarios: Mapping[str, Scenario]
) -> tuple[tuple[Cell, ...], list[CellProblem]]:
    """Every cell of the experiment (scenarios outer, factor grid inner, in file order).

    Returns the cells and problems ``(location in the experiment file, message, hint)``.
    """
    factor_paths = list(spec.factors)
    n_cells = math.prod(len(spec.factors[path]) for path in factor_paths) * len(scenarios)
    if n_cells > MAX_CELLS:  # counted before the grid is built
        return (), [(("factors",), f"{n_cells:,} cells; at most {MAX_CELLS:,}", None)]
    grid = list(itertools.product(*(spec.factors[path] for path in factor_paths)))
    # Each factor value on its own first, so a bad value is reported at its list item.
    problems = _factor_value_problems(spec, scenarios)
    bad_value = bool(problems)
    problems += _sampled_and_factor_problems(spec)
    if bad_value:
        # Still check the priors, against the scenarios without their factors.
        factor_paths, grid = [], [()]
    cells: list[Cell] = []
    matched: set[str] = set()
    binding_problems: dict[tuple[str, str], str | None] = {}
    for name, scenario in scenarios.items():
        for combination in grid:
            factors = dict(zip(factor_paths, combination, strict=True))
            try:
                cell_scenario = apply_factors(scenario, factors)
            except InputError as error:
                shown = ", ".join(f"{k}={v}" for k, v in factors.items())
                problems += [
                    (("factors",), f"{shown} in '{name}': {problem.message}", problem.hint)
                    for problem in error.problems
                ]
                continue
            parameters, found = bind_parameters(spec.uncertainty, cell_scenario)
            for pattern, message, hint in found:
                binding_problems.setdefault((pattern, message), hint)
            fields = list(sampleable_fields(cell_scenario))
            matched.update(p for p in spec.uncertainty if match_pattern(p, fields))
            cells.append(Cell(len(cells), name, factors, cell_scenario, tuple(parameters)))
    if not bad_value:
        problems += factor_overwrite_problems(spec, scenarios)
    problems += prior_overwrite_problems(spec, cells)
    for (pattern, message), hint in binding_problems.items():
        problems.append((("uncertainty", pattern), message, hint))
    for pattern in spec.uncertainty:
        if pattern not in matched:
            message, hint = _unknown_path_hint(pattern, list(scenarios.values()))
            problems.append((("uncertainty", pattern), message, hint))
    return (() if problems else tuple(cells)), problems


def _factor_value_problems(
    spec: ExperimentSpec, scenarios: Mapping[str, Scenario]
) -> list[CellProblem]:
    """Problems with each factor value on its own, located at its item in the factor's list."""
    problems: list[CellProblem] = []
    for name, scenario in scenarios.items():
        where = f" (in scenario '{name}')" if len(scenarios) > 1 else ""
        for path, values in spec.factors.items():
            for index, value in enumerate(values):
                try:
                    apply_factors(scenario, {path: value})
                except InputError as error:
                    for problem in error.problems:
                        message = (
                            f"{problem.field}: {problem.message}"
                            if (problem.field and problem.field != path)
                            else problem.message
                        )
                        problems.append((("factors", path, index), message + where, problem.hint))
    return problems


def _sampled_and_factor_problems(spec: ExperimentSpec) -> list[CellProblem]:
    """A field is either sampled (uncertainty) or a factor, never both."""
    return [
        (
            ("uncertainty", pattern),
            f"also set by the factor '{path}'; a field is either sampled or a factor",
            None,
        )
        for pattern in spec.uncertainty
        for path in spec.factors
        if match_pattern(pattern, [path]) or match_pattern(path, [pattern])
    ]


def build_experiment(
    spec: ExperimentSpec,
    scenarios: Mapping[str, Scenario],
    *,
    path: Path | None = None,
    scenario_paths: Mapping[str, Path] | None = None,
) -> Experiment:
    """An :class:`Experiment` from a validated spec and its loaded scenarios.

    Raises :class:`ExperimentError` (without file lines) if the cells cannot be built.
    """
    cells, problems = build_cells(spec, scenarios)
    if problems:
        where = display_path(path) if path else spec.name
        raise ExperimentError(
            Problem(where, None, dotted(loc), message, hint) for loc, message, hint in problems
        )
    return Experiment(spec, dict(scenarios), cells, path, dict(scenario_paths or {}))
