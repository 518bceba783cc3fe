"""Validate raw scenario data against the schema and the cross-reference and evidence checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from sim.errors import Problem, sort_problems
from sim.scenario.evidence import _cross_reference_hint, evidence_problems, unsupported_numbers
from sim.scenario.limits import MAX_ACTORS, MAX_ISSUES
from sim.scenario.messages import problems_from_validation_error
from sim.scenario.schema import Scenario, cross_reference_problems
from sim.scenario.yaml_source import Locator


def validate_scenario_data(
    data: Mapping[str, Any], locator: Locator, *, strict: bool = False
) -> tuple[Scenario | None, list[Problem]]:
    """Validate raw scenario data; returns the Scenario (None if invalid) and every problem.

    Field validation (pydantic), cross references (run on the raw data, so they are reported
    even when fields are wrong), evidence keys and, if ``strict``, evidence for every number.
    """
    too_many = [
        locator.problem((section,), f"{len(data[section]):,} {section}; at most {limit}")
        for section, limit in (("actors", MAX_ACTORS), ("issues", MAX_ISSUES))
        if isinstance(data.get(section), Mapping) and len(data[section]) > limit
    ]
    if too_many:  # before any check whose work grows with actors x issues
        return None, too_many
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, locator, model=Scenario))
    for loc, message in cross_reference_problems(data):
        problems.append(locator.problem(loc, message, _cross_reference_hint(data, message)))
    problems.extend(evidence_problems(data, locator))
    if strict:  # a field already refused needs fixing, not evidence: one problem for it
        refused = {(problem.file, problem.field) for problem in problems}
        problems.extend(
            problem
            for problem in unsupported_numbers(data, locator)
            if (problem.file, problem.field) not in refused
        )
    problems = sort_problems(problems)
    return (scenario if not problems else None), problems
