"""Is a results folder what its manifest says?  The checks every reader of sweep results runs.

A manifest must have the fields and types :func:`manifest_problems` lists, and its recorded
``experiment_hash`` must match the experiment, scenarios, cells, seed, runs and code it records:
a manifest edited by hand (another seed, a changed scenario) is refused, so a replay cannot
silently rerun another world and a report cannot describe a scenario that did not run.
``runs.parquet`` must have the columns and types of the record schema, as many rows as the
manifest's worlds, and no cell outside the manifest's cells (:func:`runs_problems`).  Every
message names the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from sim.scenario.limits import MAX_RUNS, MAX_SEED
from sim.sweep.manifest import _sha256

_INT_FIELDS = ("seed", "runs_per_cell", "n_cells", "n_worlds", "chunk_size")
_TEXT_FIELDS = ("status", "experiment_hash", "parley_version")


def manifest_problems(manifest: object) -> list[str]:
    """What is wrong with a parsed ``manifest.json`` (``field: message`` each); [] if nothing."""
    if not isinstance(manifest, Mapping):
        return ["the manifest is not a JSON object"]
    problems = _type_problems(manifest)
    if problems:
        return problems
    return _consistency_problems(manifest)


def _type_problems(manifest: Mapping[str, Any]) -> list[str]:
    """Fields missing or of the wrong type (and numbers that are not finite)."""
    problems: list[str] = []
    for name in _TEXT_FIELDS:
        if not isinstance(manifest.get(name), str):
            problems.append(f"{name}: missing or not text")
    for name in _INT_FIELDS:
        value = manifest.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEED:
            problems.append(f"{name}: missing or not a whole number in [0, 2^63)")
    if "code_hash" in manifest and not isinstance(manifest["code_hash"], str):
        problems.append("code_hash: not text")
    experiment = manifest.get("experiment")
    if not isinstance(experiment, Mapping):
        problems.append("experiment: missing or not an object")
    scenarios = manifest.get("scenarios")
    if not isinstance(scenarios, Mapping) or not scenarios:
        problems.append("scenarios: missing or not an object of scenarios")
        scenarios = {}
    hashes = manifest.get("scenario_hashes")
    if not isinstance(hashes, Mapping):
        problems.append("scenario_hashes: missing or not an object")
        hashes = {}
    cells = manifest.get("cells")
    if not isinstance(cells, list) or not cells:
        problems.append("cells: missing or not a list of cells")
        cells = []
    for index, entry in enumerate(cells):
        problems.extend(_cell_problems(index, entry, scenarios))
    problems.extend(_non_finite(manifest, "manifest"))
    return problems


def _consistency_problems(manifest: Mapping[str, Any]) -> list[str]:
    """Counts that disagree, and hashes that do not match what the manifest records."""
    problems: list[str] = []
    cells, scenarios, hashes = manifest["cells"], manifest["scenarios"], manifest["scenario_hashes"]
    runs, n_cells = manifest["runs_per_cell"], manifest["n_cells"]
    if not 1 <= runs <= MAX_RUNS:
        problems.append(f"runs_per_cell: {runs} is outside [1, {MAX_RUNS:,}]")
    if n_cells != len(cells):
        problems.append(f"n_cells: {n_cells}, but 'cells' lists {len(cells)}")
    if manifest["n_worlds"] != runs * n_cells:
        problems.append(f"n_worlds: {manifest['n_worlds']}, not runs_per_cell x n_cells")
    for name, scenario in scenarios.items():
        if hashes.get(name) != _sha256(scenario):
            problems.append(
                f"scenarios.{name}: does not match its recorded hash (was the manifest edited?)"
            )
    if not problems and manifest["experiment_hash"] != _sha256(recorded_identity(manifest)):
        problems.append(
            "experiment_hash: does not match the experiment, seed, runs and cells the manifest "
            "records (was the manifest edited?)"
        )
    return problems


def _cell_problems(index: int, entry: object, scenarios: Mapping[str, Any]) -> list[str]:
    where = f"cells[{index}]"
    if not isinstance(entry, Mapping):
        return [f"{where}: not an object"]
    problems = []
    if entry.get("cell") != index or isinstance(entry.get("cell"), bool):
        problems.append(f"{where}.cell: should be {index}")
    if entry.get("scenario") not in scenarios:
        problems.append(f"{where}.scenario: names no scenario of 'scenarios'")
    if not isinstance(entry.get("factors", {}), Mapping):
        problems.append(f"{where}.factors: not an object")
    if not isinstance(entry.get("parameters", []), list):
        problems.append(f"{where}.parameters: not a list")
    return problems


def _non_finite(value: object, where: str) -> list[str]:
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where}: {value} is not a finite number"]
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in _non_finite(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _non_finite(item, f"{where}[{i}]")]
    return []


def recorded_identity(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The sweep identity (:func:`sim.sweep.manifest.sweep_identity`) rebuilt from what a
    manifest records, so its hash can be compared with the recorded ``experiment_hash``."""
    experiment = {
        key: value
        for key, value in manifest["experiment"].items()
        if key not in ("path", "scenario_paths")
    }
    identity: dict[str, Any] = {
        "parley_version": manifest["parley_version"],
        "experiment": experiment,
        "scenarios": {name: _sha256(s) for name, s in manifest["scenarios"].items()},
        "cells": manifest["cells"],
        "seed": manifest["seed"],
        "runs": manifest["runs_per_cell"],
        "chunk_size": manifest["chunk_size"],
    }
    if "code_hash" in manifest:
        identity["code"] = manifest["code_hash"]
    return identity


