"""The most the involved actors can get together, compiled, with the numpy reference's bits.

With quadratic utilities max_x sum_a w_a U_a(x) has a closed form per issue (the weighted mean
of the ideal points): sum_a w_a - sum_k (sum_a w_a s_ak p_ak^2 - (sum_a w_a s_ak p_ak)^2 /
sum_a w_a s_ak) (:meth:`sim.core.dual.DualProblem.attainable`, the duality certificate of
Boyd & Vandenberghe 2004, section 5.2).  numpy spends some fifteen passes and folds over
(n, M, K) arrays on it; here one compiled loop (numba, ``njit(cache=True)``) does the same IEEE
operations in the same order -- the actors and the issues added left to right, as
:func:`sim.arrays.reduce_short` adds them (M, K < 8) -- so the values are the same bit for bit.
``PARLEY_ENGINE=numpy`` runs the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from sim.arrays import SHORT_AXIS, FloatArray
from sim.core.newton_kernel import engine, jit

Kernel = Callable[[FloatArray, FloatArray, FloatArray, FloatArray], None]


def compiled_attainable(
    position: FloatArray, salience: FloatArray, own: FloatArray
) -> FloatArray | None:
    """max_x sum_a w_a U_a(x) (n,) for quadratic utilities, w_0 = 1 where the proposer's own
    threshold ``own`` is imposed (finite) else 0, the others' 1; None where the reference must
    run (``PARLEY_ENGINE=numpy``, 8 or more actors or issues, whose numpy sums are pairwise)."""
    n, involved, issues = position.shape
    if not (1 <= involved < SHORT_AXIS and 1 <= issues < SHORT_AXIS) or engine() != "kernel":
        return None
    result = np.empty(n)
    compiled_kernel()(
        np.asarray(position, dtype=np.float64),
        np.asarray(salience, dtype=np.float64),
        np.asarray(own, dtype=np.float64),
        result,
    )
    return result


def attainable_rows(
    position: FloatArray, salience: FloatArray, own: FloatArray, out: FloatArray
) -> None:
    """The closed form into ``out`` (n,), world by world, in the reference's order."""
    n, involved, issues = position.shape
    for i in range(n):
        first_weight = 1.0 if np.isfinite(own[i]) else 0.0
        weights = first_weight
        for _ in range(1, involved):
            weights = weights + 1.0
        spreads = 0.0
        for k in range(issues):
            total, first, second = 0.0, 0.0, 0.0
            for a in range(involved):
                pull = (first_weight if a == 0 else 1.0) * salience[i, a, k]
                weighted = pull * position[i, a, k]
                if a == 0:
                    total, first, second = pull, weighted, weighted * position[i, a, k]
                else:
                    total = total + pull
                    first = first + weighted
                    second = second + weighted * position[i, a, k]
            spread = second - first * first / (total if total > 0.0 else 1.0)
            spreads = spread if k == 0 else spreads + spread
        out[i] = weights - spreads


@cache
def compiled_kernel() -> Kernel:
    """``attainable_rows`` compiled (numba imported, the kernel compiled or loaded from the
    cache, on first use only)."""
    kernel: Kernel = jit(attainable_rows)
    return kernel
