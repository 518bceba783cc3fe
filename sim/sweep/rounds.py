"""A sweep's round-by-round distributions: carried in each part, merged into ``rounds.parquet``.

Each chunk's :class:`~sim.core.round_histograms.RoundHistograms` travel in its part file's schema
metadata (so a part stays one atomic file, on either backend, and a resumed sweep finds them with
the rows).  At the end the counts of each cell's chunks are added up, one cell at a time (memory
bounded by one cell's histograms), and written as one row per (cell, round slot, quantity) with the
worlds counted, the stored quantiles and the counts themselves.  Integer counts add up the same in
any order, so the file's bytes do not depend on chunks, workers or backend.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.arrays import IntArray
from sim.core.round_histograms import (
    BIN_WIDTH,
    QUANTILES,
    UNIT_RANGE,
    UTILITY_RANGE,
    RoundHistograms,
    RoundLayout,
    histogram_quantiles,
    histogram_width,
)
from sim.errors import SweepError
from sim.io import atomic_path
from sim.sweep.parts import read_part_schema

ROUNDS_KEY = b"parley.rounds"
"""The part-file schema metadata key holding the chunk's histograms."""


def quantile_column(q: float) -> str:
    """The column of a stored quantile: ``q05``, ``q25``, ``q50``, ``q75``, ``q95``."""
    return f"q{round(q * 100):02d}"


def encode_histograms(histograms: RoundHistograms) -> bytes:
    """A chunk's histograms as metadata text: the layout and the compressed counts."""
    layout = histograms.layout
    payload = {
        "actors": list(layout.actors),
        "issues": list(layout.issues),
        "max_rounds": layout.max_rounds,
        "counts": base64.b64encode(
            zlib.compress(histograms.counts.astype("<i8").tobytes(), 6)
        ).decode("ascii"),
    }
    return json.dumps(payload, sort_keys=True).encode("utf-8")


def decode_histograms(text: bytes) -> RoundHistograms:
    """The histograms :func:`encode_histograms` wrote."""
    payload = json.loads(text)
    layout = RoundLayout(tuple(payload["actors"]), tuple(payload["issues"]), payload["max_rounds"])
    raw = zlib.decompress(base64.b64decode(payload["counts"]))
    counts = np.frombuffer(raw, dtype="<i8").astype(np.int64).reshape(layout.empty().shape)
    return RoundHistograms(layout, counts)


def _part_histograms(path: Path) -> RoundHistograms:
    metadata = read_part_schema(path).metadata or {}
    if ROUNDS_KEY not in metadata:
        raise SweepError(f"{path}: a part without round histograms (made by an older Parley)")
    return decode_histograms(metadata[ROUNDS_KEY])


def merge_round_parts(
    part_paths: Sequence[tuple[int, str, Path]],
    destination: Path,
    metadata: Mapping[str, str] | None = None,
) -> int:
    """Add up the histograms of each cell's parts (``(cell, scenario, path)`` in cell order) and
    write ``rounds.parquet``; returns the number of rows."""
    schema = rounds_schema(metadata)
    rows = 0
    with atomic_path(destination) as temporary, pq.ParquetWriter(temporary, schema) as writer:
        index = 0
        while index < len(part_paths):
            cell, scenario = part_paths[index][:2]
            merged: RoundHistograms | None = None
            while index < len(part_paths) and part_paths[index][0] == cell:
                part = _part_histograms(part_paths[index][2])
                if merged is None:
                    merged = part
                else:
                    merged.counts[...] += part.counts
                index += 1
            assert merged is not None
            table = pa.Table.from_pylist(_cell_rows(cell, scenario, merged), schema=schema)
            writer.write_table(table)
            rows += table.num_rows
    return rows


def rounds_schema(metadata: Mapping[str, str] | None = None) -> pa.Schema:
    """The columns of ``rounds.parquet`` (docs/results-schema.md), with the bins in metadata."""
    fields = [
        pa.field("cell", pa.int64()),
        pa.field("scenario", pa.string()),
        pa.field("round", pa.int64()),
        pa.field("round_last", pa.int64()),
        pa.field("quantity", pa.string()),
        pa.field("n", pa.int64()),
        *(pa.field(quantile_column(q), pa.float64()) for q in QUANTILES),
        pa.field("counts", pa.list_(pa.int64())),
    ]
    bins = {
        "parley.rounds.bin_width": str(BIN_WIDTH),
        "parley.rounds.utility_range": json.dumps(list(UTILITY_RANGE)),
        "parley.rounds.unit_range": json.dumps(list(UNIT_RANGE)),
    }
    return pa.schema(fields, metadata={**(metadata or {}), **bins})


def _cell_rows(cell: int, scenario: str, histograms: RoundHistograms) -> list[dict[str, Any]]:
    layout, rows = histograms.layout, []
    per_slot = layout.rounds_per_slot
    for slot in range(layout.slots):
        for q, quantity in enumerate(layout.quantities):
            value_range = layout.value_range(quantity)
            counts: IntArray = histograms.counts[slot, q, : histogram_width(value_range)]
            n = int(counts.sum())
            if n == 0:
                continue
            values = histogram_quantiles(counts, value_range)
            rows.append(
                {
                    "cell": cell,
                    "scenario": scenario,
                    "round": slot * per_slot + 1,
                    "round_last": min((slot + 1) * per_slot, layout.max_rounds),
                    "quantity": quantity,
                    "n": n,
                    **{
                        quantile_column(q): float(v) for q, v in zip(QUANTILES, values, strict=True)
                    },
                    "counts": counts.tolist(),
                }
            )
    return rows
