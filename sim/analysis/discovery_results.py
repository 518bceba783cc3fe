"""Scenario discovery on a results folder: where in the uncertain inputs does the target hold?

Reads records only (``runs.parquet`` + ``manifest.json``).  Per cell, the cases of interest are
the worlds where the target expression (:mod:`sim.analysis.targets`) holds; the inputs are the
cell's sampled ``param.*`` columns.  PRIM finds a box and CART a tree
(:mod:`sim.analysis.discovery`).  PRIM peels a quantile at a time over every input, so on big
sweeps it reads the first ``max_worlds`` worlds of the cell; of a Sobol or Morris sweep, only the
first world of each block or trajectory (the others repeat its inputs and share its noise), so a
Latin or Monte Carlo sweep of the same experiment gives discovery more to work with.  The
result is saved as ``discovery.json``, where ``parley report`` finds it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.discovery import CartResult, PrimResult, cart_tree, describe_box, prim_box
from sim.analysis.results import Results, checked_records, read_saved_analysis
from sim.analysis.sensitivity_results import cell_parameters, sweep_design, sweep_stamp
from sim.analysis.targets import Target, parse_target
from sim.core.records import PARAM
from sim.experiment.designs import rows_per_block
from sim.experiment.quantiles import factors_of
from sim.io import write_text

DISCOVERY_FILE = "discovery.json"
MAX_WORLDS = 20_000


@dataclass(frozen=True)
class CellDiscovery:
    """PRIM's box and CART's tree for one cell."""

    cell: int
    label: str
    n_worlds: int
    prim: PrimResult
    cart: CartResult
    sentence: str


@dataclass(frozen=True)
class DiscoveryReport:
    """Scenario discovery for one target over the cells of a results folder."""

    name: str
    target: str
    analyses: tuple[CellDiscovery, ...]
    sweep: str = ""
    """The :func:`~sim.analysis.sensitivity_results.sweep_stamp` of the records it read."""

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dictionary."""
        return {
            "name": self.name,
            "sweep": self.sweep,
            "target": self.target,
            "analyses": [_cell_json(a) for a in self.analyses],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DiscoveryReport:
        """The report read back from :meth:`to_json`'s dictionary."""
        return cls(
            str(data["name"]),
            str(data["target"]),
            tuple(_cell_from_json(a) for a in data["analyses"]),
            str(data.get("sweep", "")),
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return list(json.loads(frame.to_json(orient="records")))


def _cell_json(a: CellDiscovery) -> dict[str, Any]:
    limits = a.prim.limits.reset_index(names="input")
    return {
        "cell": a.cell,
        "label": a.label,
        "n_worlds": a.n_worlds,
        "sentence": a.sentence,
        "prim": {
            "trajectory": _records(a.prim.trajectory),
            "chosen": a.prim.chosen,
            "limits": _records(limits),
            "base_rate": a.prim.base_rate,
            "n_worlds": a.prim.n_worlds,
        },
        "cart": {
            "text": a.cart.text,
            "leaves": _records(a.cart.leaves),
            "accuracy": a.cart.accuracy,
        },
    }


def _cell_from_json(data: Mapping[str, Any]) -> CellDiscovery:
    prim = data["prim"]
    limits = pd.DataFrame.from_records(
        checked_records(prim["limits"], ("input",), ("low", "high", "qp", "data_low", "data_high"))
    )
    limits = limits.set_index("input") if len(limits) else limits
    trajectory = ("coverage", "density", "mass", "restricted")
    result = PrimResult(
        pd.DataFrame.from_records(checked_records(prim["trajectory"], (), trajectory)),
        int(prim["chosen"]),
        limits,
        float(prim["base_rate"]),
        int(prim["n_worlds"]),
    )
    cart = data["cart"]
    return CellDiscovery(
        int(data["cell"]),
        str(data["label"]),
        int(data["n_worlds"]),
        result,
        CartResult(
            str(cart["text"]),
            pd.DataFrame.from_records(
                checked_records(cart["leaves"], ("rule",), ("worlds", "density"))
            ),
            float(cart["accuracy"]),
        ),
        str(data["sentence"]),
    )


def input_name(column: str) -> str:
    """``param.actors.russia.war_cost`` -> ``actors.russia.war_cost``."""
    return column[len(PARAM) :] if column.startswith(PARAM) else column


POOLED = -1
"""The ``cell`` of an analysis that pools every cell, with the levers as inputs."""
LEVER = "lever."


def discover(
    results: Results,
    target: str,
    *,
    cells: Sequence[int] | None = None,
    max_worlds: int = MAX_WORLDS,
    box: int | None = None,
    levers: bool = False,
) -> DiscoveryReport:
    """PRIM and CART for ``target`` in each cell (all cells by default).

    With ``levers``, the cells are pooled into one analysis whose inputs are the uncertainties
    and the levers: each cell's factor values (numbers and yes/no) as ``lever.<path>`` columns,
    so a box can say which choice, under which assumptions, makes the target hold.  Raises
    :class:`~sim.analysis.targets.TargetError` for a target that does not parse or names no
    column, and :class:`~sim.analysis.discovery.DiscoveryInputError` when there is no case of
    interest (or only cases of interest) or nothing is sampled.
    """
    parsed = parse_target(target, [str(c) for c in results.runs.columns])
    parameters = cell_parameters(results)
    selected = results.select(cells)
    design = sweep_design(results)

    def cell_rows(cell: int, cap: int) -> pd.DataFrame:
        rows = selected.runs[selected.runs["cell"] == cell].sort_values("world")
        if design in ("sobol", "morris"):
            # One world per block: the others repeat its values and share its noise.
            step = rows_per_block(design, len(factors_of(parameters.get(cell, ()))))
            rows = rows[rows["world"].to_numpy() % step == 0]
        return rows.head(cap)

    if levers:
        cap = max(1, max_worlds // len(selected.cell_ids))
        frames = []
        for cell in selected.cell_ids:
            rows = cell_rows(cell, cap).copy()
            for path, value in selected.cell_info(cell).factors.items():
                if isinstance(value, bool | int | float):
                    rows[f"{LEVER}{path}"] = float(value)
            frames.append(rows)
        pooled = pd.concat(frames, ignore_index=True)
        lever_columns = [c for c in pooled.columns if str(c).startswith(LEVER)]
        label = f"all cells, with the levers ({len(lever_columns)}) as inputs"
        groups = [(POOLED, label, pooled, lever_columns)]
    else:
        groups = [
            (cell, results.cell_label(cell), cell_rows(cell, max_worlds), [])
            for cell in selected.cell_ids
        ]
    analyses = [
        _analyse_rows(cell, label, rows, [*selected.param_columns, *extra], parsed, target, box)
        for cell, label, rows, extra in groups
    ]
    return DiscoveryReport(results.name, target, tuple(analyses), sweep_stamp(results))


def _analyse_rows(
    cell: int,
    label: str,
    rows: pd.DataFrame,
    candidates: Sequence[str],
    parsed: Target,
    target: str,
    box: int | None,
) -> CellDiscovery:
    """PRIM and CART over the candidate input columns that vary in ``rows``."""
    from sim.analysis.discovery import DiscoveryInputError

    inputs = [c for c in candidates if c in rows and rows[c].nunique(dropna=True) > 1]
    if not inputs:
        raise DiscoveryInputError(f"{label} varies no input: there is no region to find")
    x = rows[inputs].astype(np.float64).rename(columns=input_name).reset_index(drop=True)
    y = parsed.evaluate({c: rows[c].to_numpy() for c in parsed.columns})
    try:
        prim = prim_box(x, y, box=box)
        cart = cart_tree(x, y)
    except DiscoveryInputError as error:
        raise DiscoveryInputError(f"cell {label}: {error}") from None
    return CellDiscovery(cell, label, len(rows), prim, cart, describe_box(prim, target))


def save_discovery(report: DiscoveryReport, directory: str | Path) -> Path:
    """Write ``discovery.json`` into a results folder (atomically) and return its path."""
    path = Path(directory) / DISCOVERY_FILE
    write_text(path, json.dumps(report.to_json(), indent=2) + "\n")
    return path


def load_discovery(directory: str | Path) -> DiscoveryReport | None:
    """The saved scenario discovery of a results folder, or None if there is none."""
    path = Path(directory) / DISCOVERY_FILE
    return read_saved_analysis(path, DiscoveryReport.from_json, "discover")


def format_discovery(report: DiscoveryReport) -> str:
    """The boxes in words, their limits with quasi-p-values, and each cell's tree."""
    lines = [f"Scenario discovery in {report.name}: where does '{report.target}' hold?"]
    for a in report.analyses:
        prim = a.prim
        lines += ["", f"{a.label} ({a.n_worlds:,} worlds)", f"  {a.sentence}."]
        lines.append(
            f"  PRIM box {prim.chosen} of {len(prim.trajectory) - 1} on the peeling trajectory: "
            f"coverage {prim.coverage:.0%}, density {prim.density:.0%}, mass {prim.mass:.0%}"
        )
        if len(prim.limits):
            width = max(len(str(n)) for n in prim.limits.index)
            lines.append(f"    {'input':<{width}}  {'low':>8}  {'high':>8}  {'quasi-p':>8}")
            for name, row in prim.limits.iterrows():
                lines.append(
                    f"    {name!s:<{width}}  {row['low']:>8.3g}  {row['high']:>8.3g}  "
                    f"{row['qp']:>8.1e}"
                )
        lines.append(f"  CART tree (accuracy {a.cart.accuracy:.0%}); its densest leaves:")
        for _, leaf in a.cart.leaves.head(3).iterrows():
            lines.append(
                f"    {leaf['density']:.0%} of {leaf['worlds']:.0%} of worlds: {leaf['rule']}"
            )
    return "\n".join(lines)


__all__ = [
    "DISCOVERY_FILE",
    "LEVER",
    "POOLED",
    "MAX_WORLDS",
    "CellDiscovery",
    "DiscoveryReport",
    "discover",
    "format_discovery",
    "input_name",
    "load_discovery",
    "save_discovery",
]
