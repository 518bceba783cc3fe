"""Outcome analysis of result records: load a sweep's results, summarise each cell, find drivers.

Everything here reads records only (the columns documented in :mod:`sim.core.records`), never a live
model.  Proportions carry Wilson score intervals (Wilson 1927, "Probable inference, the law of
succession, and statistical inference", JASA 22:209–212), which keep their coverage near 0 and 1
where the Wald interval fails (Brown, Cai & DasGupta 2001).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow.parquet as pq
from pydantic import ValidationError

from sim.analysis.summaries import CellSummary, summarize
from sim.core.records import GAIN, MANIFEST_FILE, PARAM, REQUIRED_COLUMNS, RUNS_FILE, TERM
from sim.errors import InputError, ResultsError
from sim.experiment.cells import apply_factors
from sim.io import read_json_object
from sim.scenario.schema import Scenario
from sim.sweep.integrity import results_problems

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Loading a results directory


@dataclass(frozen=True)
class CellInfo:
    """One cell of a sweep: the scenario it ran and the factor values that define it."""

    cell: int
    scenario: str
    factors: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    """A sweep's records (one row per world) with its manifest and resolved scenarios."""

    path: Path
    runs: pd.DataFrame
    manifest: Mapping[str, Any]
    scenarios: Mapping[str, Scenario]
    cells: tuple[CellInfo, ...]

    @property
    def experiment(self) -> Mapping[str, Any]:
        """The experiment entry of the manifest (empty for a folder without one)."""
        experiment = self.manifest.get("experiment")
        return experiment if isinstance(experiment, Mapping) else {}

    @property
    def name(self) -> str:
        """The experiment's name, else the directory's name."""
        return str(self.experiment.get("name") or self.path.name)

    @property
    def title(self) -> str:
        """What a figure of these results names: the experiment and all the scenarios it ran
        (``veto-structure [alaska-summit]``; the name alone when it is the one scenario's)."""
        scenarios = list(self.scenarios)
        if scenarios == [self.name] or not scenarios:
            return self.name
        return f"{self.name} [{', '.join(scenarios)}]"

    @property
    def description(self) -> str:
        """The experiment's description (the question it asks), or empty."""
        return str(self.experiment.get("description") or "")

    @property
    def cell_ids(self) -> list[int]:
        """The cells that have records, in order."""
        return sorted(int(c) for c in pd.unique(self.runs["cell"]))

    def cell_info(self, cell: int) -> CellInfo:
        """The manifest's entry for ``cell``."""
        for info in self.cells:
            if info.cell == cell:
                return info
        raise KeyError(f"no cell {cell}; cells are {self.cell_ids}")

    def base_scenario(self, cell: int) -> Scenario:
        """The scenario a cell ran, before its factor values."""
        return self.scenarios[self.cell_info(cell).scenario]

    def scenario_for(self, cell: int) -> Scenario:
        """The scenario a cell ran with its factor values applied where they name a field."""
        info = self.cell_info(cell)
        return display_scenario(self.scenarios[info.scenario], info.factors)

    @property
    def issues(self) -> list[str]:
        """Issues with term columns, in the order the scenarios list them."""
        names = _ordered_union(s.issue_names for s in self.scenarios.values())
        present = _suffixes(self.runs.columns, TERM)
        return [n for n in names if n in present] + [n for n in present if n not in names]

    @property
    def actors(self) -> list[str]:
        """Actors with gain columns, in the order the scenarios list them."""
        names = _ordered_union(s.actor_names for s in self.scenarios.values())
        present = _suffixes(self.runs.columns, GAIN)
        return [n for n in names if n in present] + [n for n in present if n not in names]

    @property
    def param_columns(self) -> list[str]:
        """The sampled parameters' columns (``param.<path>``) with at least two distinct values."""
        return [
            c
            for c in self.runs.columns
            if c.startswith(PARAM) and self.runs[c].nunique(dropna=True) > 1
        ]

    def cell_label(self, cell: int) -> str:
        """A short label: the scenario, and the factor values when cells differ by factors."""
        info = self.cell_info(cell)
        parts = [info.scenario] if len(self.scenarios) > 1 or not info.factors else []
        parts += [f"{_short_path(k)}={_format_value(v)}" for k, v in info.factors.items()]
        label = ", ".join(parts) if parts else info.scenario
        return label if len(self.cells) == 1 else f"{cell}: {label}"

    def labels(self) -> dict[int, str]:
        """Every cell's label, by cell id."""
        return {c: self.cell_label(c) for c in self.cell_ids}

    def select(self, cells: Sequence[int] | None) -> Results:
        """The same results restricted to some cells (all when ``cells`` is None or empty)."""
        if not cells:
            return self
        unknown = [c for c in cells if c not in self.cell_ids]
        if unknown:
            raise ResultsError(f"no cell {unknown[0]} in {self.path}; cells are {self.cell_ids}")
        runs = self.runs[self.runs["cell"].isin(list(cells))].reset_index(drop=True)
        kept = tuple(info for info in self.cells if info.cell in cells)
        return Results(self.path, runs, self.manifest, self.scenarios, kept)

    def summarize(self) -> list[CellSummary]:
        """Per-cell summaries of the records (:func:`sim.analysis.summaries.summarize`)."""
        return summarize(self.runs, self.issues, self.actors, labels=self.labels())


