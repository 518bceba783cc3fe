"""Experiments: which scenarios to run, what is uncertain in them, and which factors to vary.

An experiment file names one scenario or several, the number of worlds per cell, a seed, priors
over per-world scenario fields (``uncertainty``, sampled afresh in every world; see
:mod:`sim.sampling`) and a grid of fixed values (``factors``; every combination of values times
every scenario is one cell)::

    name: sanctions-pressure
    description: Does more US pressure make a deal more likely?
    scenario: alaska-summit              # or a list of scenarios to compare
    runs: 100000                         # worlds per cell
    seed: 7
    uncertainty:
      actors.russia.war_cost: {dist: uniform, low: 0.005, high: 0.03}
      actors.*.salience: {dist: dirichlet, concentration: 50}
    factors:
      actors.us.strategy.beta: [0.5, 1.0, 2.0]

A ``*`` stands for every actor (or issue) of the scenario: ``actors.*.war_cost`` puts a prior on
each actor's war cost, each with its own independent draws.  A path without a wildcard wins over
a wildcard that also matches it.  Each concrete path draws from its own counter-based stream,
so world ``w`` samples the same values in every cell (common random numbers): cells differ only
by what defines them.  Factor paths may name any scenario field (structural ones too:
``actors.ukraine.veto``, ``protocol.max_rounds``); each cell's scenario is validated again.

Problems are reported like scenario problems: file, line, field, message and a "did you mean"
hint (:mod:`sim.loader`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.loader import (
    InputError,
    Locator,
    Problem,
    ScenarioError,
    did_you_mean,
    display_path,
    problems_from_validation_error,
    read_yaml,
    resolve_scenario_path,
    scenario_dirs,
    sort_problems,
)
from sim.sampling import (
    DISTRIBUTIONS,
    Beta,
    Choice,
    Dirichlet,
    Normal,
    Parameter,
    Prior,
    SampleableField,
    Triangular,
    Uniform,
    parameter_stream,
    prior_problems,
    sampleable_fields,
)
from sim.scenario import Scenario

PRIOR_MODELS: dict[str, type[BaseModel]] = {
    "uniform": Uniform,
    "normal": Normal,
    "beta": Beta,
    "triangular": Triangular,
    "dirichlet": Dirichlet,
    "choice": Choice,
}
WILDCARD = "*"
MAX_CELLS = 10_000


class ExperimentError(InputError):
    """An experiment file (or a scenario or factor value it refers to) is not valid."""


class ExperimentSpec(BaseModel):
    """The contents of an experiment file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = Field(default="", description="the question the experiment answers")
    scenario: str | list[str] = Field(description="a scenario name or path, or a list of them")
    runs: int = Field(ge=1, le=10**10, description="worlds per cell")
    seed: int = Field(default=0, ge=0, lt=2**63)
    uncertainty: dict[str, Prior] = Field(default_factory=dict)
    factors: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(default_factory=dict)

    @field_validator("scenario")
    @classmethod
    def _some_scenario(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names:
            raise ValueError("name at least one scenario")
        if len(set(names)) != len(names):
            raise ValueError("a scenario is listed twice")
        return value

    @property
    def scenario_refs(self) -> list[str]:
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
        return self.spec.name

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def runs(self) -> int:
        return self.spec.runs

    @property
    def n_worlds(self) -> int:
        return self.runs * len(self.cells)

    def with_runs(self, runs: int) -> Experiment:
        """The same experiment with another number of worlds per cell."""
        if runs < 1:
            raise ValueError("runs must be >= 1")
        return replace(self, spec=self.spec.model_copy(update={"runs": runs}))

    def cell(self, index: int) -> Cell:
        if not 0 <= index < len(self.cells):
            raise IndexError(f"no cell {index}; cells are 0..{len(self.cells) - 1}")
        return self.cells[index]


# ---------------------------------------------------------------------------------------------
# Paths, wildcards and cells


def match_pattern(pattern: str, paths: Sequence[str]) -> list[str]:
    """The paths matched by ``pattern``; ``*`` matches exactly one dotted segment."""
    parts = pattern.split(".")
    found = []
    for path in paths:
        segments = path.split(".")
        if len(segments) == len(parts) and all(
            p in (WILDCARD, s) for p, s in zip(parts, segments, strict=True)
        ):
            found.append(path)
    return found


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


def _field_exists(scenario: Scenario, path: str) -> bool:
    node: Any = scenario.model_dump()
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def expand_factor_path(pattern: str, scenario: Scenario) -> list[str]:
    """A factor path with wildcards expanded against the scenario's keys (itself if none)."""
    if WILDCARD not in pattern.split("."):
        return [pattern]
    expanded = [""]
    data: Any = scenario.model_dump()
    nodes: list[Any] = [data]
    for part in pattern.split("."):
        next_paths, next_nodes = [], []
        for prefix, node in zip(expanded, nodes, strict=True):
            keys = list(node) if (part == WILDCARD and isinstance(node, dict)) else [part]
            for key in keys:
                child = node.get(key) if isinstance(node, dict) else None
                next_paths.append(f"{prefix}.{key}" if prefix else key)
                next_nodes.append(child)
        expanded, nodes = next_paths, next_nodes
    return expanded


def apply_factors(scenario: Scenario, factors: Mapping[str, Any]) -> Scenario:
    """The scenario with every factor value set (wildcards expanded), validated again.

    Raises :class:`~sim.loader.ScenarioError` if a path is unknown or the result is invalid.
    """
    from sim.overrides import apply_to_scenario

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
        if any(_field_exists(scenario, path) for path in concrete):
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
) -> tuple[tuple[Cell, ...], list[tuple[tuple[str | int, ...], str, str | None]]]:
    """Every cell of the experiment (scenarios outer, factor grid inner, in file order).

    Returns the cells and problems ``(location in the experiment file, message, hint)``.
    """
    problems: list[tuple[tuple[str | int, ...], str, str | None]] = []
    factor_paths = list(spec.factors)
    grid = list(itertools.product(*(spec.factors[path] for path in factor_paths)))
    if len(grid) * len(scenarios) > MAX_CELLS:
        problems.append(
            (("factors",), f"{len(grid) * len(scenarios)} cells; at most {MAX_CELLS}", None)
        )
        return (), problems

    # Each factor value on its own first, so a bad value is reported at its list item.
    bad_value = False
    for name, scenario in scenarios.items():
        for path in factor_paths:
            for index, value in enumerate(spec.factors[path]):
                try:
                    apply_factors(scenario, {path: value})
                except InputError as error:
                    bad_value = True
                    for problem in error.problems:
                        where = f" (in scenario '{name}')" if len(scenarios) > 1 else ""
                        message = (
                            f"{problem.field}: {problem.message}"
                            if (problem.field and problem.field != path)
                            else problem.message
                        )
                        problems.append((("factors", path, index), message + where, problem.hint))
    for pattern in spec.uncertainty:
        for path in factor_paths:
            if match_pattern(pattern, [path]) or match_pattern(path, [pattern]):
                problems.append(
                    (
                        ("uncertainty", pattern),
                        f"also set by the factor '{path}'; a field is either sampled or a factor",
                        None,
                    )
                )
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
                for problem in error.problems:
                    problems.append(
                        (("factors",), f"{shown} in '{name}': {problem.message}", problem.hint)
                    )
                continue
            parameters, found = bind_parameters(spec.uncertainty, cell_scenario)
            for pattern, message, hint in found:
                binding_problems.setdefault((pattern, message), hint)
            fields = sampleable_fields(cell_scenario)
            for pattern in spec.uncertainty:
                if match_pattern(pattern, list(fields)):
                    matched.add(pattern)
            cells.append(Cell(len(cells), name, factors, cell_scenario, tuple(parameters)))
    for (pattern, message), hint in binding_problems.items():
        problems.append((("uncertainty", pattern), message, hint))
    for pattern in spec.uncertainty:
        if pattern not in matched:
            message, hint = _unknown_path_hint(pattern, list(scenarios.values()))
            problems.append((("uncertainty", pattern), message, hint))
    return (() if problems else tuple(cells)), problems


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
            Problem(where, None, _dotted(loc), message, hint) for loc, message, hint in problems
        )
    return Experiment(spec, dict(scenarios), cells, path, dict(scenario_paths or {}))


