"""Monte Carlo volume of the zone of possible agreement in the deal space."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.arrays import FloatArray
from sim.core.rng import Purpose, uniforms
from sim.forecast.solutions import Parties

if TYPE_CHECKING:
    pass


_SAMPLE_CHUNK = 50_000


# --- Monte Carlo volume ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Volume:
    inside: int
    threshold_inside: int
    best_sample: FloatArray  # the sampled package with the largest smallest surplus


def _sample_volume(
    parties: Parties,
    reservation: FloatArray,
    threshold: FloatArray,
    seed: int,
    samples: int,
) -> _Volume:
    """Count uniform packages inside the reservation and threshold sets.

    Draws come from the counter-based stream (seed, world = sample index, round 0,
    Purpose.SAMPLE), so the same seed gives the same estimate at every round.
    """
    k = parties.position.shape[1]
    inside = threshold_inside = 0
    best_sample, best = np.full(k, 0.5), -math.inf
    for start in range(0, samples, _SAMPLE_CHUNK):
        stop = min(start + _SAMPLE_CHUNK, samples)
        x = uniforms(seed, np.arange(start, stop), 0, Purpose.SAMPLE, lanes=k)
        values = parties.utilities(x)
        inside += int(np.count_nonzero(np.all(values >= reservation, axis=1)))
        threshold_inside += int(np.count_nonzero(np.all(values >= threshold, axis=1)))
        surplus = np.min(values - reservation, axis=1)
        row = int(np.argmax(surplus))
        if surplus[row] > best:
            best_sample, best = x[row].copy(), float(surplus[row])
    return _Volume(inside, threshold_inside, best_sample)


def _share(count: int, samples: int) -> tuple[float, float]:
    """A proportion and its binomial standard error."""
    share = count / samples
    return share, math.sqrt(share * (1.0 - share) / samples)