def load_results(path: str | Path) -> Results:
    """Read a results directory written by ``parley sweep``: ``runs.parquet`` + ``manifest.json``.

    Extra columns and manifest keys are kept and ignored.  Raises :class:`ResultsError` with a
    message naming the file and the problem when the directory cannot be used.
    """
    directory = Path(path)
    if directory.is_file() and directory.name in (RUNS_FILE, MANIFEST_FILE):
        directory = directory.parent
    if not directory.exists():
        raise ResultsError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a directory (expected a results folder)")
    runs_path = directory / RUNS_FILE
    manifest_path = directory / MANIFEST_FILE
    for required in (runs_path, manifest_path):
        if not required.exists():
            raise ResultsError(
                f"{directory}: no {required.name}; is this a folder written by `parley sweep`?"
            )

    try:
        manifest = read_json_object(manifest_path)
    except json.JSONDecodeError as error:
        raise ResultsError(f"{manifest_path}:{error.lineno}: invalid JSON: {error.msg}") from error
    except (OSError, UnicodeDecodeError, RecursionError, ValueError) as error:
        raise ResultsError(f"{manifest_path}: cannot read: {error}") from error

    try:
        table = pq.read_table(runs_path)
    except Exception as error:  # pyarrow raises several unrelated types for corrupt files
        raise ResultsError(f"{runs_path}: cannot read parquet: {error}") from error
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise ResultsError(f"{runs_path}: missing column(s) {', '.join(missing)}")
    scenarios = _scenarios_from_manifest(manifest, manifest_path)
    problems = results_problems(manifest, table)
    if problems:
        where = runs_path if problems[0].startswith(_RUNS_FIELDS) else manifest_path
        raise ResultsError(f"{where}: {problems[0]}")
    runs = table.to_pandas()
    if "cell" not in runs.columns:
        runs["cell"] = 0
    runs["cell"] = runs["cell"].astype("int64")
    runs["agreed"] = runs["agreed"].astype(bool)
    runs["end_reason"] = runs["end_reason"].astype(str)

    cells = _cells_from_manifest(manifest, manifest_path, runs, scenarios)
    return Results(directory, runs, manifest, scenarios, cells)


_RUNS_FIELDS = (
    *(f"{name}:" for name in ("rows", "cell", "world", "seed", "round", "agreed", "end_reason")),
    *("term.", "utility.", "reservation.", "gain.", "param."),
)


def read_saved_analysis(
    path: Path, build: Callable[[Mapping[str, Any]], T], command: str
) -> T | None:
    """A saved analysis (``sensitivity.json``, ``discovery.json``) read back through ``build``,
    or None if there is none; raises :class:`ResultsError`, naming the file and what is wrong,
    if it is not what ``parley COMMAND`` wrote (not JSON, NaN, a missing field, a wrong type)."""
    if not path.exists():
        return None
    redo = f"delete it or run `parley {command}` again"
    try:
        data = read_json_object(path)
    except (OSError, ValueError, RecursionError) as error:  # not JSON, NaN, not an object
        raise ResultsError(f"{path}: unreadable ({error}); {redo}") from None
    try:
        return build(data)
    except KeyError as error:
        raise ResultsError(f"{path}: the field {error} is missing; {redo}") from None
    except (TypeError, ValueError, AttributeError, IndexError) as error:
        raise ResultsError(
            f"{path}: a field has the wrong type or value ({error}); {redo}"
        ) from None


