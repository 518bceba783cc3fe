"""Spatial utilities of packages, compiled, with the numpy reference's bits (:mod:`sim.core.utility`).

U_i(x) = 1 - sum_k s_ik |x_k - p_ik|^rho_i (rho_i = 1 linear, 2 quadratic; Bueno de Mesquita 1994)
in every world for every actor, as one compiled loop (numba, ``njit(cache=True)``) instead of
numpy's four passes over (N, A, K) arrays and the fold over the issues: the same IEEE operations
in the same order -- |x - p|, its square (d d) or itself, times the salience, the issues added
left to right as :func:`sim.arrays.reduce_short` adds them (K < 8), 1 less the sum -- so the
values are the same bit for bit (numba compiles without fast-math: nothing is reordered or fused).
``PARLEY_ENGINE=numpy`` runs the reference instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from sim.arrays import SHORT_AXIS, BoolArray, FloatArray
from sim.core.newton_kernel import engine, jit

Kernel = Callable[[FloatArray, FloatArray, FloatArray, BoolArray, FloatArray], None]


def compiled_utilities(
    x: FloatArray, position: FloatArray, salience: FloatArray, linear: BoolArray
) -> FloatArray | None:
    """Every actor's utility (N, A) of package x (N, K), as :func:`sim.core.utility.utilities`
    computes it; None where the reference must run (``PARLEY_ENGINE=numpy``, K >= 8 issues,
    whose numpy sum is pairwise, or arrays that are not float64 / bool)."""
    if position.ndim != 3 or x.ndim != 2 or linear.ndim != 2:
        return None
    if not 1 <= position.shape[2] < SHORT_AXIS or engine() != "kernel":
        return None
    if any(a.dtype != np.float64 for a in (x, position, salience)) or linear.dtype != np.bool_:
        return None
    n, actors, issues = np.broadcast_shapes(
        x[:, None, :].shape, position.shape, salience.shape, linear[:, :, None].shape
    )
    result = np.empty((n, actors))
    compiled_kernel()(
        np.broadcast_to(x, (n, issues)),
        np.broadcast_to(position, (n, actors, issues)),
        np.broadcast_to(salience, (n, actors, issues)),
        np.broadcast_to(linear, (n, actors)),
        result,
    )
    return result


def utility_rows(
    x: FloatArray, position: FloatArray, salience: FloatArray, linear: BoolArray, out: FloatArray
) -> None:
    """U (N, A) into ``out``: 1 - sum_k s_ik |x_k - p_ik|^rho_i, the issues added left to right."""
    n, actors, issues = position.shape
    for i in range(n):
        for a in range(actors):
            total = 0.0
            for k in range(issues):
                distance = abs(x[i, k] - position[i, a, k])
                term = salience[i, a, k] * (distance if linear[i, a] else distance * distance)
                total = term if k == 0 else total + term
            out[i, a] = 1.0 - total


@cache
def compiled_kernel() -> Kernel:
    """``utility_rows`` compiled for any strides (numba imported, the kernel compiled or loaded
    from the cache, on first use only)."""
    from numba import types

    def view(dtype: types.Type, dimensions: int) -> types.Array:
        """Any strides, read-only (``numpy.broadcast_to``'s views)."""
        return types.Array(dtype, dimensions, "A", readonly=True)

    floats = types.float64
    signature = types.void(
        view(floats, 2),
        view(floats, 3),
        view(floats, 3),
        view(types.boolean, 2),
        types.Array(floats, 2, "C"),
    )
    kernel: Kernel = jit(utility_rows, signature)
    return kernel
