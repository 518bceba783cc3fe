"""Outcome records: one flat row per world (the interface between the model and everything else).

Columns: ``world``, ``seed``, ``agreed``, ``end_reason`` (agreement | breakdown | deadline),
``round`` (the round the talks ended), ``proposer`` ("" without a deal), ``term.<issue>`` (NaN
without a deal), ``utility.<actor>`` (the no-deal value without a deal), ``reservation.<actor>``
(the no-deal value when the talks ended) and ``gain.<actor>`` = utility - reservation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

RUNS_FILE = "runs.parquet"
MANIFEST_FILE = "manifest.json"
TERM = "term."
GAIN = "gain."
UTILITY = "utility."
RESERVATION = "reservation."
PARAM = "param."
END_REASONS = ("agreement", "breakdown", "deadline")
REQUIRED_COLUMNS = ("agreed", "end_reason", "round")

Columns = dict[str, NDArray[Any]]

END_REASON_NAMES = ("open", "agreement", "breakdown", "deadline")


def issues_of(columns: Mapping[str, Any]) -> list[str]:
    """The issues named by a record's ``term.<issue>`` columns, in order."""
    return [name.removeprefix("term.") for name in columns if name.startswith("term.")]


def actors_of(columns: Mapping[str, Any]) -> list[str]:
    """The actors named by a record's ``utility.<actor>`` columns, in order."""
    return [name.removeprefix("utility.") for name in columns if name.startswith("utility.")]


def build_columns(
    *,
    worlds: NDArray[np.int64],
    seed: int,
    end: NDArray[np.int8],
    end_round: NDArray[np.int64],
    deal_proposer: NDArray[np.int64],
    terms: NDArray[np.float64],
    utility: NDArray[np.float64],
    reservation: NDArray[np.float64],
    issues: Sequence[str],
    actors: Sequence[str],
) -> Columns:
    """Assemble the record columns from the model's final arrays."""
    names = np.array(END_REASON_NAMES, dtype=object)
    actor_names = np.array([*actors, ""], dtype=object)
    columns: Columns = {
        "world": worlds.astype(np.int64),
        "seed": np.full(worlds.shape, seed, dtype=np.int64),
        "agreed": end == 1,
        "end_reason": names[end],
        "round": end_round.astype(np.int64),
        "proposer": actor_names[deal_proposer],  # -1 picks the trailing ""
    }
    for k, issue in enumerate(issues):
        columns[f"term.{issue}"] = terms[:, k].copy()
    gain = utility - reservation
    for a, actor in enumerate(actors):
        columns[f"utility.{actor}"] = utility[:, a].copy()
        columns[f"reservation.{actor}"] = reservation[:, a].copy()
        columns[f"gain.{actor}"] = gain[:, a].copy()
    return columns


def record_from_columns(
    columns: Mapping[str, Any], i: int, scenario: str | None = None
) -> dict[str, Any]:
    """The JSON outcome record of row ``i`` (the same shape as ``parley run --json``)."""
    issues, actors = issues_of(columns), actors_of(columns)

    def number(value: Any) -> float | None:
        value = float(value)
        return None if math.isnan(value) else value

    record: dict[str, Any] = {}
    if scenario is not None:
        record["scenario"] = scenario
    elif "scenario" in columns:
        record["scenario"] = str(columns["scenario"][i])
    record.update(
        {
            "seed": int(columns["seed"][i]),
            "world": int(columns["world"][i]),
            "agreed": bool(columns["agreed"][i]),
            "end_reason": str(columns["end_reason"][i]),
            "round": int(columns["round"][i]),
            "proposer": str(columns["proposer"][i]) or None,
            "terms": {issue: number(columns[f"term.{issue}"][i]) for issue in issues},
            "utilities": {actor: number(columns[f"utility.{actor}"][i]) for actor in actors},
            "reservation": {actor: number(columns[f"reservation.{actor}"][i]) for actor in actors},
            "gains": {actor: number(columns[f"gain.{actor}"][i]) for actor in actors},
        }
    )
    return record
