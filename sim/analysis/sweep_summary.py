"""Summaries of a finished sweep folder, reading only the columns they need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.analysis.results import CellInfo, Results
from sim.core.records import (
    AGREED,
    CELL,
    END_REASON,
    EQUILIBRIUM_RESIDUAL,
    FAILURE,
    FUNNEL,
    GAIN,
    MANIFEST_FILE,
    ROUND,
    RUNS_FILE,
    TERM,
)
from sim.errors import SweepError
from sim.scenario.schema import Scenario
from sim.sweep.manifest import read_manifest

# ---------------------------------------------------------------------------------------------
# After the sweep


def summary_columns(schema: pa.Schema) -> list[str]:
    """The columns :func:`sim.analysis.summaries.summarize` reads (a small part of a wide results file)."""
    keep = (CELL, AGREED, END_REASON, FAILURE, ROUND, EQUILIBRIUM_RESIDUAL, *FUNNEL)
    return [name for name in schema.names if name in keep or name.startswith((TERM, GAIN))]


def summarize_sweep(out: str | Path) -> list[Any]:
    """Per-cell summaries (:func:`sim.analysis.summaries.summarize`) of a finished sweep, reading only the
    columns the summary needs."""
    out_dir = Path(out)
    runs_path = out_dir / RUNS_FILE
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise SweepError(f"{out_dir}: no {MANIFEST_FILE}")
    columns = summary_columns(pq.read_schema(runs_path))
    frame = pq.read_table(runs_path, columns=columns).to_pandas()
    scenarios = {
        name: Scenario.model_validate(data) for name, data in manifest["scenarios"].items()
    }
    cells = tuple(
        CellInfo(int(c["cell"]), str(c["scenario"]), dict(c.get("factors") or {}))
        for c in manifest["cells"]
    )
    results = Results(out_dir, frame, manifest, scenarios, cells)
    return list(results.summarize())
