"""The hand-written hostile cases (tests/hostile_cases.py) through ``parley``, in process.

Every case must exit 2 with a message (or, where the table allows it, 0 with finite outputs),
with no traceback, within the time and memory budget, and without printing any line of the file
outside the project.  Damaged results folders are made from one small finished sweep.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fuzzkit import Case, judge, run_in_process
from hostile_cases import CASES, EXPERIMENT, RESULTS_CASES, TINY


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    outcome = run_in_process(case, tmp_path)
    assert judge(outcome) == [], outcome.output[-2000:] + outcome.traceback[-3000:]


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished two-cell sweep (``out/``) with its experiment and scenario."""
    root = tmp_path_factory.mktemp("sweep")
    experiment = EXPERIMENT + "factors:\n  actors.b.war_cost: [0.02, 0.08]\n"
    case = Case(
        "finished",
        ("sweep", "e.yaml", "--workers", "1", "--out", "out"),
        {"tiny.yaml": TINY, "e.yaml": experiment},
        "either",
    )
    outcome = run_in_process(case, root)
    assert outcome.exit_code == 0, outcome.output + outcome.traceback
    return outcome.project


def damage_results(folder: Path, damage: str) -> None:
    """Damage the results folder ``folder`` the way ``damage`` names."""
    runs, manifest_path = folder / "runs.parquet", folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    table = pq.read_table(runs)

    def replace_column(name: str, array: pa.Array) -> None:
        index = table.schema.get_field_index(name)
        pq.write_table(table.set_column(index, name, array), runs)

    if damage == "null-cell":
        replace_column("cell", pa.nulls(table.num_rows, pa.int64()))
    elif damage == "text-cell":
        replace_column("cell", pa.array(["x"] * table.num_rows))
    elif damage == "text-agreed":
        replace_column("agreed", pa.array(["yes"] * table.num_rows))
    elif damage == "zero-rows":
        pq.write_table(table.slice(0, 0), runs)
    elif damage == "fewer-rows":
        pq.write_table(table.slice(0, table.num_rows // 2), runs)
    elif damage == "no-world":
        pq.write_table(table.drop(["world"]), runs)
    elif damage == "garbage-parquet":
        runs.write_bytes(b"PAR1 this is not parquet PAR1")
    elif damage == "no-parquet":
        runs.unlink()
    elif damage == "garbage-manifest":
        manifest_path.write_text("{not json")
    elif damage == "nan-manifest":
        manifest_path.write_text(json.dumps({**manifest, "seed": float("nan")}))
    elif damage == "none":
        pass
    else:
        edits = {
            "list-manifest": lambda m: [m],
            "text-seed": lambda m: {**m, "seed": "seven"},
            "edited-seed": lambda m: {**m, "seed": m["seed"] + 1},
            "text-n-worlds": lambda m: {**m, "n_worlds": "many"},
            "number-cells": lambda m: {**m, "cells": 3},
            "null-experiment": lambda m: {**m, "experiment": None},
            "status-running": lambda m: {**m, "status": "running"},
            "huge-runs": lambda m: {**m, "runs_per_cell": 10**30},
            "edited-scenario": _edit_scenario,
        }
        manifest_path.write_text(json.dumps(edits[damage](manifest)))


def _edit_scenario(manifest: dict) -> dict:  # type: ignore[type-arg]
    edited = json.loads(json.dumps(manifest))
    for scenario in edited["scenarios"].values():
        for actor in scenario["actors"].values():
            actor["war_cost"] = 0.5
    return edited


@pytest.mark.parametrize(
    ("damage", "args"),
    [(damage, args) for _, damage, args in RESULTS_CASES],
    ids=[name for name, _, _ in RESULTS_CASES],
)
def test_damaged_results(
    damage: str, args: tuple[str, ...], finished_sweep: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(finished_sweep, project)
    damage_results(project / "out", damage)
    outcome = run_in_process(Case(damage, args, {}, "reject"), tmp_path)
    assert judge(outcome) == [], outcome.output[-2000:] + outcome.traceback[-3000:]
