"""How the page's batch of worlds is cut between its worker processes.

A progressive batch has a first, provisional slice and the rest
(:func:`sim.app.odds.progressive_odds`).  Each chunk a worker runs pays a fixed cost whatever
its size, so the cut decides how long the page waits for the whole batch.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import IntArray

FIXED_COST_WORLDS = 500
"""What a batch costs whatever its size, in worlds of the baseline: its rounds' sequential
solves (their count is the slowest world's, not the sum).  Measured in one process with
``run_batch`` on the baseline: about 0.13 s for any batch plus 0.24-0.3 ms a world (50 worlds
0.15 s, 500 worlds 0.32 s, 5,000 worlds 1.68 s).  :func:`worker_chunks` balances the workers
with it."""


def worker_chunks(
    first: int, worlds: int, workers: int, fixed: int = FIXED_COST_WORLDS
) -> list[list[IntArray]]:
    """A progressive batch's slices cut into the chunks its ``workers`` processes run, in world
    order and queued in that order (a free worker takes the next).

    The first slice (worlds ``0 .. first-1``) goes whole to one worker while every other worker
    starts at once on a chunk of the rest; the first slice's worker then takes the last, smaller
    chunk.  The sizes make every worker end together if a batch costs ``fixed`` worlds' worth
    whatever its size (:data:`FIXED_COST_WORLDS`): the first slice's worker runs one batch more.
    Cutting the first slice between the workers made each of them pay the fixed cost twice.
    """
    whole = np.arange(worlds)
    if first >= worlds:
        return [list(np.array_split(whole, min(workers, worlds)))]
    if workers == 1:
        return [[whole[:first]], [whole[first:]]]
    # The first slice's worker: `first`, then `last` worlds; every other: fixed + first + last.
    last = (worlds - first - (workers - 1) * (fixed + first)) // workers
    if last <= 0:
        return [[whole[:first]], list(np.array_split(whole[first:], workers - 1))]
    split = np.array_split(whole[first : worlds - last], workers - 1)
    return [[whole[:first]], [*split, whole[worlds - last :]]]
