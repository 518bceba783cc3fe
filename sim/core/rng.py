"""Counter-based randomness: every draw is a pure function of (seed, world, round, purpose, lane).

A world's fate must not depend on the batch it runs in, the chunk size, the worker count or the
backend.  So instead of one stateful generator per world we hash the draw's coordinates with
SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"), in numpy
uint64 arithmetic, and turn the 64-bit outputs into uniforms (53-bit mantissa) and then into the
draws we need.  Nothing here touches numpy's global RNG.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim import elementary

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_POW_53 = float(2**53)


class Purpose(IntEnum):
    """What a draw is for; part of its counter so different uses never share a number."""

    DYNAMICS = 1
    PROPOSER = 2
    BREAKDOWN = 3
    SAMPLE = 4
    DESIGN = 5
    PRIVATE = 6
    RATIFICATION = 7
    IMPLEMENTATION = 8


def splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The SplitMix64 finaliser applied elementwise (wrapping uint64 arithmetic)."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


def _u64(values: ArrayLike) -> NDArray[np.uint64]:
    return np.atleast_1d(np.asarray(values, dtype=np.int64)).astype(np.uint64)


def counter_bits(
    seed: int, world: ArrayLike, round_: int, purpose: Purpose, lanes: int | ArrayLike = 1
) -> NDArray[np.uint64]:
    """64 random bits, shape (len(world), lanes), for one round and purpose (``lanes``: how
    many, 0 .. lanes - 1, or which ones; a lane's bits are the same either way)."""
    return _hashed(seed, world, _counters(seed, round_, purpose, lanes))


def _hashed(seed: int, world: ArrayLike, counter: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The worlds' keys hashed with the lanes' counters: (len(world), lanes) random bits."""
    key = splitmix64(splitmix64(_u64(seed)) ^ _u64(world))
    return splitmix64(key[:, None] ^ counter[None, :])


def _counters(
    seed: int, round_: int, purpose: Purpose, lanes: int | ArrayLike
) -> NDArray[np.uint64]:
    """The lanes' counters (lanes,) of one round and purpose (the seed checked)."""
    if seed < 0:
        raise ValueError("seed must be >= 0")
    tag = np.uint64((int(round_) << 32) | (int(purpose) << 24))
    chosen = np.arange(lanes) if isinstance(lanes, int) else lanes
    return _u64(chosen) + tag


def uniforms(
    seed: int, world: ArrayLike, round_: int, purpose: Purpose, lanes: int | ArrayLike = 1
) -> NDArray[np.float64]:
    """Uniform draws on [0, 1), shape (len(world), lanes) (``lanes`` as in
    :func:`counter_bits`)."""
    from sim.core.rng_kernel import compiled_uniforms

    counter = _counters(seed, round_, purpose, lanes)
    compiled = compiled_uniforms(splitmix64(_u64(seed))[0], _u64(world), counter)
    if compiled is not None:
        return compiled
    bits = _hashed(seed, world, counter)
    return (bits >> _S11).astype(np.float64) / _TWO_POW_53


HALF_ULP = 2.0**-54
"""Half the spacing of :func:`uniforms`' 53-bit grid: adding it gives open uniforms on (0, 1),
the midpoints of the 2**53 cells (what an inverse CDF needs: no 0, no 1)."""


def open_uniforms(
    seed: int, world: ArrayLike, round_: int, purpose: Purpose, lanes: int = 1
) -> NDArray[np.float64]:
    """Uniform draws on the open interval (0, 1), shape (len(world), lanes)."""
    result: NDArray[np.float64] = uniforms(seed, world, round_, purpose, lanes) + HALF_ULP
    return result


def normals(
    seed: int,
    world: ArrayLike,
    round_: int,
    purpose: Purpose,
    lanes: int = 1,
    only: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Standard normal draws, shape (len(world), lanes), by the Box-Muller transform; ``only``
    (lane indices): just those columns of that draw, the same values, the others not drawn."""
    chosen = np.arange(lanes, dtype=np.int64) if only is None else only
    u = uniforms(seed, world, round_, purpose, np.concatenate([chosen, lanes + chosen]))
    # Contiguous copies: numpy may take a different (last-bit different) loop for strided input,
    # and a world's draws must not depend on the batch around it.
    u_radius = np.ascontiguousarray(u[:, : chosen.size])
    u_angle = np.ascontiguousarray(u[:, chosen.size :])
    radius = np.sqrt(-2.0 * elementary.log1p(-u_radius))  # 1 - u is in (0, 1]
    result: NDArray[np.float64] = radius * elementary.cos_two_pi(u_angle)
    return result
