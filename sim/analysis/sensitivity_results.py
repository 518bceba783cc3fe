"""Sensitivity analysis of a results folder: which uncertain inputs decide an outcome, per cell.

Reads records only: ``runs.parquet`` for the outcomes and the sampled inputs, ``manifest.json`` for
the design, the seed and each cell's priors (rebuilt with
:func:`sim.experiment.loader.experiment_from_manifest`, no model is run).  The method follows the
design: Sobol' indices for a ``sobol`` sweep, Morris screening for a ``morris`` sweep, and the
distribution-free PAWN index for any sweep (the default for ``monte-carlo`` and ``latin``); see
:mod:`sim.analysis.sensitivity`.  The result is saved as ``sensitivity.json`` next to the records,
where ``parley report`` finds it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from sim.analysis.results import Results, checked_records, read_saved_analysis
from sim.analysis.sensitivity import (
    CHANCE,
    METHODS,
    Method,
    SensitivityInputError,
    morris_indices,
    pawn_indices,
    sobol_indices,
)
from sim.core.records import PARAM
from sim.errors import did_you_mean
from sim.experiment.designs import (
    MORRIS_LEVELS,
    DesignName,
    Factor,
    morris_grid,
    rows_per_block,
)
from sim.experiment.quantiles import factors_of
from sim.experiment.sampling import Parameter
from sim.io import write_text

SENSITIVITY_FILE = "sensitivity.json"
DEFAULT_OUTCOMES = ("agreed",)
NOT_OUTCOMES = ("cell", "world", "seed")
DEFAULT_METHOD: dict[str, Method] = {
    "sobol": "sobol",
    "morris": "morris",
    "monte-carlo": "pawn",
    "latin": "pawn",
}
GROUP_NOTE = (
    "a salience table sampled from a Dirichlet is one input (its entries sum to 1 and cannot "
    "vary alone): {tables}"
)


TABLE_NUMBERS: dict[str, tuple[str, ...]] = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
    "pawn": ("median", "minimum", "maximum", "threshold"),
}
"""The number columns of each method's table (besides ``factor``, the input's name)."""


@dataclass(frozen=True)
class CellSensitivity:
    """The indices of one outcome in one cell, most important input first."""

    cell: int
    label: str
    outcome: str
    method: Method
    n_worlds: int
    table: pd.DataFrame
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SensitivityReport:
    """Every (cell, outcome) analysis of a results folder."""

    name: str
    design: str
    method: Method
    analyses: tuple[CellSensitivity, ...]
    notes: tuple[str, ...] = field(default=())
    sweep: str = ""
    """The :func:`sweep_stamp` of the records it was computed from."""

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dictionary."""
        return {
            "name": self.name,
            "sweep": self.sweep,
            "design": self.design,
            "method": self.method,
            "notes": list(self.notes),
            "analyses": [
                {
                    "cell": a.cell,
                    "label": a.label,
                    "outcome": a.outcome,
                    "method": a.method,
                    "n_worlds": a.n_worlds,
                    "notes": list(a.notes),
                    "table": json.loads(a.table.to_json(orient="records")),
                }
                for a in self.analyses
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SensitivityReport:
        """The report read back from :meth:`to_json`'s dictionary."""
        analyses = tuple(
            CellSensitivity(
                int(a["cell"]),
                str(a["label"]),
                str(a["outcome"]),
                cast(Method, a["method"]),
                int(a["n_worlds"]),
                pd.DataFrame.from_records(
                    checked_records(a["table"], ("factor",), TABLE_NUMBERS[a["method"]])
                ),
                tuple(a.get("notes", ())),
            )
            for a in data["analyses"]
        )
        return cls(
            str(data["name"]),
            str(data["design"]),
            cast(Method, data["method"]),
            analyses,
            tuple(data.get("notes", ())),
            str(data.get("sweep", "")),
        )


def sweep_stamp(results: Results) -> str:
    """Which sweep a saved analysis belongs to: the manifest's hash and finishing time."""
    timings = results.manifest.get("timings")
    finished = timings.get("finished", "") if isinstance(timings, Mapping) else ""
    return f"{results.manifest.get('experiment_hash', '')}@{finished}"


def outcome_columns(runs: pd.DataFrame) -> list[str]:
    """The columns an analysis can explain: numbers or booleans that are not inputs or ids."""
    return [
        str(c)
        for c in runs.columns
        if c not in NOT_OUTCOMES
        and not str(c).startswith(PARAM)
        and (pd.api.types.is_numeric_dtype(runs[c]) or pd.api.types.is_bool_dtype(runs[c]))
    ]


def check_outcomes(runs: pd.DataFrame, outcomes: Sequence[str]) -> list[str]:
    """The outcomes, each checked to be a column; raises SensitivityInputError naming the choices."""
    available = outcome_columns(runs)
    for outcome in outcomes:
        if outcome not in available:
            hint = did_you_mean(outcome, available)
            raise SensitivityInputError(
                f"no outcome column '{outcome}' in the results"
                + (f"; {hint}" if hint else "")
                + f" (available: {', '.join(available)})"
            )
    return list(dict.fromkeys(outcomes))


def sweep_design(results: Results) -> DesignName:
    """The design a results folder was swept with (``monte-carlo`` for older manifests)."""
    return cast(DesignName, results.experiment.get("design", "monte-carlo"))


def cell_parameters(results: Results) -> dict[int, tuple[Parameter, ...]]:
    """Each cell's sampled parameters, rebuilt from the manifest (no model is run)."""
    from sim.errors import InputError
    from sim.experiment.loader import experiment_from_manifest

    try:
        experiment = experiment_from_manifest(results.manifest)
    except (InputError, KeyError, ValueError) as error:
        raise SensitivityInputError(
            f"{results.path}: cannot rebuild the experiment from its manifest: {error}"
        ) from None
    return {cell.index: cell.parameters for cell in experiment.cells}


def analyse(
    results: Results,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    *,
    method: Method | None = None,
    cells: Sequence[int] | None = None,
) -> SensitivityReport:
    """Sensitivity indices of each outcome in each cell (all cells by default).

    Raises :class:`~sim.analysis.sensitivity.SensitivityInputError` with a readable reason for
    an unknown outcome, a method the design cannot support, or a sweep without uncertainty.
    """
    design = sweep_design(results)
    chosen_method: Method = method or DEFAULT_METHOD.get(design, "pawn")
    if chosen_method not in METHODS:
        raise SensitivityInputError(f"unknown method '{chosen_method}'; use {', '.join(METHODS)}")
    if chosen_method in ("sobol", "morris") and design != chosen_method:
        raise SensitivityInputError(
            f"a {chosen_method.capitalize()} analysis needs a sweep with design: "
            f"{chosen_method}; {results.path} was swept with design: {design} (add 'design: "
            f"{chosen_method}' to the experiment file and sweep again, or use --method pawn, "
            "which works for any sweep)"
        )
    outcomes = check_outcomes(results.runs, outcomes)
    parameters = cell_parameters(results)
    selected = results.select(cells)
    analyses: list[CellSensitivity] = []
    for cell in selected.cell_ids:
        factors = factors_of(parameters.get(cell, ()))
        if not factors:
            raise SensitivityInputError(
                f"cell {cell} samples no uncertain input: nothing to rank (add priors under "
                "'uncertainty:' in the experiment file)"
            )
        rows = selected.runs[selected.runs["cell"] == cell].sort_values("world")
        worlds = rows["world"].to_numpy()
        if not np.array_equal(worlds, np.arange(worlds.size)):
            raise SensitivityInputError(
                f"cell {cell} does not hold worlds 0..{worlds.size - 1} in full; is the sweep "
                "finished? (parley sweep --resume)"
            )
        for outcome in outcomes:
            y = rows[outcome].to_numpy(dtype=np.float64)
            analyses.append(
                _one(chosen_method, factors, parameters[cell], rows, y, outcome, results, cell)
            )
    tables = [f.name for f in factors_of(_all_parameters(parameters)) if f.width > 1]
    notes = (GROUP_NOTE.format(tables=", ".join(dict.fromkeys(tables))),) if tables else ()
    return SensitivityReport(
        results.name, design, chosen_method, tuple(analyses), notes, sweep_stamp(results)
    )


def _all_parameters(parameters: Mapping[int, Sequence[Parameter]]) -> list[Parameter]:
    seen: dict[str, Parameter] = {}
    for group in parameters.values():
        for parameter in group:
            seen.setdefault(parameter.path, parameter)
    return list(seen.values())


def _one(
    method: Method,
    factors: Sequence[Factor],
    parameters: Sequence[Parameter],
    rows: pd.DataFrame,
    y: np.ndarray,
    outcome: str,
    results: Results,
    cell: int,
) -> CellSensitivity:
    label = results.cell_label(cell)
    seed = int(results.manifest.get("seed", 0))
    design = sweep_design(results)
    step = rows_per_block(design, len(factors))
    notes: tuple[str, ...] = ()
    if method in ("sobol", "morris") and y.size % step:
        kind = "block" if method == "sobol" else "trajectory"
        notes += (f"the last {y.size % step} worlds (an incomplete {kind}) are left out",)
    try:
        if method == "sobol":
            table = sobol_indices(y, factors, seed=seed)
            inputs = table[table["factor"] != CHANCE]
            chance = table[table["factor"] == CHANCE].iloc[0]
            notes = (
                f"the inputs' first-order indices add to {inputs['S1'].clip(lower=0).sum():.2f}; "
                f"chance (the model's own draws: which round a breakdown strikes, who proposes, "
                f"how the front moves) has first-order {chance['S1']:.2f} and total "
                f"{chance['ST']:.2f}; the rest is interactions",
                *notes,
            )
        elif method == "morris":
            grid = morris_grid(tuple(f.width for f in factors), seed, y.size)
            table = morris_indices(grid, y, factors, levels=MORRIS_LEVELS, seed=seed)
        else:
            columns = [c for p in parameters for c in p.columns]
            x = rows[columns].to_numpy(dtype=np.float64)
            if design in ("sobol", "morris"):
                # Only each block's first row: the others repeat its values and its noise.
                first = rows["world"].to_numpy() % step == 0
                x, y = x[first], y[first]
                notes += (f"PAWN over the first world of each {design} block ({y.size:,})",)
            table = pawn_indices(x, y, factors)
            missing = int(np.count_nonzero(~np.isfinite(y)))
            if missing:
                notes += (
                    f"{outcome} is undefined in {missing:,} worlds (no deal): PAWN over the rest",
                )
    except SensitivityInputError as error:
        raise SensitivityInputError(f"{outcome} in cell {label}: {error}") from None
    return CellSensitivity(cell, label, outcome, method, int(y.size), table, notes)


def save_sensitivity(report: SensitivityReport, directory: str | Path) -> Path:
    """Write ``sensitivity.json`` into a results folder (atomically) and return its path."""
    path = Path(directory) / SENSITIVITY_FILE
    write_text(path, json.dumps(report.to_json(), indent=2) + "\n")
    return path


def load_sensitivity(directory: str | Path) -> SensitivityReport | None:
    """The saved sensitivity analysis of a results folder, or None if there is none."""
    path = Path(directory) / SENSITIVITY_FILE
    return read_saved_analysis(path, SensitivityReport.from_json, "sensitivity")


_HEADINGS: dict[str, list[tuple[str, str]]] = {
    "sobol": [("S1", "first-order"), ("ST", "total")],
    "morris": [("mu_star", "mu*"), ("sigma", "sigma")],
    "pawn": [("median", "PAWN median"), ("maximum", "max over slices")],
}


def format_sensitivity(report: SensitivityReport, top: int = 10) -> str:
    """Plain-text tables, one per (cell, outcome), the ``top`` inputs of each."""
    lines = [
        f"Sensitivity of {report.name} (design: {report.design}; method: {report.method})",
        *report.notes,
    ]
    for analysis in report.analyses:
        lines += ["", f"{analysis.outcome}, {analysis.label} ({analysis.n_worlds:,} worlds)"]
        lines += [f"  note: {note}" for note in analysis.notes]
        table = analysis.table
        width = max([len("input"), *(len(str(f)) for f in table["factor"][:top])])
        columns = _HEADINGS[analysis.method]
        header = "  ".join(f"{title:>22}" for _, title in columns)
        lines.append(f"  {'input':<{width}}  {header}")
        for _, row in table.head(top).iterrows():
            cells = "  ".join(_value(row, key) for key, _ in columns)
            lines.append(f"  {row['factor']:<{width}}  {cells}")
        if analysis.method == "pawn":
            lines.append(
                f"  (an input whose maximum stays below {table['threshold'].iloc[0]:.3f}, the 95% "
                "KS critical distance, is indistinguishable from one the model ignores)"
            )
        if len(table) > top:
            lines.append(f"  ... and {len(table) - top} more inputs")
    return "\n".join(lines)


def _value(row: pd.Series, key: str) -> str:
    conf = f"{key}_conf"
    if conf in row.index:
        return f"{row[key]:.3f} ± {row[conf]:.3f}".rjust(22)
    return f"{row[key]:>22.3f}"


__all__ = [
    "DEFAULT_OUTCOMES",
    "SENSITIVITY_FILE",
    "CellSensitivity",
    "SensitivityReport",
    "analyse",
    "check_outcomes",
    "format_sensitivity",
    "load_sensitivity",
    "outcome_columns",
    "save_sensitivity",
    "sweep_design",
    "sweep_stamp",
]
