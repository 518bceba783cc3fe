"""Experimental designs: where in the unit hypercube each world's uncertain parameters lie.

A sweep's design decides how world ``w``'s uncertain parameters are chosen.  ``monte-carlo`` (the
default) draws every parameter from its own counter-based stream (:mod:`sim.experiment.sampling`).  The
other designs first place each world at a point ``u`` of the unit hypercube, one coordinate per
lane of every parameter, and then map ``u`` through the priors' quantile functions
(:func:`sim.experiment.quantiles.quantile`), so they run over the same priors:

``latin``
    Latin hypercube (McKay, Beckman & Conover 1979): each lane's ``runs`` strata are dealt to the
    worlds by a keyed pseudo-random permutation of ``0 .. runs-1`` (a Feistel network with cycle
    walking; Black & Rogaway 2002), with a counter-based jitter inside the stratum.  Each world's
    point is computed on its own, in O(1), so chunks never need the whole design.
``sobol``
    The Saltelli (2002; Saltelli et al. 2010) design for first-order and total Sobol' indices,
    built on a scrambled Sobol' sequence in 2L dimensions (:class:`scipy.stats.qmc.Sobol`).  The
    model's own randomness (breakdown draws, proposer, the front) is one more factor, *chance*,
    whose A and B values are two independent keys of the model's draws (the stochastic
    simulator's seed as an input; Marrel et al. 2012, Hart, Alexanderian & Gremaud 2017): world
    ``w`` is row ``w mod (G + 3)`` of block ``w div (G + 3)``, the rows being A, then A with
    group g taken from B (g = 1 .. G), then A with B's chance, then B -- the row order of SALib's
    ``saltelli`` sampler without second-order rows for G + 1 groups, so SALib's
    ``sobol.analyze`` reads the outcomes in world order.  A chunk fast-forwards the sequence to
    its first block.
``morris``
    Morris (1991) trajectories on a ``MORRIS_LEVELS``-level grid, one factor group moved per step
    (SALib's ``morris`` sampler, Campolongo, Cariboni & Saltelli 2007): world ``w`` is step
    ``w mod (G + 1)`` of trajectory ``w div (G + 1)``.  The grid levels are mapped to the
    midpoints of ``MORRIS_LEVELS`` equal-probability strata so that no quantile is infinite.

A *group* is a set of lanes that move together: a Dirichlet salience table is one group (its
entries sum to 1, so they cannot vary one at a time); every other lane is a group of its own.
World ``w``'s point depends only on (seed, design, w) and, for ``latin`` and ``morris``, on the
number of worlds per cell, which the experiment fixes: never on the chunk, worker or backend.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.core.rng import HALF_ULP, Purpose, counter_bits, splitmix64, uniforms

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DesignName = Literal["monte-carlo", "latin", "sobol", "morris"]
DESIGNS: tuple[DesignName, ...] = ("monte-carlo", "latin", "sobol", "morris")
MORRIS_LEVELS = 4
"""Grid levels of a Morris design (SALib's default; the jump is levels / (2 (levels - 1)))."""
FEISTEL_ROUNDS = 6
_SOBOL_CENTRE = 2.0**-31  # half a cell of scipy's 30-bit Sobol' points: keeps u inside (0, 1)


@dataclass(frozen=True)
class Factor:
    """One factor of a design: a group of ``width`` lanes that move together."""

    name: str
    width: int
    stream: int
    """A stable number identifying the factor (its parameter's stream): keys its Latin strata."""


def n_lanes(factors: Sequence[Factor]) -> int:
    """The dimension of the unit hypercube: the lanes of all factors."""
    return sum(f.width for f in factors)


def group_of_lane(factors: Sequence[Factor]) -> IntArray:
    """For each lane, the index of the factor it belongs to."""
    return np.repeat(np.arange(len(factors), dtype=np.int64), [f.width for f in factors])


def rows_per_block(design: DesignName, n_factors: int) -> int:
    """Worlds per Saltelli block (G + 3: the G factors and chance) or Morris trajectory (G + 1);
    1 for the others."""
    if design == "sobol":
        return n_factors + 3
    if design == "morris":
        return n_factors + 1
    return 1


def unit_points(
    design: DesignName,
    factors: Sequence[Factor],
    seed: int,
    runs: int,
    worlds: ArrayLike,
) -> FloatArray:
    """The design's points in the open unit hypercube for ``worlds``, shape (N, lanes).

    ``runs`` is the number of worlds per cell (the Latin strata and the Morris trajectories
    depend on it).  Raises ValueError for ``monte-carlo`` (which has no design points) or a world
    outside ``0 .. runs-1``.
    """
    world_ids = np.atleast_1d(np.asarray(worlds, dtype=np.int64))
    if world_ids.size and (world_ids.min() < 0 or world_ids.max() >= runs):
        raise ValueError(f"worlds must lie in 0..{runs - 1}")
    if not factors:
        return np.empty((world_ids.size, 0), dtype=np.float64)
    if design == "latin":
        return _latin(factors, seed, runs, world_ids)
    if design == "sobol":
        return _saltelli(factors, seed, world_ids)
    if design == "morris":
        return _morris(factors, seed, runs, world_ids)
    raise ValueError(f"the {design} design has no unit-hypercube points")


def noise_worlds(design: DesignName, n_factors: int, worlds: ArrayLike) -> IntArray:
    """The key of the model's own random draws (dynamics, proposer, breakdown) for each world.

    Saltelli block i draws with key 2i in rows A and AB_g and with key 2i + 1 in the rows that
    take chance from B (AB_chance and B), so that chance is a factor like the others (without
    it the model's noise would look like an interaction of every input and push every total
    index towards 1).  A Morris trajectory shares one key (its index): its elementary effects
    are then free of noise (common random numbers).  Other designs key each world by itself.
    """
    world_ids = np.atleast_1d(np.asarray(worlds, dtype=np.int64))
    step = rows_per_block(design, n_factors)
    result: IntArray
    if design == "sobol":
        row = world_ids % step
        result = 2 * (world_ids // step) + (row >= step - 2)
    else:
        result = world_ids // step
    return result


# ---------------------------------------------------------------------------------------------
# Latin hypercube


def keyed_permutation(index: ArrayLike, n: int, key: int) -> IntArray:
    """The image of ``index`` under a pseudo-random permutation of ``0 .. n-1`` chosen by ``key``.

    A balanced Feistel network over the smallest even number of bits covering ``n`` (round
    function: SplitMix64), restricted to ``0 .. n-1`` by cycle walking (Black & Rogaway 2002,
    "Ciphers with arbitrary finite domains").  Each image is computed independently.
    """
    x = np.atleast_1d(np.asarray(index, dtype=np.int64)).astype(np.uint64)
    bits = max(2, math.ceil(math.log2(max(n, 2))))
    bits += bits % 2
    half = np.uint64(bits // 2)
    mask = np.uint64((1 << (bits // 2)) - 1)
    keys = splitmix64(np.uint64(key) + np.arange(FEISTEL_ROUNDS, dtype=np.uint64))

    def feistel(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
        left, right = v >> half, v & mask
        for round_key in keys:
            left, right = right, left ^ (splitmix64(right ^ round_key) & mask)
        return (left << half) | right

    y = feistel(x)
    outside = np.nonzero(y >= np.uint64(n))[0]
    while outside.size:
        y[outside] = feistel(y[outside])
        outside = outside[y[outside] >= np.uint64(n)]
    return y.astype(np.int64)


def _latin(factors: Sequence[Factor], seed: int, runs: int, worlds: IntArray) -> FloatArray:
    columns = []
    for factor in factors:
        jitter = uniforms(seed, worlds, factor.stream, Purpose.DESIGN, factor.width)
        for lane in range(factor.width):
            key = int(counter_bits(seed, [lane], factor.stream, Purpose.DESIGN)[0, 0])
            stratum = keyed_permutation(worlds, runs, key)
            columns.append((stratum + jitter[:, lane] + HALF_ULP) / runs)
    return np.ascontiguousarray(np.stack(columns, axis=1))


# ---------------------------------------------------------------------------------------------
# Saltelli design on a scrambled Sobol' sequence


def sobol_base(dimension: int, seed: int, first: int, count: int) -> FloatArray:
    """Points ``first .. first+count-1`` of the scrambled Sobol' sequence in ``dimension`` dims.

    Scrambling (LMS + digital shift, Owen 1998 / Matoušek 1998) is drawn from ``seed``; the
    points are exact dyadic fractions, so fast-forwarding gives the same bits as generating from
    the start.  Each point is moved to the centre of its 2**-30 cell (inside (0, 1)).
    """
    from scipy.stats import qmc

    engine = qmc.Sobol(d=dimension, scramble=True, rng=np.random.default_rng(seed))
    if first:
        engine.fast_forward(first)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        points: FloatArray = engine.random(count)
    return points + _SOBOL_CENTRE


def _saltelli(factors: Sequence[Factor], seed: int, worlds: IntArray) -> FloatArray:
    lanes = n_lanes(factors)
    step = rows_per_block("sobol", len(factors))
    block = worlds // step
    row = worlds % step
    first, last = int(block.min()), int(block.max())
    base = sobol_base(2 * lanes, seed, first, last - first + 1)[block - first]
    a, b = base[:, :lanes], base[:, lanes:]
    group = group_of_lane(factors)
    # Row 0 is A, row g + 1 is A with group g from B, row G + 1 is A (chance from B), G + 2 is B.
    from_b = (row[:, None] == group[None, :] + 1) | (row[:, None] == step - 1)
    return np.ascontiguousarray(np.where(from_b, b, a))


# ---------------------------------------------------------------------------------------------
# Morris trajectories


def _morris(factors: Sequence[Factor], seed: int, runs: int, worlds: IntArray) -> FloatArray:
    grid = morris_grid(tuple(f.width for f in factors), seed, runs)
    return (grid[worlds] * (MORRIS_LEVELS - 1) + 0.5) / MORRIS_LEVELS


@functools.lru_cache(maxsize=4)
def morris_grid(widths: tuple[int, ...], seed: int, runs: int) -> FloatArray:
    """The Morris design's grid points in [0, 1] for worlds ``0 .. runs-1`` (SALib's sampler).

    Enough trajectories to cover every world (the last may be cut short).  Cached: every chunk
    of a cell needs the same design.  Read-only.
    """
    from SALib.sample import morris

    names = [f"x{lane}" for lane in range(sum(widths))]
    groups = [f"g{index}" for index, width in enumerate(widths) for _ in range(width)]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[0.0, 1.0]] * len(names),
        "groups": groups,
    }
    trajectories = -(-runs // (len(widths) + 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about N not being a power of 2
        points = morris.sample(problem, trajectories, num_levels=MORRIS_LEVELS, seed=seed)
    grid: FloatArray = np.ascontiguousarray(points[:runs])
    grid.setflags(write=False)
    return grid


__all__ = [
    "DESIGNS",
    "MORRIS_LEVELS",
    "DesignName",
    "Factor",
    "group_of_lane",
    "keyed_permutation",
    "morris_grid",
    "n_lanes",
    "noise_worlds",
    "rows_per_block",
    "sobol_base",
    "unit_points",
]
