"""The ratifiers' approval probabilities from their utilities, compiled, with the reference's bits.

:func:`sim.core.ratification.logistic` of the margins U_r - theta_r spends some nine numpy passes
over the (n, R) approvals (the margin, the sharp ratifiers' step, -margin / s, exp, 1 + e, 1 /
that, the choice); here two compiled loops (numba, ``njit(cache=True)``) do the same IEEE
operations around :mod:`sim.elementary`'s ``exp`` (the reference's own) on the same contiguous
(n, R) array, so the probabilities are the same bit for bit.
Hand-written: measured faster (docs/speed.md, issue 17).  ``PARLEY_ENGINE=numpy`` runs the
reference.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from sim import elementary
from sim.arrays import FloatArray
from sim.core.kernel_jit import vector_jit
from sim.core.newton_kernel import engine

Kernel = Callable[[FloatArray, FloatArray, FloatArray, FloatArray], None]


def compiled_approvals(
    utility: FloatArray, threshold: FloatArray, spread: FloatArray
) -> FloatArray | None:
    """sigma((U - theta) / s) (n, R) as :func:`sim.core.ratification.logistic` computes it from
    the utilities U (n, R), thresholds theta (R,) or (n, R) and spreads s (R,) (a step at 0
    where s is 0); None where the reference must run (``PARLEY_ENGINE=numpy``, other shapes or
    dtypes)."""
    if utility.ndim != 2 or spread.shape != utility.shape[1:] or engine() != "kernel":
        return None
    if any(a.dtype != np.float64 for a in (utility, threshold, spread)):
        return None
    exponents, approvals = compiled_kernels()
    theta = np.broadcast_to(threshold, utility.shape)
    z = np.empty(utility.shape)
    exponents(utility, theta, spread, z)
    elementary.exp(z, out=z)  # as the reference's (:mod:`sim.elementary`)
    approvals(utility, theta, spread, z)
    return z


def exponents(utility: FloatArray, theta: FloatArray, spread: FloatArray, z: FloatArray) -> None:
    """-(U - theta) / s into z (s read as 1 where it is not positive, as the reference does)."""
    n, ratifiers = utility.shape
    for i in range(n):
        for r in range(ratifiers):
            scale = 1.0 if spread[r] <= 0 else spread[r]
            z[i, r] = -(utility[i, r] - theta[i, r]) / scale


def approvals(utility: FloatArray, theta: FloatArray, spread: FloatArray, z: FloatArray) -> None:
    """From z = exp of the exponents, in place: 1 / (1 + z), or the step 1[U - theta >= 0] where
    the spread is not positive."""
    n, ratifiers = utility.shape
    for i in range(n):
        for r in range(ratifiers):
            if spread[r] <= 0:
                z[i, r] = 1.0 if utility[i, r] - theta[i, r] >= 0 else 0.0
            else:
                z[i, r] = 1.0 / (1.0 + z[i, r])


@cache
def compiled_kernels() -> tuple[Kernel, Kernel]:
    """``exponents`` and ``approvals`` compiled (numba imported, the kernels compiled or loaded
    from the cache, on first use only)."""
    return vector_jit(exponents), vector_jit(approvals)
