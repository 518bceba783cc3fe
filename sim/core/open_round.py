"""One bargaining round in the worlds still open: who they are and what happens in them.

The model fills it in protocol order, each actor writing its own column: no-deal values
(``reservation``), thresholds, then, after the proposer's offer, each actor's utility of the offer
and its answer.  The DataCollector reads it at the end of the round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.batch import WorldBatch
from sim.core.strategies import ThresholdInputs


@dataclass
class OpenRound:
    """Round ``number`` in the open worlds ``rows`` (indices into the model's worlds)."""

    number: int
    rows: IntArray
    batch: WorldBatch  # the open worlds' numbers
    status_quo: FloatArray  # (n, K) after this round's move
    reservation: FloatArray  # (n, A) no-deal values, one column per actor
    threshold: FloatArray  # (n, A) acceptance thresholds
    offered: FloatArray  # (n, A) each actor's utility of the offer
    accepts: BoolArray  # (n, A) each actor's answer
    inputs: ThresholdInputs | None = None
    proposer: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    package: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    feasible: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    belief: FloatArray | None = None  # (n,) P(accepted) the proposer believed; None: certain
    demanded: FloatArray | None = None  # (n, A) thresholds the offer was built on; None: true
    approvals: FloatArray | None = None  # (n, R) ratifiers' P(approve) of the package, if known
    deal: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    broke: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    out_of_time: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    rejected: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # at home

    @classmethod
    def start(
        cls, number: int, rows: IntArray, batch: WorldBatch, status_quo: FloatArray
    ) -> OpenRound:
        """A round about to be played in ``rows``, with empty per-actor columns."""
        shape = (rows.size, len(batch.structure.actors))
        return cls(
            number=number,
            rows=rows,
            batch=batch,
            status_quo=status_quo,
            reservation=np.empty(shape),
            threshold=np.empty(shape),
            offered=np.empty(shape),
            accepts=np.empty(shape, dtype=bool),
        )

    @property
    def size(self) -> int:
        """How many worlds are open this round."""
        return int(self.rows.size)
