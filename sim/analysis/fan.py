"""The data of a fan chart over rounds: each round's quantiles per cell (from ``rounds.parquet``)
and the cumulative share of worlds agreed by each round (from ``runs.parquet``).

Reads result records only.  The bands are the 50% (quartiles) and 90% (5th to 95th percentile)
ranges over the worlds still negotiating in a round, as in the Bank of England's fan charts
(Britton, Fisher & Whitley 1998); the share agreed carries 95% Wilson intervals (Wilson 1927).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.analysis.results import Results
from sim.analysis.statistics import wilson_interval
from sim.core.records import AGREED, CELL, ROUND, ROUNDS_FILE, RUNS_FILE
from sim.errors import ResultsError

MIN_OPEN_WORLDS = 10
"""A round's bands are drawn only where at least this many worlds were still negotiating."""

BAND_COLUMNS = ("q05", "q25", "q50", "q75", "q95")
"""The stored quantiles a fan chart draws: the 90% band, the 50% band, the median."""


@dataclass(frozen=True)
class FanData:
    """Per cell and round: the quantiles of each quantity, and the share agreed so far."""

    bands: pd.DataFrame
    """cell, round, quantity, n and :data:`BAND_COLUMNS`, rounds with enough open worlds."""
    agreed: pd.DataFrame
    """cell, round, worlds, agreed (by the end of that round), share, low, high."""


def load_rounds(results: Results) -> pd.DataFrame:
    """``rounds.parquet`` of a results folder, for its selected cells (without the counts)."""
    path = results.path / ROUNDS_FILE
    if not path.is_file():
        raise ResultsError(
            f"{results.path}: no {ROUNDS_FILE} (a sweep by an older Parley); run the sweep again "
            "to get the round-by-round distributions"
        )
    try:
        table = pq.read_table(path, columns=[CELL, ROUND, "quantity", "n", *BAND_COLUMNS])
    except Exception as error:  # pyarrow raises several unrelated types for corrupt files
        raise ResultsError(f"{path}: cannot read parquet: {error}") from error
    made_by = (table.schema.metadata or {}).get(b"parley.results_hash", b"").decode()
    if made_by != results.manifest.get("results_hash"):
        raise ResultsError(
            f"{path}: made by another sweep than {RUNS_FILE} (its results_hash differs); run "
            "the sweep again"
        )
    frame: pd.DataFrame = table.to_pandas()
    return frame.loc[frame[CELL].isin(results.cell_ids)].reset_index(drop=True)


def agreement_by_round(runs: pd.DataFrame, last_round: int) -> pd.DataFrame:
    """Per cell and round 1..``last_round``: the worlds agreed by the end of the round, their
    share of the cell's worlds and its 95% Wilson interval."""
    rows = []
    for cell, frame in runs.groupby(CELL, sort=True):
        worlds = len(frame)
        agreed_round = frame.loc[frame[AGREED].astype(bool), ROUND].to_numpy(dtype=np.int64)
        by_round = np.bincount(np.clip(agreed_round, 0, last_round), minlength=last_round + 1)
        cumulative = np.cumsum(by_round)
        for round_ in range(1, last_round + 1):
            k = int(cumulative[round_])
            low, high = wilson_interval(k, worlds)
            rows.append((int(str(cell)), round_, worlds, k, k / worlds, low, high))
    columns = [CELL, ROUND, "worlds", "agreed", "share", "low", "high"]
    return pd.DataFrame(rows, columns=columns)


def fan_data(results: Results) -> FanData:
    """The fan chart's data for a results folder's selected cells."""
    rounds = load_rounds(results)
    bands = rounds[rounds["n"] >= MIN_OPEN_WORLDS].reset_index(drop=True)
    last_round = int(max(rounds[ROUND].max(), results.runs[ROUND].max())) if len(rounds) else 1
    return FanData(bands, agreement_by_round(results.runs, last_round))
