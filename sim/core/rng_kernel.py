"""The counter-based uniforms of :mod:`sim.core.rng`, compiled, with the reference's bits.

:func:`sim.core.rng.uniforms` hashes each draw's coordinates with SplitMix64 in numpy uint64
arithmetic: some twenty passes over (n, lanes) for the two keys and the counter's hash, then a
shift, a conversion and a division.  Here one compiled loop (numba, ``njit(cache=True)``) does
the same wrapping integer operations per draw and the same exact conversion (a 53-bit integer
to float64, divided by 2**53: both exact), so every uniform is the same bit for bit.
Hand-written: measured faster (docs/speed.md, issue 17).  ``PARLEY_ENGINE=numpy`` runs the
reference.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from sim.arrays import FloatArray
from sim.core.newton_kernel import engine

SMALLEST = 4_096
"""Draws below which the numpy reference runs (the same bits either way): a process that draws
only a few (the command line's checks, a preview) does not import numba for them."""

Kernel = Callable[[np.uint64, np.ndarray, np.ndarray, FloatArray], None]


def compiled_uniforms(
    seed_key: np.uint64, world: np.ndarray, counter: np.ndarray
) -> FloatArray | None:
    """The uniforms (n, lanes) of :func:`sim.core.rng.uniforms` from the seed's hash
    ``splitmix64(seed)``, the worlds (n,) and the lanes' counters (lanes,), all uint64; None
    where the reference must run (``PARLEY_ENGINE=numpy``, few draws, other shapes)."""
    if world.ndim != 1 or world.size * counter.size < SMALLEST or engine() != "kernel":
        return None
    out = np.empty((world.size, counter.size))
    compiled_kernel()(seed_key, np.ascontiguousarray(world), np.ascontiguousarray(counter), out)
    return out


def uniform_rows(
    seed_key: np.uint64, world: np.ndarray, counter: np.ndarray, out: FloatArray
) -> None:
    """out[i, j] = (splitmix64(splitmix64(seed_key ^ world[i]) ^ counter[j]) >> 11) / 2**53."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    mix1 = np.uint64(0xBF58476D1CE4E5B9)
    mix2 = np.uint64(0x94D049BB133111EB)
    s30, s27, s31, s11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
    scale = 1.0 / 9007199254740992.0  # 2**-53: multiplying by it is dividing by 2**53, exactly
    for i in range(world.size):
        z = (seed_key ^ world[i]) + golden
        z = (z ^ (z >> s30)) * mix1
        z = (z ^ (z >> s27)) * mix2
        key = z ^ (z >> s31)
        for j in range(counter.size):
            z = (key ^ counter[j]) + golden
            z = (z ^ (z >> s30)) * mix1
            z = (z ^ (z >> s27)) * mix2
            z = z ^ (z >> s31)
            out[i, j] = np.float64(z >> s11) * scale


@cache
def compiled_kernel() -> Kernel:
    """``uniform_rows`` compiled (numba imported, the kernel compiled or loaded from the cache,
    on first use only)."""
    from sim.core.kernel_jit import vector_jit

    kernel: Kernel = vector_jit(uniform_rows)
    return kernel
