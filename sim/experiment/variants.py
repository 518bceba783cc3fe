"""Variants keep their meaning: no prior or factor silently overwrites a field that the
experiment's scenarios set differently.

An experiment over ``[alaska-summit, my-variant]`` compares two scenarios.  If ``my-variant``
sets Russia's war cost to 0.10 and the baseline to 0.06, a prior that draws the war cost from
fixed numbers (uniform, triangular, choice, or a normal or beta with its own ``mean``) would
give both cells the same values and erase the variant's change, while the cell still carries
the variant's name.  The rule:

* a *centred* prior (normal or beta without ``mean``, dirichlet) is applied relative to each
  cell's own scenario value, so the variant keeps its change and the uncertainty around it;
* an *absolute* prior, or a factor, on a field that the scenarios set differently is refused,
  naming the field and each scenario's value, with the centred prior as the hint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.experiment.paths import CellProblem, expand_factor_path, match_pattern
from sim.experiment.priors import Beta, Dirichlet, Normal, PriorModel
from sim.experiment.spec import WILDCARD, Cell, ExperimentSpec
from sim.scenario.schema import Scenario

_CENTRED_HINT = (
    "put a centred prior on it, e.g. {dist: normal, sd: 0.02} (no mean), which each cell "
    "centres on its own scenario's value"
)


def is_centred(prior: PriorModel) -> bool:
    """Whether ``prior`` is located at the scenario's own value (no fixed numbers of its own)."""
    if isinstance(prior, Dirichlet):
        return True
    return isinstance(prior, Normal | Beta) and prior.mean is None


def _shown(values: Sequence[float | None]) -> str:
    shown = ["-" if v is None else f"{v:g}" for v in values]
    return shown[0] if len(shown) == 1 else "(" + ", ".join(shown) + ")"


def _differing(per_scenario: Mapping[str, str]) -> str | None:
    if len(set(per_scenario.values())) < 2:
        return None
    return ", ".join(f"{name} ({value})" for name, value in per_scenario.items())


def _pattern_for(spec: ExperimentSpec, path: str, prior: PriorModel) -> str:
    candidates = [
        pattern
        for pattern, candidate in spec.uncertainty.items()
        if candidate == prior and match_pattern(pattern, [path])
    ]
    return min(candidates, key=lambda p: p.split(".").count(WILDCARD), default=path)


def prior_overwrite_problems(spec: ExperimentSpec, cells: Sequence[Cell]) -> list[CellProblem]:
    """Absolute priors on fields the experiment's scenarios set differently (see module doc)."""
    values: dict[str, dict[str, str]] = {}
    priors: dict[str, PriorModel] = {}
    for cell in cells:
        for parameter in cell.parameters:
            if is_centred(parameter.prior):
                continue
            priors[parameter.path] = parameter.prior
            shown = _shown(parameter.field.base)
            values.setdefault(parameter.path, {}).setdefault(cell.scenario_name, shown)
    problems: list[CellProblem] = []
    for path, per_scenario in values.items():
        differing = _differing(per_scenario)
        if differing is not None:
            pattern = _pattern_for(spec, path, priors[path])
            problems.append(
                (
                    ("uncertainty", pattern),
                    f"{path} differs between the scenarios: {differing}; this prior would "
                    "draw the same values in every cell and erase the difference",
                    _CENTRED_HINT,
                )
            )
    return problems


def _value_at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def factor_overwrite_problems(
    spec: ExperimentSpec, scenarios: Mapping[str, Scenario]
) -> list[CellProblem]:
    """Factors on fields the experiment's scenarios set differently (see module doc)."""
    dumps = {name: scenario.model_dump() for name, scenario in scenarios.items()}
    problems: list[CellProblem] = []
    if len(scenarios) < 2:
        return problems
    for pattern in spec.factors:
        per_path: dict[str, dict[str, str]] = {}
        for name, scenario in scenarios.items():
            for path in expand_factor_path(pattern, scenario):
                value = _value_at(dumps[name], path)
                per_path.setdefault(path, {})[name] = (
                    _shown([value]) if isinstance(value, float) else str(value)
                )
        for path, per_scenario in per_path.items():
            differing = _differing(per_scenario)
            if differing is not None:
                problems.append(
                    (
                        ("factors", pattern),
                        f"{path} differs between the scenarios: {differing}; a factor would "
                        "set it to the same value in every cell and erase the difference",
                        "run the variants as separate experiments, or vary a field they share",
                    )
                )
    return problems