_COLUMN_TYPES = {
    "cell": pa.types.is_integer,
    "world": pa.types.is_integer,
    "seed": pa.types.is_integer,
    "round": pa.types.is_integer,
    "agreed": pa.types.is_boolean,
    "end_reason": lambda t: (
        pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)
    ),
}
_FLOAT_PREFIXES = ("term.", "utility.", "reservation.", "gain.", "param.")


def results_problems(manifest: Mapping[str, Any], table: pa.Table) -> list[str]:
    """What a reader of a results folder must refuse (``field: message`` each).

    A manifest written by ``parley sweep`` (it has an ``experiment_hash``) is checked in full
    (:func:`manifest_problems`); a hand-written one (tests, other tools) only for the types of
    the fields it has.  Either way the sweep must be complete, and ``runs.parquet`` must have
    the record's column types, no empty cells, at least one row, and as many rows as the
    manifest's ``n_worlds``.
    """
    status = manifest.get("status", "complete")
    if status != "complete":
        return [
            f"status: {str(status)[:40]!r}, not 'complete': the sweep has not finished "
            "(finish it with parley sweep --resume)"
        ]
    if "experiment_hash" in manifest:
        problems = manifest_problems(manifest)
    else:
        problems = [
            f"{name}: not a whole number"
            for name in _INT_FIELDS
            if name in manifest
            and (not isinstance(manifest[name], int) or isinstance(manifest[name], bool))
        ]
        problems += _non_finite(manifest, "manifest")
        if "cells" in manifest and not isinstance(manifest["cells"], list):
            problems.append("cells: not a list")
    if problems:
        return problems
    return runs_problems(table, manifest)


def runs_problems(table: pa.Table, manifest: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``runs.parquet`` (``table``) against its ``manifest``."""
    problems: list[str] = []
    if table.num_rows == 0:
        return ["rows: runs.parquet has no rows"]
    for name, is_type in _COLUMN_TYPES.items():
        if name not in table.column_names:
            if name != "cell":  # a single-cell frame may leave it out
                problems.append(f"{name}: missing column")
            continue
        column = table.column(name)
        if not is_type(column.type):
            problems.append(f"{name}: column of type {column.type}, not the record's type")
        elif column.null_count:
            problems.append(f"{name}: {column.null_count} empty (null) values")
    for name in table.column_names:
        if name.startswith(_FLOAT_PREFIXES) and not (
            pa.types.is_floating(table.schema.field(name).type)
            or pa.types.is_integer(table.schema.field(name).type)
        ):
            problems.append(f"{name}: column of type {table.schema.field(name).type}, not numbers")
    n_worlds = manifest.get("n_worlds")
    if isinstance(n_worlds, int) and table.num_rows != n_worlds:
        problems.append(f"rows: {table.num_rows:,}, but the manifest records {n_worlds:,} worlds")
    cells = manifest.get("cells")
    if not problems and "cell" in table.column_names and isinstance(cells, list) and cells:
        import pyarrow.compute as pc

        low, high = pc.min_max(table.column("cell")).values()
        if low.as_py() < 0 or high.as_py() >= len(cells):
            problems.append(f"cell: values outside the manifest's cells 0..{len(cells) - 1}")
    return problems
