"""The key-value metadata of ``runs.parquet``: the file says which sweep made it, on its own.

Every key starts with ``parley.``; values are text (Parquet's key-value metadata), the cells as
JSON.  docs/results-schema.md lists them with the columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from sim import __version__
from sim.experiment.spec import Experiment
from sim.sweep.manifest import code_hash, results_hash

PREFIX = "parley."
"""The prefix of every key Parley writes into the file's metadata."""

JSON_KEYS = ("cells",)
"""The keys whose values are JSON (the rest are plain text or integers as text)."""


def runs_metadata(experiment: Experiment) -> dict[str, str]:
    """The metadata written into ``runs.parquet``: experiment name, seed, worlds per cell, the
    results hash (the experiment's identity without chunking), the code hash and version, and
    each cell's scenario and factor values.  Independent of workers, chunks and backend."""
    cells = [
        {"cell": cell.index, "scenario": cell.scenario_name, "factors": dict(cell.factors)}
        for cell in experiment.cells
    ]
    values: dict[str, Any] = {
        "experiment": experiment.name,
        "seed": str(experiment.seed),
        "runs_per_cell": str(experiment.runs),
        "results_hash": results_hash(experiment),
        "code_hash": code_hash(),
        "parley_version": __version__,
        "cells": json.dumps(cells, sort_keys=True, separators=(",", ":")),
    }
    return {PREFIX + key: value for key, value in values.items()}


def read_runs_metadata(path: Path) -> dict[str, Any]:
    """The ``parley.*`` metadata of a Parquet file, prefix dropped, the cells decoded, the seed
    and worlds per cell as integers ({} for a file written by an older Parley)."""
    stored = pq.read_schema(path).metadata or {}
    found: dict[str, Any] = {}
    for raw_key, raw_value in stored.items():
        key = raw_key.decode("utf-8")
        if not key.startswith(PREFIX):
            continue
        name, text = key[len(PREFIX) :], raw_value.decode("utf-8")
        if name in JSON_KEYS:
            found[name] = json.loads(text)
        elif name in ("seed", "runs_per_cell"):
            found[name] = int(text)
        else:
            found[name] = text
    return found
