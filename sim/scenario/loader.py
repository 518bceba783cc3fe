"""Read scenario files into validated :class:`~sim.scenario.schema.Scenario` objects.

Every problem in a file is reported at once, each with the file, the line of the offending key
(or of its nearest existing parent when the key is missing), the dotted field path, a message a
person can act on and, for misspelt keys, a "did you mean" hint::

    scenarios/x.yaml:14: actors.russia.salince: unknown field; did you mean 'salience'?
    scenarios/x.yaml:20: actors.us.salience: saliences sum to 0.9, not 1

Scenarios may inherit from another with ``extends`` (see ``docs/inheritance.md``): the chain is
merged key by key, and a :class:`Locator` remembers which file and line set each value, so that
problems in the merged result still point at the right place.

The YAML reading and error mapping are reusable for any other pydantic model (an experiment
file, say)::

    data, locator = read_yaml(path)
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as error:
        raise ExperimentError(problems_from_validation_error(error, locator, model=Experiment))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sim.errors import InputError, Loc, Problem, ScenarioError, dotted, sort_problems
from sim.scenario.discovery import resolve_scenario_path
from sim.scenario.inheritance import ResolvedScenario, _drop_subtree, read_scenario_layers
from sim.scenario.schema import Scenario
from sim.scenario.validation import validate_scenario_data
from sim.scenario.yaml_source import Origin

# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def load_resolved(
    path: str | os.PathLike[str],
    overrides: Sequence[str] | Mapping[str, Any] = (),
    *,
    strict: bool = False,
) -> ResolvedScenario:
    """Load a scenario (name or path), resolve ``extends``, apply ``--set`` overrides, validate.

    Raises :class:`ScenarioError` listing every problem found.
    """
    from sim.scenario.overrides import apply_overrides_collecting

    try:
        scenario_path = resolve_scenario_path(path)
        data, locator, files = read_scenario_layers(scenario_path)
    except ScenarioError:
        raise
    except InputError as error:
        raise ScenarioError(error.problems) from None
    problems: list[Problem] = []
    changed: list[Loc] = []
    if overrides:
        data, changed, override_problems = apply_overrides_collecting(data, overrides)
        problems.extend(override_problems)
        for loc in changed:
            _drop_subtree(locator.origins, loc)
            for end in range(1, len(loc) + 1):
                locator.origins.setdefault(loc[:end], Origin("--set", None))
            locator.origins[loc] = Origin("--set", None)
    scenario, found = validate_scenario_data(data, locator, strict=strict)
    found = [_blame_overrides(problem, changed) for problem in found]
    problems = sort_problems([*problems, *found])
    if problems or scenario is None:
        raise ScenarioError(problems)
    return ResolvedScenario(scenario=scenario, locator=locator, files=files, raw=data)


def _blame_overrides(problem: Problem, changed: Sequence[Loc]) -> Problem:
    """Say which ``--set`` changed a table whose problem is reported where a file wrote it."""
    if problem.file == "--set" or problem.hint is not None or not problem.field:
        return problem
    inside = [
        dotted(loc)
        for loc in changed
        if dotted(loc).startswith((problem.field + ".", problem.field + "["))
    ]
    if not inside:
        return problem
    return replace(problem, hint=f"after --set {', '.join(inside)}")


def load_scenario(
    path: str | os.PathLike[str],
    overrides: Sequence[str] | Mapping[str, Any] = (),
    *,
    strict: bool = False,
) -> Scenario:
    """The validated :class:`Scenario` in ``path`` (a file or a scenario name).

    ``overrides`` are ``PATH=VALUE`` strings (as given to ``--set``) or a ``{path: value}``
    mapping.  ``strict`` also requires evidence for every number.  Raises
    :class:`ScenarioError` listing every problem found.
    """
    return load_resolved(path, overrides, strict=strict).scenario
