"""Round-by-round distributions of a sweep (sim.core.round_histograms, sim.sweep.rounds): the
fixed histograms a fan chart reads, checked against the single-world trajectories and the records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.core.records import RESERVATION, STATUS_QUO, THRESHOLD
from sim.core.round_histograms import (
    BIN_WIDTH,
    QUANTILES,
    UNIT_RANGE,
    UTILITY_RANGE,
    _bins,
    bin_index,
    compiled_count,
    count_rows,
    histogram_quantiles,
    histogram_width,
)
from sim.core.runner import run_single, simulate
from sim.experiment.loader import load_experiment
from sim.scenario.loader import load_scenario
from sim.sweep.rounds import decode_histograms, encode_histograms
from sim.sweep.run import run_sweep

if TYPE_CHECKING:
    from conftest import Tiny


def histogram(values: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    return np.bincount(bin_index(values, value_range), minlength=histogram_width(value_range))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quantiles_from_the_bins_are_within_a_bin_of_the_sample_quantiles(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.concatenate([rng.normal(0.2, 0.3, 5_000), rng.uniform(-0.5, 0.9, 3_000)])
    found = histogram_quantiles(histogram(values, UTILITY_RANGE), UTILITY_RANGE)
    exact = np.quantile(values, QUANTILES)
    assert np.all(np.abs(found - exact) <= BIN_WIDTH), (found, exact)


def test_values_outside_the_range_count_at_its_ends_and_nothing_is_lost() -> None:
    values = np.array([-3.0, -1.0, 0.0, 0.995, 1.0, 7.0, np.nan])
    counts = histogram(values, UTILITY_RANGE)
    assert counts.sum() == values.size
    assert counts[0] == 1 and counts[-1] == 2  # below; above and NaN
    assert counts[1] == 1 and counts[histogram_width(UTILITY_RANGE) - 2] == 2  # -1; 0.995 and 1
    low, high = histogram_quantiles(counts, UTILITY_RANGE, (0.0, 1.0))
    assert (low, high) == (-1.0, 1.0)
    assert np.isnan(histogram_quantiles(np.zeros(202, dtype=np.int64), UNIT_RANGE)).all()


def test_a_batch_counts_what_each_world_alone_shows_round_by_round(
    tmp_path: Path, tiny_files: Tiny
) -> None:
    scenario = load_scenario(tiny_files.scenario(tmp_path))
    worlds = list(range(40))
    model = simulate(scenario, worlds, seed=11)
    assert model.round_histograms is not None
    layout, counts = model.round_histograms.layout, model.round_histograms.counts
    alone = [run_single(scenario, seed=11, world=w).trajectory for w in worlds]
    last = max(len(t) for t in alone)
    assert last > 1  # several rounds, so later rounds count fewer worlds
    for round_ in range(1, last + 1):
        rows = [t[round_ - 1] for t in alone if len(t) >= round_]
        for q, quantity in enumerate(layout.quantities):
            values = np.array([row[quantity] for row in rows])
            expected = histogram(values, layout.value_range(quantity))
            width = expected.size
            assert np.array_equal(counts[round_ - 1, q, :width], expected), (round_, quantity)
    assert counts[last:].sum() == 0


def test_histograms_travel_through_part_metadata_unchanged(
    tmp_path: Path, tiny_files: Tiny
) -> None:
    scenario = load_scenario(tiny_files.scenario(tmp_path))
    model = simulate(scenario, range(50), seed=3)
    assert model.round_histograms is not None
    back = decode_histograms(encode_histograms(model.round_histograms))
    assert back.layout == model.round_histograms.layout
    assert np.array_equal(back.counts, model.round_histograms.counts)


def test_rounds_file_counts_the_open_worlds_of_every_cell_and_round(
    tmp_path: Path, tiny_files: Tiny
) -> None:
    experiment = load_experiment(tiny_files.experiment(tmp_path, runs=300))
    out = tmp_path / "out"
    run_sweep(experiment, out, workers=1, chunk_size=70)
    runs = pd.read_parquet(out / "runs.parquet")
    rounds = pd.read_parquet(out / "rounds.parquet")
    actors, issues = ("east", "west"), ("land", "money")
    expected_quantities = {
        *(THRESHOLD + a for a in actors),
        *(RESERVATION + a for a in actors),
        *(STATUS_QUO + i for i in issues),
    }
    assert set(rounds["quantity"]) == expected_quantities
    assert sorted(rounds["cell"].unique()) == sorted(runs["cell"].unique())
    for (cell, round_), group in rounds.groupby(["cell", "round"]):
        cell_runs = runs[runs["cell"] == cell]
        open_worlds = int((cell_runs["round"] >= round_).sum())  # talks ended in round or later
        assert set(group["n"]) == {open_worlds}, (cell, round_)
        assert group["counts"].map(sum).eq(open_worlds).all()
    first = rounds[rounds["round"] == 1]
    assert set(first["n"]) == {300}
    ordered = first[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()
    status_quo = first[first["quantity"].str.startswith(STATUS_QUO)]
    assert status_quo[["q05", "q95"]].stack().between(*UNIT_RANGE).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"] == {"runs": "runs.parquet", "rounds": "rounds.parquet"}
    assert manifest["rounds"]["bin_width"] == BIN_WIDTH
    metadata = pq.read_schema(out / "rounds.parquet").metadata
    assert metadata[b"parley.experiment"] == experiment.name.encode()


def test_the_compiled_counts_are_the_numpy_references() -> None:
    """count_rows adds every column's bins as bin_index and bincount count them: values below,
    inside, on the edges of and above each range, NaN and infinities; plain and compiled."""
    rng = np.random.default_rng(3)
    for low, high in (UTILITY_RANGE, UNIT_RANGE):
        values = rng.uniform(low - 0.3, high + 0.3, (500, 4))
        values[::11, 0] = high
        values[::13, 1] = low
        values[::17, 2] = np.nan
        values[5, 3], values[6, 3], values[7, 3] = np.inf, -np.inf, -0.0
        values[8:40, 3] = low + 0.01 * rng.integers(0, _bins(low, high), 32)  # bin edges
        width = histogram_width(UTILITY_RANGE)
        expected = np.zeros((4, width), dtype=np.int64)
        for q in range(4):
            expected[q] += np.bincount(bin_index(values[:, q], (low, high)), minlength=width)
        for count in (count_rows, compiled_count()):
            counts = np.zeros((4, width), dtype=np.int64)
            count(values, low, high, _bins(low, high), counts)
            assert np.array_equal(counts, expected)
