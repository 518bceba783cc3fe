"""Round-by-round distributions over a batch's open worlds, as fixed histograms of integer counts.

A sweep keeps, for every cell and round, the distribution over the worlds still negotiating of
each actor's acceptance threshold and no-deal value and of the status quo on each issue: the data
of a fan chart (median and bands over rounds; Spiegelhalter, Pearson & Short 2011 on showing
uncertainty).  The bins are fixed in advance (utilities on [-1, 1], the status quo on [0, 1], at a
resolution of 0.01, plus one bin below and one above the range), so the histograms of two chunks
merge by adding integer counts: the merged counts, and the quantiles read from them, are the same
whatever the chunking, the order of the chunks, the number of workers or the backend.  Memory is
bounded: a talk longer than :data:`ROUND_SLOTS` rounds shares each slot between consecutive rounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Self

import numpy as np

from sim.arrays import FloatArray, IntArray
from sim.core.kernel_jit import vector_jit
from sim.core.newton_kernel import engine
from sim.core.records import RESERVATION, STATUS_QUO, THRESHOLD

if TYPE_CHECKING:
    from sim.core.batch import Structure
    from sim.core.open_round import OpenRound

ROUND_SLOTS = 200
"""At most this many round slots are kept (a longer talk puts consecutive rounds in one slot)."""
UTILITY_RANGE = (-1.0, 1.0)
"""Where thresholds and no-deal values are binned (values beyond count in the end bins)."""
UNIT_RANGE = (0.0, 1.0)
"""Where the status quo (an issue's position) is binned."""
BIN_WIDTH = 0.01
"""The resolution of every histogram: a quantile read from it is exact to one bin."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles a results folder stores per round: the median and the 50% and 90% bands."""


def _bins(low: float, high: float) -> int:
    return round((high - low) / BIN_WIDTH)


def histogram_width(value_range: tuple[float, float]) -> int:
    """Counts in a range's histogram: its bins, one below and one above."""
    return _bins(*value_range) + 2


@dataclass(frozen=True)
class RoundLayout:
    """Which quantities a scenario's round histograms hold, and how rounds map to slots."""

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    max_rounds: int

    @property
    def rounds_per_slot(self) -> int:
        """Consecutive rounds sharing one slot (1 unless the talks are longer than the slots)."""
        return max(1, math.ceil(self.max_rounds / ROUND_SLOTS))

    @property
    def slots(self) -> int:
        """Round slots kept."""
        return math.ceil(self.max_rounds / self.rounds_per_slot)

    @property
    def quantities(self) -> tuple[str, ...]:
        """``threshold.<actor>``, ``reservation.<actor>``, then ``status_quo.<issue>``."""
        return (
            *(THRESHOLD + a for a in self.actors),
            *(RESERVATION + a for a in self.actors),
            *(STATUS_QUO + i for i in self.issues),
        )

    def value_range(self, quantity: str) -> tuple[float, float]:
        """The binned range of a quantity."""
        return UNIT_RANGE if quantity.startswith(STATUS_QUO) else UTILITY_RANGE

    @property
    def width(self) -> int:
        """Counts per histogram: the widest range's bins plus one below and one above."""
        return histogram_width(UTILITY_RANGE)

    def empty(self) -> IntArray:
        """Zero counts, shape (slots, quantities, width)."""
        return np.zeros((self.slots, len(self.quantities), self.width), dtype=np.int64)


def bin_index(values: FloatArray, value_range: tuple[float, float]) -> IntArray:
    """Each value's bin: 0 below the range, ``1..bins`` inside it, ``bins + 1`` above it (NaN
    counts above).  Bins are [low + j*w, low + (j+1)*w), the last one closed."""
    low, high = value_range
    bins = _bins(low, high)
    scaled = np.floor((np.asarray(values, dtype=np.float64) - low) / BIN_WIDTH)
    index = np.where(np.isnan(scaled), bins + 1, np.clip(scaled, -1, bins) + 1).astype(np.int64)
    index[np.asarray(values) == high] = bins  # the top edge belongs to the last bin
    return index


def count_rows(values: FloatArray, low: float, high: float, bins: int, counts: IntArray) -> None:
    """Add each column of ``values`` (n, Q) to its row of ``counts`` (Q, width), each value in
    :func:`bin_index`'s bin, computed as it computes it (hand-written: some ten numpy calls
    and a bincount per quantity a round before, measured faster; the same integer counts)."""
    n, quantities = values.shape
    for i in range(n):
        for q in range(quantities):
            v = values[i, q]
            scaled = np.floor((v - low) / BIN_WIDTH)
            if v == high:
                index = bins
            elif np.isnan(scaled):
                index = bins + 1
            else:  # np.clip(scaled, -1, bins) + 1
                index = int(min(max(scaled, -1.0), float(bins)) + 1.0)
            counts[q, index] += 1


@cache
def compiled_count() -> Callable[[FloatArray, float, float, int, IntArray], None]:
    """``count_rows`` compiled (numba imported, the kernel compiled or loaded from the cache, on
    first use only)."""
    kernel: Callable[[FloatArray, float, float, int, IntArray], None] = vector_jit(count_rows)
    return kernel


@dataclass(frozen=True)
class RoundHistograms:
    """A batch's round-by-round histograms: counts of shape (slots, quantities, width)."""

    layout: RoundLayout
    counts: IntArray

    @classmethod
    def start(cls, structure: Structure) -> Self:
        """Empty histograms for a scenario's actors, issues and deadline."""
        layout = RoundLayout(structure.actors, structure.issues, structure.max_rounds)
        return cls(layout, layout.empty())

    def add(self, now: OpenRound) -> None:
        """Count a round's open worlds: thresholds, no-deal values, the status quo."""
        if now.size == 0:
            return
        layout = self.layout
        slot = (now.number - 1) // layout.rounds_per_slot
        if engine() == "kernel":  # the same counts, one compiled pass per table
            count, first = compiled_count(), 0
            tables = (now.threshold, now.reservation, now.status_quo)
            ranges = (UTILITY_RANGE, UTILITY_RANGE, UNIT_RANGE)  # as value_range gives them
            for table, (low, high) in zip(tables, ranges, strict=True):
                last = first + table.shape[1]
                values = np.asarray(table, dtype=np.float64)
                count(values, low, high, _bins(low, high), self.counts[slot, first:last])
                first = last
            return
        columns = [*now.threshold.T, *now.reservation.T, *now.status_quo.T]
        for q, (quantity, values) in enumerate(zip(layout.quantities, columns, strict=True)):
            index = bin_index(values, layout.value_range(quantity))
            self.counts[slot, q] += np.bincount(index, minlength=layout.width)


def histogram_quantiles(
    counts: IntArray, value_range: tuple[float, float], quantiles: tuple[float, ...] = QUANTILES
) -> FloatArray:
    """Quantiles of a binned sample, interpolated linearly inside the bin that holds them (as a
    histogram's ogive; values below or above the range read as its ends); NaN if empty."""
    low, high = value_range
    bins = _bins(low, high)
    counts = np.asarray(counts, dtype=np.int64)[: bins + 2]
    total = int(counts.sum())
    if total == 0:
        return np.full(len(quantiles), np.nan)
    inside = counts.astype(np.float64).copy()
    inside[1] += inside[0]  # below the range: at its low end
    inside[bins] += inside[bins + 1]  # above it: at its high end
    cumulative = np.cumsum(inside[1 : bins + 1])  # worlds at or below each bin's top edge
    targets = np.asarray(quantiles, dtype=np.float64) * total
    # The bin holding each target: the first whose top edge has at least that many worlds below.
    holder = np.minimum(np.searchsorted(cumulative, targets, side="left"), bins - 1)
    below = np.where(holder > 0, cumulative[holder - 1], 0.0)
    share = np.clip((targets - below) / np.maximum(inside[1:][holder], 1.0), 0.0, 1.0)
    return np.asarray(low + (holder + share) * BIN_WIDTH, dtype=np.float64)
