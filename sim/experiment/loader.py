"""Read experiment files into :class:`~sim.experiment.spec.Experiment` objects, reporting every problem at once."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError, Problem, did_you_mean, display_path, sort_problems
from sim.experiment.cells import build_cells, build_experiment
from sim.experiment.priors import DISTRIBUTIONS, PRIOR_MODELS
from sim.experiment.spec import Cell, Experiment, ExperimentError, ExperimentSpec
from sim.scenario.discovery import (
    SCENARIO_SUFFIXES,
    library_dirs,
    name_hint,
    outside_search_path,
    resolve_scenario_path,
    scenario_dirs,
    scenario_hint,
)
from sim.scenario.limits import MAX_EXPERIMENT_SCENARIOS, MAX_PRIORS
from sim.scenario.messages import problems_from_validation_error, wrong_kind_problem
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Locator, read_yaml

# ---------------------------------------------------------------------------------------------
# Loading a file


def experiment_dirs() -> list[Path]:
    """Where bare experiment names are looked up: ``./experiments`` then the shipped library's
    (:func:`sim.scenario.discovery.library_dirs`)."""
    return library_dirs("experiments")


def resolve_experiment_path(name_or_path: str | os.PathLike[str]) -> Path:
    """An experiment file given by path, or by name (``veto-structure`` finds
    ``experiments/veto-structure.yaml`` here or in the shipped library).

    Raises :class:`ExperimentError` with a "did you mean" hint if there is no such file.
    """
    given = Path(name_or_path)
    if given.is_file() or given.is_dir():
        return given  # a folder is refused when it is read, as for any other path
    if len(given.parts) > 1 or given.suffix in SCENARIO_SUFFIXES:
        hint = name_hint(given.name, [], [given.parent])
        raise ExperimentError([Problem(str(given), None, "", "no such file", hint)])
    names: list[str] = []
    for folder in experiment_dirs():
        for suffix in SCENARIO_SUFFIXES:
            if (folder / f"{given.name}{suffix}").is_file():
                return folder / f"{given.name}{suffix}"
        names += [p.stem for p in folder.iterdir() if p.suffix in SCENARIO_SUFFIXES]
    looked = ", ".join(display_path(d) for d in experiment_dirs()) or "nowhere"
    message = f"no experiment file '{given}' (looked in ., {looked})"
    hint = name_hint(str(given), names, [Path.cwd()])
    raise ExperimentError([Problem(str(given), None, "", message, hint)])


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read, validate and build the experiment in ``path`` (a file, or a name: see
    :func:`resolve_experiment_path`).

    Loads every scenario it names (a bare name is looked up in ``./scenarios`` and the
    repository's ``scenarios/``; a path is relative to the experiment file), applies the
    factors, expands the wildcards and checks every prior against the field it is put on.
    Raises :class:`ExperimentError` listing every problem with file, line, field and a hint.
    """
    file_path = resolve_experiment_path(path)
    try:
        data, locator = read_yaml(file_path)
    except InputError as error:
        raise ExperimentError(error.problems) from None
    wrong_kind = wrong_kind_problem(data, locator, "experiment")
    if wrong_kind is not None:
        raise ExperimentError([wrong_kind])
    problems, bad_priors = _spec_problems(data, locator)

    # Carry on past field problems where possible, so that one run reports every problem.
    spec = _salvage(data, bad_priors)
    refs = data.get("scenario")
    scenario_list = [refs] if isinstance(refs, str) else refs
    scenarios: dict[str, Scenario] = {}
    scenario_paths: dict[str, Path] = {}
    cells: tuple[Cell, ...] = ()
    if (
        isinstance(scenario_list, list)
        and len(scenario_list) <= MAX_EXPERIMENT_SCENARIOS
        and all(isinstance(r, str) for r in scenario_list)
    ):
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
    from sim.scenario.loader import load_scenario

    try:
        resolved = _resolve_scenario(ref, file_path)
    except InputError:
        looked = ", ".join(dict.fromkeys(display_path(d) for d in scenario_dirs())) or "nowhere"
        message = f"no scenario '{ref}' (looked in {looked})"
        problems.append(locator.problem(loc, message, scenario_hint(ref, [file_path.parent])))
        return None
    refused = outside_search_path(resolved, [file_path.parent])
    if refused is not None:
        problems.append(locator.problem(loc, f"scenario '{ref}' {refused}"))
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
    if len(uncertainty) > MAX_PRIORS:
        message = f"{len(uncertainty):,} priors; at most {MAX_PRIORS}"
        problems.append(locator.problem(("uncertainty",), message))
        return problems, set(uncertainty)
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
