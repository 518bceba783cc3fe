"""runs.parquet stands alone: DuckDB and Polars read it, its key-value metadata says which sweep
made it, and their per-cell P(agreement) is the one `parley sweep` prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.experiment.loader import load_experiment
from sim.sweep.manifest import code_hash, results_hash
from sim.sweep.metadata import read_runs_metadata

RUNS = 120
EXPERIMENT = "veto-structure"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("sweep")
    result = CliRunner().invoke(
        main,
        ["sweep", EXPERIMENT, "--runs", str(RUNS), "--workers", "1", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    return out / "runs.parquet", json.loads(result.output)


def _same_as_printed(found: dict[int, tuple[int, int, float]], summary: dict[str, object]) -> None:
    """Worlds and agreements exactly, P(agreement) to rounding, for every cell."""
    cells = summary["summary"]
    assert isinstance(cells, list)
    assert sorted(found) == [c["cell"] for c in cells]
    for c in cells:
        n, k, p = found[c["cell"]]
        assert (n, k) == (c["n"], c["agreed"])
        assert p == pytest.approx(c["p_agreement"], rel=1e-12)


def test_duckdb_answers_the_summarys_p_agreement(sweep: tuple[Path, dict[str, object]]) -> None:
    path, summary = sweep
    rows = duckdb.sql(
        f"SELECT cell, count(*), sum(agreed::INT), avg(agreed::DOUBLE) FROM read_parquet('{path}') "
        "GROUP BY cell ORDER BY cell"
    ).fetchall()
    _same_as_printed({cell: (n, k, p) for cell, n, k, p in rows}, summary)


def test_polars_answers_the_summarys_p_agreement(sweep: tuple[Path, dict[str, object]]) -> None:
    path, summary = sweep
    table = (
        pl.read_parquet(path)
        .group_by("cell")
        .agg(pl.len(), pl.col("agreed").sum().alias("k"), pl.col("agreed").mean().alias("p"))
        .sort("cell")
    )
    found = {row[0]: (row[1], row[2], row[3]) for row in table.iter_rows()}
    _same_as_printed(found, summary)


def test_the_file_says_which_sweep_made_it(sweep: tuple[Path, dict[str, object]]) -> None:
    path, _ = sweep
    experiment = load_experiment(EXPERIMENT).with_runs(RUNS)
    metadata = read_runs_metadata(path)
    assert metadata["seed"] == experiment.seed and metadata["runs_per_cell"] == RUNS
    assert metadata["results_hash"] == results_hash(experiment)
    assert metadata["code_hash"] == code_hash()
    assert metadata["cells"] == [
        {"cell": c.index, "scenario": c.scenario_name, "factors": dict(c.factors)}
        for c in experiment.cells
    ]
    manifest = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["results_hash"] == metadata["results_hash"]
    # The tools analysts use see the same key-value metadata.
    from_polars = pl.read_parquet_metadata(path)
    from_duckdb = {
        bytes(key).decode(): bytes(value).decode()
        for key, value in duckdb.sql(
            f"SELECT key, value FROM parquet_kv_metadata('{path}')"
        ).fetchall()
    }
    for key in ("parley.seed", "parley.results_hash", "parley.code_hash", "parley.cells"):
        assert from_polars[key] == from_duckdb[key]
    assert json.loads(from_duckdb["parley.cells"]) == metadata["cells"]


SCHEMA_PAGE = Path(__file__).resolve().parents[1] / "docs" / "results-schema.md"


def _documented(section: str) -> list[re.Pattern[str]]:
    text = SCHEMA_PAGE.read_text(encoding="utf-8").split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    names = re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE)
    return [
        re.compile(
            re.sub(r"<[a-z]+>", r"\\S+", re.escape(n).replace(r"\<", "<").replace(r"\>", ">")) + "$"
        )
        for n in names
    ]


def test_every_column_and_key_is_on_the_schema_page(sweep: tuple[Path, dict[str, object]]) -> None:
    path, _ = sweep
    columns = _documented("Columns")
    for name in pl.read_parquet_schema(path):
        assert any(p.match(name) for p in columns), f"column {name} is not in {SCHEMA_PAGE.name}"
    keys = _documented("Key-value metadata")
    stored = [k for k in pl.read_parquet_metadata(path) if k.startswith("parley.")]
    assert len(stored) == len(keys)
    for key in stored:
        assert any(p.match(key) for p in keys), f"metadata {key} is not in {SCHEMA_PAGE.name}"


def test_every_rounds_column_is_on_the_schema_page(sweep: tuple[Path, dict[str, object]]) -> None:
    path, _ = sweep
    section = SCHEMA_PAGE.read_text(encoding="utf-8").split("## `rounds.parquet`", 1)[1]
    first_cells = re.findall(r"^\| ([^|]+) \|", section.split("\n## ", 1)[0], flags=re.MULTILINE)
    documented = {name for cell in first_cells for name in re.findall(r"`([^`]+)`", cell)}
    rounds = path.parent / "rounds.parquet"
    for name in pl.read_parquet_schema(rounds):
        assert name in documented, f"rounds column {name} is not in {SCHEMA_PAGE.name}"
    # DuckDB reads it too: the open worlds of round 1 are every world of the cell
    first = duckdb.sql(
        f"SELECT DISTINCT cell, n FROM '{rounds}' WHERE round = 1 ORDER BY cell"
    ).fetchall()
    per_cell = duckdb.sql(
        f"SELECT cell, count(*) FROM '{path}' GROUP BY cell ORDER BY cell"
    ).fetchall()
    assert first == per_cell


def test_statistics_are_written_for_the_sorted_columns_only(
    sweep: tuple[Path, dict[str, object]],
) -> None:
    """Min/max statistics let a reader skip row groups by cell, scenario or world (the file's
    order); an outcome column gets none (every row group spans its range)."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(sweep[0]).metadata
    names = [metadata.schema.column(i).name for i in range(metadata.num_columns)]
    group = metadata.row_group(0)
    with_statistics = {
        name
        for i, name in enumerate(names)
        if group.column(i).is_stats_set and group.column(i).statistics.has_min_max
    }
    assert with_statistics == {"cell", "scenario", "world"}
    world = group.column(names.index("world")).statistics
    assert (world.min, world.max) == (0, RUNS - 1)  # every cell runs worlds 0 .. RUNS - 1