def _dotted(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# ---------------------------------------------------------------------------------------------
# Loading a file


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read, validate and build the experiment in ``path``.

    Loads every scenario it names (a bare name is looked up in ``./scenarios`` and the
    repository's ``scenarios/``; a path is relative to the experiment file), applies the
    factors, expands the wildcards and checks every prior against the field it is put on.
    Raises :class:`ExperimentError` listing every problem with file, line, field and a hint.
    """
    file_path = Path(path)
    try:
        data, locator = read_yaml(file_path)
    except InputError as error:
        raise ExperimentError(error.problems) from None
    problems, bad_priors = _spec_problems(data, locator)

    # Carry on past field problems where possible, so that one run reports every problem.
    spec = _salvage(data, bad_priors)
    refs = data.get("scenario")
    scenario_list = [refs] if isinstance(refs, str) else refs
    scenarios: dict[str, Scenario] = {}
    scenario_paths: dict[str, Path] = {}
    cells: tuple[Cell, ...] = ()
    if isinstance(scenario_list, list) and all(isinstance(r, str) for r in scenario_list):
        for index, ref in enumerate(scenario_list):
            loc: tuple[str | int, ...] = (
                ("scenario",) if isinstance(refs, str) else ("scenario", index)
            )
            found = _load_scenario_ref(ref, loc, file_path, locator, problems)
            if found is None:
                continue
            scenario, resolved = found
            if scenario.name in scenarios:
                problems.append(locator.problem(loc, f"two scenarios are named '{scenario.name}'"))
                continue
            scenarios[scenario.name] = scenario
            scenario_paths[scenario.name] = resolved
        if spec is not None and len(scenarios) == len(scenario_list):
            cells, cell_problems = build_cells(spec, scenarios)
            problems.extend(locator.problem(loc, msg, hint) for loc, msg, hint in cell_problems)
    if problems or spec is None:
        raise ExperimentError(sort_problems(problems))
    return Experiment(spec, scenarios, cells, file_path, scenario_paths)


_PLACEHOLDERS: dict[str, Any] = {"name": "experiment", "description": "", "runs": 1, "seed": 0}


def _salvage(data: Mapping[str, Any], bad_priors: set[str]) -> ExperimentSpec | None:
    """A spec for checking the rest of the file: unknown keys and bad priors dropped, bad
    scalars replaced by placeholders.  None if the scenarios or factors themselves are broken."""
    salvaged = {k: v for k, v in data.items() if k in ExperimentSpec.model_fields}
    if isinstance(data.get("uncertainty"), Mapping):
        salvaged["uncertainty"] = {
            k: v for k, v in data["uncertainty"].items() if k not in bad_priors
        }
    for attempt in range(2):
        try:
            return ExperimentSpec.model_validate(salvaged)
        except ValidationError as error:
            if attempt:
                return None
            for item in error.errors():
                key = item["loc"][0] if item["loc"] else None
                if key in _PLACEHOLDERS:
                    salvaged[str(key)] = _PLACEHOLDERS[str(key)]
                elif key not in ("scenario", "factors"):
                    salvaged.pop(str(key), None)
    return None


def _load_scenario_ref(
    ref: str,
    loc: tuple[str | int, ...],
    file_path: Path,
    locator: Locator,
    problems: list[Problem],
) -> tuple[Scenario, Path] | None:
    from sim.loader import load_scenario

    try:
        resolved = _resolve_scenario(ref, file_path)
    except InputError:
        looked = ", ".join(dict.fromkeys(display_path(d) for d in scenario_dirs())) or "nowhere"
        message = f"no scenario '{ref}' (looked in {looked})"
        problems.append(locator.problem(loc, message, did_you_mean(ref, _known_scenarios())))
        return None
    try:
        scenario = load_scenario(resolved)
    except InputError as error:
        problems.append(locator.problem(loc, f"scenario '{ref}' is not valid (see below)"))
        problems.extend(error.problems)
        return None
    return scenario, resolved


def _resolve_scenario(ref: str, experiment_path: Path) -> Path:
    """A path (with a folder or a suffix) is relative to the experiment file; a bare name is
    looked up among the scenarios (not next to the experiment, where an experiment file may
    share the scenario's name)."""
    given = Path(ref)
    if len(given.parts) > 1 or given.suffix in (".yaml", ".yml"):
        return resolve_scenario_path(ref, experiment_path.parent)
    folders = scenario_dirs()
    return resolve_scenario_path(ref, folders[0] if folders else None)


def _known_scenarios() -> list[str]:
    names: list[str] = []
    for folder in scenario_dirs():
        names += [p.stem for p in folder.rglob("*.y*ml")]
    return names


def _spec_problems(data: Mapping[str, Any], locator: Locator) -> tuple[list[Problem], set[str]]:
    """Field problems of an experiment file, each prior checked against its own model; also the
    uncertainty keys whose priors are invalid."""
    problems: list[Problem] = []
    bad: set[str] = set()
    uncertainty = data.get("uncertainty")
    top = dict(data)
    if isinstance(uncertainty, Mapping):
        top["uncertainty"] = {}
    try:
        ExperimentSpec.model_validate(top)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, locator, model=ExperimentSpec))
    if not isinstance(uncertainty, Mapping):
        return problems, bad
    for key, entry in uncertainty.items():
        found = list(_prior_problems(key, entry, locator))
        if found:
            bad.add(key)
            problems.extend(found)
    return problems, bad


def _prior_problems(key: str, entry: Any, locator: Locator) -> Iterator[Problem]:
    loc = ("uncertainty", key)
    if not isinstance(entry, Mapping):
        yield locator.problem(
            loc,
            "expected a prior such as {dist: uniform, low: 0, high: 1}",
            f"dist is one of: {', '.join(DISTRIBUTIONS)}",
        )
        return
    dist = entry.get("dist")
    if dist is None:
        yield locator.problem(loc, "needs 'dist:'", f"dist is one of: {', '.join(DISTRIBUTIONS)}")
        return
    model = PRIOR_MODELS.get(str(dist))
    if model is None:
        yield locator.problem(
            (*loc, "dist"),
            f"unknown distribution '{dist}'",
            did_you_mean(dist, DISTRIBUTIONS) or f"use one of: {', '.join(DISTRIBUTIONS)}",
        )
        return
    try:
        model.model_validate(entry)
    except ValidationError as error:
        inner = Locator(
            locator.file,
            {sub[2:]: origin for sub, origin in locator.origins.items() if sub[:2] == loc},
        )
        for problem in problems_from_validation_error(error, inner, model=model):
            name = f"uncertainty.{key}" + (f".{problem.field}" if problem.field else "")
            yield replace(problem, field=name)


__all__ = [
    "Cell",
    "Experiment",
    "ExperimentError",
    "ExperimentSpec",
    "SampleableField",
    "ScenarioError",
    "apply_factors",
    "bind_parameters",
    "build_cells",
    "build_experiment",
    "expand_factor_path",
    "load_experiment",
    "match_pattern",
    "parameter_stream",
    "experiment_from_manifest",
]


def experiment_from_manifest(manifest: Mapping[str, Any]) -> Experiment:
    """Rebuild the experiment a sweep ran from its ``manifest.json`` (no files needed).

    The scenarios are the resolved ones the manifest recorded, so later edits to the scenario
    files do not change what a replay runs.
    """
    entry = dict(manifest["experiment"])
    path = entry.pop("path", None)
    scenario_paths = entry.pop("scenario_paths", None) or {}
    spec = ExperimentSpec.model_validate(entry)
    scenarios = {
        str(name): Scenario.model_validate(data) for name, data in manifest["scenarios"].items()
    }
    return build_experiment(
        spec,
        scenarios,
        path=Path(path) if path else None,
        scenario_paths={name: Path(p) for name, p in scenario_paths.items()},
    )