def checked_records(value: Any, text: Sequence[str], numbers: Sequence[str]) -> list[Any]:
    """``value`` if it is a table as ``to_json`` writes it -- a list of records, each with the
    ``text`` columns as strings and the ``numbers`` columns as numbers (or null, a missing
    value) -- else a :class:`ValueError` naming the column (for :func:`read_saved_analysis`)."""
    if not isinstance(value, list):
        raise ValueError(f"a table is a list of rows, not {type(value).__name__}")
    for row in value:
        if not isinstance(row, Mapping):
            raise ValueError(f"a table's row is a mapping, not {type(row).__name__}")
        for column in (*text, *numbers):
            if column not in row:
                raise ValueError(f"a table's row has no column '{column}'")
            cell = row[column]
            number = isinstance(cell, int | float) and not isinstance(cell, bool)
            if column in numbers and not (number or cell is None):
                raise ValueError(f"column '{column}' holds {cell!r}, not a number")
            if column in text and not isinstance(cell, str):
                raise ValueError(f"column '{column}' holds {cell!r}, not text")
    return value


def _scenarios_from_manifest(manifest: Mapping[str, Any], where: Path) -> dict[str, Scenario]:
    raw = manifest.get("scenarios")
    if not isinstance(raw, Mapping) or not raw:
        raise ResultsError(f"{where}: 'scenarios' must map scenario names to scenarios")
    scenarios: dict[str, Scenario] = {}
    for name, data in raw.items():
        try:
            scenarios[str(name)] = Scenario.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise ResultsError(
                f"{where}: scenarios.{name}.{loc}: {first['msg']}"
                if loc
                else f"{where}: scenarios.{name}: {first['msg']}"
            ) from error
    return scenarios


def _cells_from_manifest(
    manifest: Mapping[str, Any], where: Path, runs: pd.DataFrame, scenarios: Mapping[str, Scenario]
) -> tuple[CellInfo, ...]:
    first = next(iter(scenarios))
    raw = manifest.get("cells")
    known: dict[int, CellInfo] = {}
    if isinstance(raw, list):
        for index, entry in enumerate(raw):
            if (
                not isinstance(entry, Mapping)
                or not isinstance(entry.get("cell"), int)
                or isinstance(entry.get("cell"), bool)
            ):
                raise ResultsError(f"{where}: cells[{index}] needs a 'cell' number")
            scenario = str(entry.get("scenario", first))
            if scenario not in scenarios:
                raise ResultsError(
                    f"{where}: cells[{index}] names scenario '{scenario}', which is not in "
                    f"'scenarios' ({', '.join(scenarios)})"
                )
            factors = entry.get("factors") or {}
            if not isinstance(factors, Mapping):
                raise ResultsError(f"{where}: cells[{index}].factors must be an object")
            known[int(entry["cell"])] = CellInfo(int(entry["cell"]), scenario, dict(factors))
    elif raw is not None:
        raise ResultsError(f"{where}: 'cells' must be a list")
    for cell in sorted(int(c) for c in pd.unique(runs["cell"])):
        known.setdefault(cell, CellInfo(cell, first, {}))
    return tuple(known[c] for c in sorted(known))


def display_scenario(scenario: Scenario, factors: Mapping[str, Any]) -> Scenario:
    """A cell's scenario for display: its factors applied as the experiment applies them
    (:func:`sim.experiment.cells.apply_factors`), or the scenario as it is where they do not apply
    (say, synthetic or hand-edited records)."""
    try:
        return apply_factors(scenario, factors)
    except InputError:
        return scenario


def _ordered_union(groups: Iterable[Iterable[str]]) -> list[str]:
    names: list[str] = []
    for group in groups:
        names += [n for n in group if n not in names]
    return names


def _suffixes(columns: Iterable[object], prefix: str) -> list[str]:
    return [str(c)[len(prefix) :] for c in columns if str(c).startswith(prefix)]


def _short_path(path: str) -> str:
    parts = str(path).split(".")
    if parts[0] in ("actors", "issues", "dynamics") and len(parts) > 2:
        parts = parts[1:]
    return ".".join(parts)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
