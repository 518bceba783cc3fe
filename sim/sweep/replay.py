"""Replay one world of a finished sweep from its manifest: same scenario, parameters and seed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.records import MANIFEST_FILE, RUNS_FILE
from sim.errors import SweepError
from sim.experiment.sampling import flatten
from sim.experiment.spec import Cell, Experiment
from sim.scenario.schema import Scenario
from sim.sweep.integrity import manifest_problems, runs_problems
from sim.sweep.manifest import code_hash, read_manifest, scenario_hash

# ---------------------------------------------------------------------------------------------
# Replaying one world


@dataclass(frozen=True)
class WorldReplay:
    """Everything needed to rerun one world of a sweep on its own."""

    experiment: Experiment
    cell: Cell
    world: int
    seed: int
    sampled: Mapping[str, np.ndarray]
    model_world: int
    """The key of the world's own random draws: the world itself, or its Saltelli block or
    Morris trajectory (:func:`sim.experiment.designs.noise_worlds`)."""
    code_changed: bool = False
    """The model's code differs from the code that ran the sweep (the replay may differ)."""

    @property
    def scenario(self) -> Scenario:
        """The cell's scenario."""
        return self.cell.scenario

    def overrides(self) -> dict[str, float]:
        """The world's sampled values as scalar field overrides (a table as its entries)."""
        values: dict[str, float] = {}
        for parameter in self.cell.parameters:
            drawn = np.asarray(self.sampled[parameter.path])
            if drawn.ndim == 1:
                values[parameter.path] = float(drawn[0])
            else:
                for lane, issue in enumerate(parameter.field.lanes):
                    values[f"{parameter.path}.{issue}"] = float(drawn[0, lane])
        return values

    def parameters(self) -> dict[str, float]:
        """The world's ``param.*`` columns, as in runs.parquet."""
        return {
            name: float(np.asarray(value)[0])
            for name, value in flatten(self.cell.parameters, self.sampled).items()
        }


def replay_world(results: str | Path, world: int, cell: int | None = None) -> WorldReplay:
    """Rebuild world ``world`` of cell ``cell`` of the sweep in the folder ``results``.

    The experiment and its scenarios come from the manifest (not from the files, which may have
    changed since); the cell's scenario is checked against its recorded hash.  ``cell`` may be
    left out when the sweep has one cell.  Raises :class:`SweepError` with a readable message.
    """
    from sim.errors import InputError
    from sim.experiment.designs import noise_worlds
    from sim.experiment.loader import experiment_from_manifest
    from sim.experiment.quantiles import factors_of, sample_design

    directory = Path(results)
    if directory.is_file():
        directory = directory.parent
    manifest = read_manifest(directory) if directory.is_dir() else None
    if manifest is None:
        raise SweepError(
            f"{directory}: no {MANIFEST_FILE}; is this a folder written by parley sweep?"
        )
    problems = manifest_problems(manifest)
    if problems:
        raise SweepError(f"{directory / MANIFEST_FILE}: {problems[0]}")
    _check_runs(directory, manifest)
    try:
        experiment = experiment_from_manifest(manifest)
    except (InputError, KeyError, ValueError) as error:
        raise SweepError(
            f"{directory / MANIFEST_FILE}: cannot rebuild the experiment: {error}"
        ) from error
    cells = experiment.cells
    if cell is None:
        if len(cells) > 1:
            listing = "; ".join(f"{c.index}: {c.label}" for c in cells)
            raise SweepError(
                f"this sweep has {len(cells)} cells: choose one with --cell ({listing})"
            )
        cell = 0
    if not 0 <= cell < len(cells):
        raise SweepError(f"no cell {cell}; cells are 0..{len(cells) - 1}")
    chosen = cells[cell]
    recorded = manifest.get("cells", [])
    if cell < len(recorded) and recorded[cell].get("scenario_hash") != scenario_hash(
        chosen.scenario
    ):
        raise SweepError(
            f"{directory / MANIFEST_FILE}: cell {cell}'s scenario does not rebuild to the one that "
            "ran (another parley version?)"
        )
    runs = int(manifest.get("runs_per_cell", experiment.runs))
    if not 0 <= world < runs:
        raise SweepError(f"no world {world}; worlds are 0..{runs - 1}")
    sampled = sample_design(
        experiment.design, chosen.parameters, experiment.seed, runs, np.array([world])
    )
    n_factors = len(factors_of(chosen.parameters))
    model_world = int(noise_worlds(experiment.design, n_factors, [world])[0])
    changed = manifest.get("code_hash", code_hash()) != code_hash()
    return WorldReplay(experiment, chosen, world, experiment.seed, sampled, model_world, changed)


def _check_runs(directory: Path, manifest: Mapping[str, Any]) -> None:
    """Refuse a ``runs.parquet`` that does not match the manifest (a replay is compared with
    its row); an unfinished sweep has none yet, which is fine."""
    runs_path = directory / RUNS_FILE
    if not runs_path.exists():
        if manifest.get("status") == "complete":
            raise SweepError(f"{runs_path}: missing, but the manifest says the sweep is complete")
        return
    if manifest.get("status") != "complete":
        raise SweepError(
            f"{directory / MANIFEST_FILE}: status: the sweep is not complete, yet runs.parquet "
            "is there; finish it with parley sweep --resume"
        )
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(runs_path).names
        table = pq.read_table(runs_path, columns=[c for c in _RECORD_COLUMNS if c in names])
    except Exception as error:  # pyarrow raises several unrelated types for corrupt files
        raise SweepError(f"{runs_path}: cannot read parquet: {error}") from None
    problems = runs_problems(table, manifest)
    if problems:
        raise SweepError(f"{runs_path}: {problems[0]}")


_RECORD_COLUMNS = ("cell", "world", "seed", "round", "agreed", "end_reason")
