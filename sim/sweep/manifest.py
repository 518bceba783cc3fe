"""The sweep manifest: what ran (experiment, scenarios, cells, seeds, versions) and its hashes."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim import __version__
from sim.core.newton_kernel import engine
from sim.core.records import MANIFEST_FILE, ROUNDS_FILE, RUNS_FILE
from sim.core.round_histograms import (
    BIN_WIDTH,
    QUANTILES,
    ROUND_SLOTS,
    UNIT_RANGE,
    UTILITY_RANGE,
)
from sim.errors import SweepError
from sim.experiment.spec import Cell, Experiment
from sim.io import read_json_object, write_text
from sim.scenario.schema import Scenario

# ---------------------------------------------------------------------------------------------
# The manifest


def _sha256(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of a scenario's canonical JSON."""
    return _sha256(scenario.model_dump(mode="json"))


MODEL_PACKAGES = ("core", "distributions", "experiment", "scenario", "sweep", "arrays.py")
"""The parts of ``sim`` whose source determines a sweep's numbers (see :func:`code_hash`)."""


@functools.cache
def code_hash() -> str:
    """SHA-256 of the source of the model: every ``.py`` file of :data:`MODEL_PACKAGES`.

    A resumed sweep must be run by the same code as its first part; the version string alone
    does not change with every commit that changes results.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for package in MODEL_PACKAGES:
        where = root / package
        for path in [where] if where.is_file() else sorted(where.rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def sweep_identity(experiment: Experiment, chunk_size: int) -> dict[str, Any]:
    """Everything that determines a sweep's results; its hash guards ``resume``."""
    return {
        "code": code_hash(),
        "parley_version": __version__,
        "experiment": experiment.spec.model_dump(mode="json"),
        "scenarios": {name: scenario_hash(s) for name, s in experiment.scenarios.items()},
        "cells": [_cell_entry(cell) for cell in experiment.cells],
        "seed": experiment.seed,
        "runs": experiment.runs,
        "chunk_size": chunk_size,
    }


def results_hash(experiment: Experiment) -> str:
    """SHA-256 of what decides every row of ``runs.parquet``: the sweep identity without the
    chunk size (the manifest's ``experiment_hash`` includes it, to guard ``resume``)."""
    identity = sweep_identity(experiment, chunk_size=0)
    del identity["chunk_size"]
    return _sha256(identity)


def _cell_entry(cell: Cell) -> dict[str, Any]:
    return {
        "cell": cell.index,
        "scenario": cell.scenario_name,
        "factors": dict(cell.factors),
        "scenario_hash": scenario_hash(cell.scenario),
        "parameters": [p.path for p in cell.parameters],
    }


def _git_commit() -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return {"git_commit": None}
        status = subprocess.run(
            # Outputs (results/, where sweeps write and the showcase lives) are not code: a
            # sweep rewriting its own manifest must not mark the code as changed.
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ":(top,exclude)results"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return {"git_commit": commit.stdout.strip(), "git_dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None}


def portable_path(path: Path) -> str:
    """``path`` as the manifest records it: relative to the project (else to the working folder).

    A manifest is shipped with results, so it must not hold the folders of the machine that made
    it; a path outside both is kept as given.
    """
    resolved = Path(path).resolve()
    for base in (Path(__file__).resolve().parents[2], Path.cwd().resolve()):
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    return str(path)


def build_manifest(
    experiment: Experiment,
    *,
    chunk_size: int,
    n_chunks: int,
    backend: str,
    workers: int,
    started: datetime,
    finished: datetime | None = None,
    status: str = "running",
) -> dict[str, Any]:
    """The JSON manifest written next to runs.parquet."""
    identity = sweep_identity(experiment, chunk_size)
    experiment_entry = experiment.spec.model_dump(mode="json")
    experiment_entry["runs"] = experiment.runs
    experiment_entry["path"] = portable_path(experiment.path) if experiment.path else None
    experiment_entry["scenario_paths"] = {
        name: portable_path(path) for name, path in experiment.scenario_paths.items()
    }
    timings: dict[str, Any] = {"started": started.isoformat(timespec="seconds")}
    if finished is not None:
        timings["finished"] = finished.isoformat(timespec="seconds")
        timings["seconds"] = round((finished - started).total_seconds(), 3)
    return {
        "status": status,
        "parley_version": __version__,
        "code_hash": identity["code"],
        **_git_commit(),
        "experiment": experiment_entry,
        "experiment_hash": _sha256(identity),
        "results_hash": results_hash(experiment),
        "scenarios": {name: s.model_dump(mode="json") for name, s in experiment.scenarios.items()},
        "scenario_hashes": identity["scenarios"],
        "cells": identity["cells"],
        "seed": experiment.seed,
        "runs_per_cell": experiment.runs,
        "n_cells": len(experiment.cells),
        "n_worlds": experiment.runs * len(experiment.cells),
        "files": {"runs": RUNS_FILE, "rounds": ROUNDS_FILE},
        "rounds": {  # how rounds.parquet bins each round's distributions
            "bin_width": BIN_WIDTH,
            "utility_range": list(UTILITY_RANGE),
            "status_quo_range": list(UNIT_RANGE),
            "quantiles": list(QUANTILES),
            "max_round_slots": ROUND_SLOTS,
        },
        "chunk_size": chunk_size,
        "n_chunks": n_chunks,
        "common_random_numbers": True,
        "engine": engine(),  # the quadratic dual's Newton: compiled kernel or numpy reference
        "backend": backend,
        "workers": workers,
        "timings": timings,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
        **dependency_versions(),
    }


RESULT_DEPENDENCIES = ("numpy", "scipy", "pandas", "pyarrow", "mesa", "numba")
"""The installed packages whose versions can change what a sweep computes or records."""


def dependency_versions() -> dict[str, str | None]:
    """The installed version of each package in :data:`RESULT_DEPENDENCIES` (None if absent)."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in RESULT_DEPENDENCIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def write_json_atomic(payload: Mapping[str, Any], path: Path) -> None:
    """Write ``payload`` as indented JSON at ``path``, atomically."""
    write_text(path, json.dumps(payload, indent=2) + "\n")


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of a results folder, or None if it has none."""
    path = directory / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        return read_json_object(path)
    except (OSError, ValueError, RecursionError) as error:
        raise SweepError(f"{path}: cannot read the manifest: {error}") from error
